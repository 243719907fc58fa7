"""Impact tables T1-T6: layout, numbers, disclosure, golden main table."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reports.disclosure import DisclosureRules, reason_code
from reports.errors import ReportError
from reports.impact_tables import (
    EffectColumn,
    build_balance_table,
    build_elasticity_table,
    build_heterogeneity_table,
    build_main_table,
    build_profile_table,
    build_robustness_table,
)
from reports.notes import StudyNotes
from reports.render import disclosure_to_csv, to_csv

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"
NOTES = StudyNotes(sample="Simulated firms", estimator="TFP: simulated")
GOLDEN_NOTES = StudyNotes(
    sample="Simulated golden study, 1,500 firms, 2014-2020",
    estimator="TFP: ACF by NACE 2-digit industry; effects as labelled",
)


def _golden_columns() -> list[dict]:
    return json.loads((FIXTURES / "main_table_columns.json").read_text(encoding="utf-8"))["columns"]


# ----------------------------------------------------------------- T3 main table


def test_main_table_matches_the_committed_golden_csv():
    table = build_main_table(_golden_columns(), GOLDEN_NOTES)
    assert to_csv(table) == (FIXTURES / "T3_main_effect_golden.csv").read_text(encoding="utf-8")
    assert disclosure_to_csv(table) == (FIXTURES / "T3_main_effect_golden_disclosure.csv").read_text(encoding="utf-8")


def test_main_table_layout():
    table = build_main_table(_golden_columns(), GOLDEN_NOTES)
    assert list(table.frame.columns) == [
        "(1) Pooled OLS",
        "(2) TWFE DiD",
        "(3) + Industry × year FE",
        "(4) Callaway-Sant'Anna",
        "(5) Matched DiD",
        "(6) TFP by cluster",
    ]
    assert list(table.frame.index) == [
        "Cluster membership",
        "(SE)",
        "Effect in %",
        "Firm FE",
        "Year FE",
        "Industry × year FE",
        "N observations",
        "N firms",
        "N members",
        "Within R²",
    ]
    col = table.frame["(2) TWFE DiD"]
    # 0.0231 / 0.0094 = 2.46 on t(1499): p = 0.014 -> two stars
    assert col["Cluster membership"] == "0.023**"
    assert col["(SE)"] == "(0.009)"
    assert col["Effect in %"] == f"{100 * math.expm1(0.0231):.1f}"
    assert (col["Firm FE"], col["Year FE"], col["Industry × year FE"]) == ("Yes", "Yes", "No")
    assert table.frame.loc["Within R²", "(1) Pooled OLS"] == ""
    assert "* p<0.10, ** p<0.05, *** p<0.01" in table.footnote
    assert "clustered by firm" in table.footnote


def test_a_column_with_a_thin_dummy_is_suppressed_with_its_reason():
    table = build_main_table(_golden_columns(), GOLDEN_NOTES)
    col = table.frame["(6) TFP by cluster"]
    assert set(col[["Cluster membership", "(SE)", "N firms", "Within R²"]]) == {"x"}
    assert col["Firm FE"] == "Yes"  # design rows are not data
    comp = table.disclosure.set_index(["row", "column"])
    reason = comp.loc[("Cluster membership", "(6) TFP by cluster"), "suppressed_reason"]
    assert reason_code(reason) == "dummy_coverage" and "covers 8 firms" in reason
    assert table.n_suppressed == 7


@pytest.mark.parametrize(
    "changes, code",
    [({"residual_df": 9}, "residual_df"), ({"n_members": 9}, "dummy_coverage"), ({"n_firms": 9}, "min_firms")],
)
def test_main_table_regression_rules(changes, code):
    spec = {
        "label": "TWFE",
        "estimate": 0.02,
        "se": 0.01,
        "n_obs": 500,
        "n_firms": 100,
        "n_members": 30,
        "residual_df": 400,
    }
    table = build_main_table([{**spec, **changes}], NOTES)
    assert table.frame.iloc[0, 0] == "x"
    assert reason_code(table.disclosure["suppressed_reason"].iloc[0]) == code


@pytest.mark.parametrize(
    "estimate, se, pvalue, expected",
    [
        (0.02, 0.01, 0.009, "0.020***"),
        (0.02, 0.01, 0.04, "0.020**"),
        (0.02, 0.01, 0.09, "0.020*"),
        (0.02, 0.01, 0.10, "0.020"),
        (-0.05, 0.01, 0.001, "-0.050***"),
    ],
)
def test_stars_at_ten_five_one_percent(estimate, se, pvalue, expected):
    table = build_main_table([EffectColumn("A", estimate, se, pvalue=pvalue)], NOTES)
    assert table.frame.iloc[0, 0] == expected


def test_p_value_from_normal_or_t_when_not_given():
    # t = 1.7: p = 0.089 under N(0,1) (one star) but 0.12 under t(10) (none)
    normal = build_main_table([EffectColumn("A", 0.017, 0.01)], NOTES)
    small = build_main_table([EffectColumn("A", 0.017, 0.01, df=10, residual_df=10)], NOTES)
    assert normal.frame.iloc[0, 0] == "0.017*"
    assert small.frame.iloc[0, 0] == "0.017"


def test_decimals_setting():
    table = build_main_table([EffectColumn("A", 0.031234, 0.0104, pvalue=0.5, r2_within=0.12345)], NOTES, decimals=4)
    assert table.frame.iloc[0, 0] == "0.0312"
    assert table.frame.iloc[1, 0] == "(0.0104)"
    assert table.frame.iloc[2, 0] == f"{100 * math.expm1(0.031234):.2f}"
    assert table.frame.loc["Within R²"].iloc[0] == "0.1235"


def test_main_table_bad_input():
    with pytest.raises(ReportError, match="at least one column"):
        build_main_table([], NOTES)
    with pytest.raises(ReportError, match="estimate and se are required"):
        build_main_table([{"label": "A", "estimate": float("nan"), "se": 0.1}], NOTES)
    with pytest.raises(ReportError, match="unexpected keyword"):
        build_main_table([{"label": "A", "estimate": 0.1, "se": 0.1, "sd": 1}], NOTES)


def _simulated_panel(seed: int = 11, n_firms: int = 600, years: int = 8, effect: float = 0.03) -> pd.DataFrame:
    """Staggered membership with selection on the TFP level and a known effect."""
    rng = np.random.default_rng(seed)
    member = rng.random(n_firms) < 0.35
    cohort = np.where(member, rng.integers(2, years, n_firms), 10_000)
    level = rng.normal(0, 0.3, n_firms) + 0.15 * member  # members are more productive already
    firm = np.repeat(np.arange(n_firms), years)
    year = np.tile(np.arange(years), n_firms)
    treated = (year >= np.repeat(cohort, years)).astype(float)
    tfp = np.repeat(level, years) + 0.01 * year + effect * treated + rng.normal(0, 0.05, firm.size)
    return pd.DataFrame({"firm": firm, "year": year, "treated": treated, "ever": np.repeat(member, years), "tfp": tfp})


def test_known_truth_flows_through_the_main_table():
    """Pooled OLS (selection) vs TWFE on a simulated panel with a known effect of 0.03."""
    from linearmodels.panel import PanelOLS

    data = _simulated_panel().set_index(["firm", "year"])
    pooled = PanelOLS.from_formula("tfp ~ 1 + treated + TimeEffects", data).fit(
        cov_type="clustered", cluster_entity=True
    )
    twfe = PanelOLS.from_formula("tfp ~ treated + EntityEffects + TimeEffects", data).fit(
        cov_type="clustered", cluster_entity=True
    )
    n_firms = data.index.get_level_values("firm").nunique()
    n_members = int(data.groupby(level="firm")["ever"].first().sum())
    columns = [
        EffectColumn(
            label,
            float(fit.params["treated"]),
            float(fit.std_errors["treated"]),
            pvalue=float(fit.pvalues["treated"]),
            n_obs=int(fit.nobs),
            n_firms=n_firms,
            n_members=n_members,
            fixed_effects=fe,
            r2_within=float(fit.rsquared_within) if label != "Pooled OLS" else None,
            residual_df=float(fit.df_resid),
        )
        for label, fit, fe in (
            ("Pooled OLS", pooled, {"Year FE": True}),
            ("TWFE DiD", twfe, {"Firm FE": True, "Year FE": True}),
        )
    ]
    table = build_main_table(columns, NOTES, decimals=4)
    b_pooled = float(table.frame.iloc[0, 0].rstrip("*"))
    b_twfe = float(table.frame.iloc[0, 1].rstrip("*"))
    se_twfe = float(table.frame.iloc[1, 1].strip("()"))
    assert b_twfe == pytest.approx(float(twfe.params["treated"]), abs=5e-5)
    assert abs(b_twfe - 0.03) <= 3 * se_twfe  # the truth, read back from the formatted cells
    assert b_pooled > b_twfe + 0.05  # the pooled premium carries the selection of 0.15
    assert table.frame.loc["N observations"].tolist() == ["4,800", "4,800"]
    assert table.n_suppressed == 0


# ----------------------------------------------------------------- T1 profile


def _firms(seed: int = 3, n: int = 300, n_members: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    member = np.r_[np.ones(n_members, bool), np.zeros(n - n_members, bool)]
    return pd.DataFrame(
        {
            "firm_id": [f"f{i}" for i in range(n)],
            "member": member,
            "fte": rng.lognormal(3, 0.5, n) * np.where(member, 1.5, 1.0),
            "log_tfp": rng.normal(0, 0.4, n) + 0.2 * member,
        }
    )


def test_profile_table_statistics_recover_the_data():
    firms = _firms()
    table = build_profile_table(firms, {"fte": "FTE", "log_tfp": "log TFP"}, NOTES)
    m, n = firms[firms["member"]], firms[~firms["member"]]
    sd = (m["log_tfp"].mean() - n["log_tfp"].mean()) / np.sqrt((m["log_tfp"].var() + n["log_tfp"].var()) / 2)
    row = table.frame.loc["log TFP"]
    assert row["Members: mean"] == f"{m['log_tfp'].mean():.3f}"
    # the "median" is the mean of the middle 10 values (240 non-members: ranks 115-124)
    middle = np.sort(n["log_tfp"].to_numpy())[115:125].mean()
    assert row["Non-members: median"] == f"{middle:.3f}"
    assert abs(middle - n["log_tfp"].median()) < 0.02
    assert row["Members: SD"] == f"{m['log_tfp'].std():.3f}"
    assert row["Members: N"] == "60" and row["Non-members: N"] == "240"
    assert row["Std. diff."] == f"{sd:.3f}"
    assert sd > 0.3  # the simulated pre-membership advantage of 0.2 / 0.4
    assert table.n_suppressed == 0


def test_profile_table_suppresses_nine_members_the_derived_difference_and_the_other_group():
    # Members + non-members = all firms of the year, whose totals and means other tables
    # publish (M4's all-firm TFP, M3's regional totals): showing the non-members would
    # give the nine members' mean by differencing, so they are hidden too.
    table = build_profile_table(_firms(n_members=9), ["fte", "log_tfp"], NOTES)
    assert (table.frame.filter(like="Members:") == "x").all().all()
    assert (table.frame["Std. diff."] == "x").all()
    assert (table.frame.filter(like="Non-members:") == "x").all().all()
    reasons = table.disclosure.set_index(["row", "column"])["suppressed_reason"]
    assert reason_code(reasons[("fte", "Members: mean")]) == "min_firms"
    assert reasons[("fte", "Non-members: mean")] == "secondary: protects Members / fte"


def test_profile_table_dominance_applies_to_magnitudes_only():
    firms = _firms()
    firms.loc[0, "fte"] = 1e7  # one member firm dwarfs all others
    table = build_profile_table(firms, ["fte", "log_tfp"], NOTES)
    reasons = table.disclosure.set_index(["row", "column"])["suppressed_reason"]
    assert reason_code(reasons[("fte", "Members: mean")]) == "dominance"
    assert reasons[("log_tfp", "Members: mean")] == ""  # log TFP is not a magnitude


def test_profile_table_bad_input():
    with pytest.raises(ReportError, match="missing column"):
        build_profile_table(_firms(), ["sales"], NOTES)
    dup = pd.concat([_firms(), _firms().iloc[:1]])
    with pytest.raises(ReportError, match="one row per firm"):
        build_profile_table(dup, ["fte"], NOTES)


# ----------------------------------------------------------------- T2 elasticities


def _elasticities() -> pd.DataFrame:
    rows = []
    for est, shift in (("OLS", 0.0), ("ACF", -0.05)):
        for ind, df in (("C10", 500.0), ("C28", 5.0)):
            rows.append((est, ind, "labour", 0.65 + shift, 0.02, 800, 120, df))
            rows.append((est, ind, "capital", 0.30 - shift / 2, 0.015, 800, 120, df))
    return pd.DataFrame(
        rows, columns=["estimator", "industry", "term", "estimate", "se", "n_obs", "n_firms", "residual_df"]
    )


def test_elasticity_table():
    table = build_elasticity_table(_elasticities(), NOTES, estimators=["ACF", "OLS"])
    assert list(table.frame.columns) == ["ACF", "OLS"]
    assert table.frame.loc[("C10", "Labour"), "OLS"] == "0.650"
    assert table.frame.loc[("C10", "Labour (SE)"), "ACF"] == "(0.020)"
    assert table.frame.loc[("C10", "Returns to scale"), "ACF"] == f"{0.60 + 0.325:.3f}"
    assert table.frame.loc[("C10", "N observations"), "OLS"] == "800"
    # residual df 5 < 10: the C28 blocks are suppressed
    assert (table.frame.loc["C28"] == "x").all().all()
    assert reason_code(table.disclosure.query("row == 'C28 | Labour'")["suppressed_reason"].iloc[0]) == "residual_df"


def test_elasticity_table_bad_input():
    with pytest.raises(ReportError, match="duplicated"):
        build_elasticity_table(pd.concat([_elasticities(), _elasticities().iloc[:1]]), NOTES)
    with pytest.raises(ReportError, match="not in the column order"):
        build_elasticity_table(_elasticities(), NOTES, estimators=["OLS"])


# ----------------------------------------------------------------- T4 balance


def test_balance_table():
    balance = pd.DataFrame(
        {
            "variable": ["log_tfp", "log_tfp", "age", "age"],
            "sample": ["before", "after", "before", "after"],
            "std_diff": [0.42, 0.031, -0.2, 0.01],
            "var_ratio": [1.3, 1.02, 0.8, 0.99],
            "n_treated": [200, 200, 200, 9],
            "n_control": [5000, 200, 5000, 9],
        }
    )
    table = build_balance_table(
        balance, NOTES, off_support={"Members": 3, "Controls": 0}, variable_labels={"age": "Age"}
    )
    assert table.frame.loc["log_tfp"].tolist() == ["0.420", "0.031", "1.300", "1.020"]
    assert table.frame.loc["Age", "Std. diff. after"] == "x"
    assert table.frame.loc["Age", "Std. diff. before"] == "-0.200"
    assert table.frame.loc["Off support: Members", "Std. diff. before"] == "x"
    assert table.frame.loc["Off support: Controls", "Std. diff. before"] == "0"
    with pytest.raises(ReportError, match="'before' or 'after'"):
        build_balance_table(balance.assign(sample="matched"), NOTES)


# ----------------------------------------------------------------- T5 and T6


def _heterogeneity(size_large_members: int = 40) -> tuple[pd.DataFrame, pd.DataFrame]:
    effects = pd.DataFrame(
        {
            "dimension": ["Size class"] * 3 + ["Entry cohort"] * 2,
            "group": ["Small", "Medium", "Large", "2015", "2017"],
            "estimate": [0.02, 0.03, 0.025, 0.028, 0.022],
            "se": [0.01, 0.012, 0.015, 0.011, 0.013],
            "n_obs": [7000] * 5,
            "n_firms": [1000] * 5,
            "n_members": [80, 60, size_large_members, 90, 110],
            "residual_df": [999] * 5,
        }
    )
    tests = pd.DataFrame(
        {
            "dimension": ["Size class", "Entry cohort"],
            "test": ["F", "F"],
            "statistic": [0.41, 0.12],
            "df": [2, 1],
            "pvalue": [0.664, 0.729],
        }
    )
    return effects, tests


def test_heterogeneity_table():
    effects, tests = _heterogeneity()
    table = build_heterogeneity_table(effects, tests, NOTES)
    assert table.frame.loc[("Size class", "Small"), "Effect"] == "0.020**"
    assert table.frame.loc[("Size class", "Equality test"), "Effect"] == "F(2) = 0.410"
    assert table.frame.loc[("Size class", "Equality test"), "SE"] == "p = 0.664"
    assert table.frame.loc[("Entry cohort", "2017"), "N members"] == "110"
    assert table.n_suppressed == 0


def test_heterogeneity_block_with_a_thin_dummy_is_suppressed_whole():
    effects, tests = _heterogeneity(size_large_members=9)
    table = build_heterogeneity_table(effects, tests, NOTES)
    block = table.frame.loc["Size class"]
    assert (block[["Effect", "SE"]] == "x").all().all()
    assert (block.drop(index="Equality test") == "x").all().all()
    assert (table.frame.loc["Entry cohort"] != "x").all().all()
    reasons = table.disclosure.set_index(["row", "column"])["suppressed_reason"]
    assert reasons[("Size class | Small", "Effect")] == "dummy_coverage: Large covers 9 firms < 10"


def test_robustness_table():
    effects = pd.DataFrame(
        {
            "dimension": ["TFP estimator", "TFP estimator", "Control group", "Sample"],
            "variant": ["OLS", "ACF", "Not-yet members", "Full-model filers"],
            "estimate": [0.04, 0.028, 0.026, 0.03],
            "se": [0.01, 0.011, 0.012, 0.02],
            "pvalue": [0.0001, 0.011, 0.03, 0.13],
            "n_obs": [10500, 10500, 10500, 300],
            "n_firms": [1500, 1500, 1500, 60],
            "n_members": [212, 212, 212, 7],
            "residual_df": [9000, 9000, 9000, 240],
        }
    )
    table = build_robustness_table(effects, NOTES)
    assert table.frame.index.tolist()[0] == ("TFP estimator", "OLS")
    assert table.frame.loc[("TFP estimator", "ACF"), "Effect"] == "0.028**"
    assert table.frame.loc[("Control group", "Not-yet members"), "Effect in %"] == f"{100 * math.expm1(0.026):.1f}"
    assert (table.frame.loc[("Sample", "Full-model filers")] == "x").all()
    with pytest.raises(ReportError, match="missing column"):
        build_robustness_table(effects.drop(columns="residual_df"), NOTES)


def test_rules_change_the_outcome():
    effects, tests = _heterogeneity(size_large_members=9)
    lenient = DisclosureRules(min_dummy_firms=5)
    assert build_heterogeneity_table(effects, tests, NOTES, lenient).n_suppressed == 0


def test_balance_table_accepts_the_matching_wide_layout():
    wide = pd.DataFrame(
        {
            "covariate": ["log_tfp", "age"],
            "smd_before": [0.42, -0.2],
            "smd_after": [0.031, 0.01],
            "var_ratio_before": [1.3, 0.8],
            "var_ratio_after": [1.02, 0.99],
        }
    )
    table = build_balance_table(wide, NOTES)
    assert table.frame.loc["log_tfp"].tolist() == ["0.420", "0.031", "1.300", "1.020"]
    assert table.frame.loc["age", "Std. diff. before"] == "-0.200"
