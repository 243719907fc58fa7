"""Where a study's raw inputs come from: the researcher's files, or the simulated demo."""

from __future__ import annotations

from data_contracts import synthetic
from study.spec import StudySpec


def demo_simulation_config(spec: StudySpec) -> synthetic.SimulationConfig:
    """The generator's configuration for a demo study (``inputs.demo``)."""
    demo = spec.inputs.demo
    if demo is None:
        raise ValueError(f"study '{spec.name}' reads input files; it has no demo population")
    return synthetic.SimulationConfig(
        seed=demo.seed,
        n_firms=demo.n_firms,
        first_year=demo.first_year,
        last_year=demo.last_year,
        true_effect=demo.true_effect,
        effect_growth=demo.effect_growth,
        dip_selection=demo.dip_selection,
        member_share=demo.member_share,
    )
