"""End to end: every table and figure from simulated inputs, published twice, identical."""

from __future__ import annotations

import pandas as pd
import pytest

from reports import (
    EffectColumn,
    StudyNotes,
    build_balance_table,
    build_elasticity_table,
    build_flows_table,
    build_heterogeneity_table,
    build_main_table,
    build_membership_table,
    build_performance_table,
    build_profile_table,
    build_robustness_table,
    build_weight_table,
)
from reports.errors import FirmIdentifierError
from reports.figures import event_study_figure, love_plot_figure, tfp_index_figure
from reports.guard import assert_no_firm_identifiers
from reports.publish import publish

NOTES = StudyNotes(sample="Simulated economy", estimator="TFP: simulated", source="tests/reports")


def _everything(membership: pd.DataFrame, panel: pd.DataFrame):
    # enterprise-number-shaped ids, as in the real panel: none may reach an output
    ids = {f: f"0{400000000 + i:09d}" for i, f in enumerate(sorted(panel["firm_id"].unique()))}
    membership = membership.assign(enterprise_number=membership["firm_id"].map(ids)).drop(columns="firm_id")
    panel = panel.assign(enterprise_number=panel["firm_id"].map(ids)).drop(columns="firm_id")
    firms = panel.groupby("enterprise_number", as_index=False)[["fte", "tfp"]].mean()
    firms["member"] = firms["enterprise_number"].isin(membership["enterprise_number"])
    balance = pd.DataFrame(
        {
            "variable": ["tfp", "fte"] * 2,
            "sample": ["before"] * 2 + ["after"] * 2,
            "std_diff": [0.4, 0.5, 0.02, -0.03],
            "var_ratio": [1.2, 1.5, 1.0, 1.1],
        }
    )
    effects = pd.DataFrame(
        {
            "dimension": ["Size class"] * 2,
            "group": ["Small", "Large"],
            "estimate": [0.02, 0.03],
            "se": [0.01, 0.01],
            "n_obs": [2000, 2000],
            "n_firms": [400, 400],
            "n_members": [80, 40],
            "residual_df": [399, 399],
        }
    )
    tests = pd.DataFrame({"dimension": ["Size class"], "test": ["F"], "statistic": [0.5], "df": [1], "pvalue": [0.48]})
    robust = effects.rename(columns={"group": "variant"}).assign(dimension="TFP estimator")
    elasticities = pd.DataFrame(
        {
            "estimator": "ACF",
            "industry": ["C10", "C10"],
            "term": ["labour", "capital"],
            "estimate": [0.6, 0.3],
            "se": [0.02, 0.02],
            "n_obs": 900,
            "n_firms": 150,
            "residual_df": 890,
        }
    )
    kw = {"firm": "enterprise_number"}
    tables = [
        build_membership_table(membership, panel, NOTES, **kw),
        build_flows_table(membership, NOTES, **kw),
        build_weight_table(membership, panel, NOTES, **kw),
        build_performance_table(membership, panel, NOTES, **kw),
        build_profile_table(firms, ["fte", "tfp"], NOTES, firm="enterprise_number"),
        build_elasticity_table(elasticities, NOTES),
        build_main_table(
            [EffectColumn("TWFE DiD", 0.025, 0.01, n_obs=2400, n_firms=400, n_members=120, residual_df=1990)], NOTES
        ),
        build_balance_table(balance, NOTES),
        build_heterogeneity_table(effects, tests, NOTES),
        build_robustness_table(robust, NOTES),
    ]
    levels = panel.groupby("year", as_index=False)["tfp"].mean().assign(group="All firms", n_firms=400)
    events = pd.DataFrame({"event_time": [-3, -2, 0, 1], "estimate": [0.0, 0.01, 0.02, 0.03], "se": 0.01})
    figures = {
        "F1_tfp_index": ("TFP index", tfp_index_figure(levels, base_year=2015)),
        "F2_event_study": ("Event study", event_study_figure(events)),
        "F6_love_plot": ("Balance", love_plot_figure(balance)),
    }
    return tables, figures


def test_publish_everything_twice_identically(tmp_path, monitoring_inputs):
    membership, panel = monitoring_inputs
    tables, figures = _everything(membership, panel)
    manifest = {"study": "test", "seed": 7}
    a = publish(tmp_path / "a", tables, figures, manifest)
    b = publish(tmp_path / "b", tables, figures, manifest)
    assert a.files == b.files and a.sha256 == b.sha256
    assert (
        "report.html" in a.files and "tables/T3_main_effect.xlsx" in a.files and "figures/F2_event_study.svg" in a.files
    )
    assert len([f for f in a.files if f.startswith("tables/")]) == 5 * len(tables)
    assert_no_firm_identifiers(tmp_path / "a")


def test_the_simulated_ids_would_be_caught():
    with pytest.raises(FirmIdentifierError):
        assert_no_firm_identifiers(f"firm {400000000 + 3:010d}")
