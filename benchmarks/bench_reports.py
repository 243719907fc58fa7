"""Timing of the publication layer at the demo study's scale.

Run ``python benchmarks/bench_reports.py [--firms 30000] [--repeat 3]``; prints the median
wall-clock seconds per step of the publication layer (M1-M4, T1, writers, figures, HTML).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

CLUSTERS = ("Catalisti", "De Blauwe Cluster", "Flanders' FOOD", "Flux50", "MEDVIA", "SIM", "VIL")


def simulate(
    n_firms: int, first: int = 2012, last: int = 2024, seed: int = 20170101
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(membership, panel) of ``n_firms`` firms over ``first..last``, about 8% members."""
    rng = np.random.default_rng(seed)
    years = np.arange(first, last + 1)
    ids = np.array([f"F{i:06d}" for i in range(n_firms)])
    member = rng.random(n_firms) < 0.08
    size = rng.lognormal(2.0, 1.2, n_firms) * np.where(member, 3.0, 1.0)
    panel = pd.DataFrame({"firm_id": np.repeat(ids, len(years)), "year": np.tile(years, n_firms)})
    panel["fte"] = np.maximum(np.repeat(size, len(years)) * rng.lognormal(0, 0.05, len(panel)), 1.0)
    panel["tfp"] = np.repeat(0.1 * member + rng.normal(0, 0.3, n_firms), len(years)) + rng.normal(0, 0.05, len(panel))
    panel["value_added"] = panel["fte"] * 65_000 * np.exp(panel["tfp"])
    panel["nace2"] = np.repeat(rng.choice([f"{k:02d}" for k in range(10, 34)], n_firms), len(years))
    panel["foreign_owned"] = np.repeat((rng.random(n_firms) < 0.15).astype(int), len(years))
    m_ids = ids[member]
    join = rng.integers(first - 2, last + 1, len(m_ids))
    leave = np.where(rng.random(len(m_ids)) < 0.2, join + rng.integers(1, 5, len(m_ids)), 0)
    membership = pd.DataFrame(
        {
            "cluster": rng.choice(CLUSTERS, len(m_ids)),
            "firm_id": m_ids,
            "member_type": "company",
            "join_date": pd.to_datetime(pd.Series(join).astype(str) + "-06-30"),
            "leave_date": pd.to_datetime(
                pd.Series(np.where(leave > 0, leave, 0)).astype(str).where(leave > 0) + "-12-31"
            ),
        }
    )
    return membership, panel


def _median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    from reports import (
        EffectColumn,
        StudyNotes,
        build_flows_table,
        build_html_report,
        build_main_table,
        build_membership_table,
        build_performance_table,
        build_profile_table,
        build_weight_table,
        write_table,
    )
    from reports.figures import overlap_figure, save_figure, tfp_index_figure
    from reports.html import ReportFigure

    parser = argparse.ArgumentParser(prog="benchmarks/bench_reports.py")
    parser.add_argument("--firms", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    membership, panel = simulate(args.firms)
    notes = StudyNotes(sample="benchmark", estimator="benchmark")
    firms = panel.groupby("firm_id", as_index=False).first()
    firms["member"] = firms["firm_id"].isin(membership["firm_id"])
    levels = panel.groupby("year", as_index=False)["tfp"].mean().assign(group="All firms", n_firms=args.firms)
    scores = pd.DataFrame(
        {"pscore": np.random.default_rng(0).beta(2, 5, args.firms), "treated": firms["member"].astype(int)}
    )
    steps: dict[str, Callable[[], object]] = {
        "M1 membership": lambda: build_membership_table(membership, panel, notes),
        "M2 flows": lambda: build_flows_table(membership, notes),
        "M3 weight": lambda: build_weight_table(membership, panel, notes),
        "M4 performance": lambda: build_performance_table(membership, panel, notes),
        "T1 profile (5 variables)": lambda: build_profile_table(
            firms, ["fte", "tfp", "value_added", "foreign_owned", "year"], notes
        ),
        "T3 main table": lambda: build_main_table(
            [EffectColumn(f"c{i}", 0.02, 0.01, n_firms=1000, n_members=100) for i in range(6)], notes
        ),
    }
    m4 = build_performance_table(membership, panel, notes)
    out = Path(tempfile.mkdtemp(prefix="reports-bench-"))
    steps["write M4 (csv, md, tex, xlsx)"] = lambda: write_table(m4, out)
    steps["F1 build + save PNG/SVG"] = lambda: save_figure(tfp_index_figure(levels, base_year=2014), out / "F1")
    steps["F5 build + save PNG/SVG"] = lambda: save_figure(overlap_figure(scores), out / "F5")
    fig = ReportFigure.from_figure("F1", "F1", tfp_index_figure(levels, base_year=2014))
    steps["HTML report (M4 + 1 figure)"] = lambda: build_html_report("bench", [m4], [fig], {"seed": 1})
    print(
        f"firms={args.firms:,} firm-years={len(panel):,} members={membership['firm_id'].nunique():,} repeat={args.repeat}"
    )
    for name, fn in steps.items():
        print(f"{name:<32s} {_median_time(fn, args.repeat):8.3f} s")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
