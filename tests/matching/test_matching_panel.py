import warnings

import numpy as np
import pandas as pd
import pytest

from matching import MatchingError, matched_cohort_panel


def simulate_panel(n=3000, seed=7, effect=0.03):
    rng = np.random.default_rng(seed)
    firms = np.array([f"F{i:05d}" for i in range(n)])
    years = np.arange(2012, 2021)
    nace = rng.choice(["10", "20", "25", "62"], n)
    a = rng.normal(0, 0.3, n)
    size = rng.normal(3, 1, n)
    member = rng.random(n) < 1 / (1 + np.exp(-(-3.2 + 2 * a + 0.5 * (size - 3))))
    cohort = np.where(member, rng.choice([2015, 2016, 2017], n), 0)
    fid = np.repeat(firms, years.size)
    yr = np.tile(years, n)
    c = np.repeat(cohort, years.size)
    log_tfp = np.repeat(a, years.size) + 0.01 * (yr - 2012) + rng.normal(0, 0.05, fid.size)
    log_tfp += effect * ((c > 0) & (yr >= c))
    log_fte = np.repeat(size, years.size) + rng.normal(0, 0.05, fid.size)
    return pd.DataFrame(
        {
            "firm": fid,
            "year": yr,
            "log_tfp": log_tfp,
            "log_fte": log_fte,
            "log_capital": log_fte + rng.normal(1, 0.2, fid.size),
            "age": np.repeat(rng.integers(1, 40, n), years.size) + (yr - 2012),
            "nace2": np.repeat(nace, years.size),
            "first_year": c,
        }
    )


@pytest.fixture(scope="module")
def stacked_result():
    panel = simulate_panel()
    stacked, balance = matched_cohort_panel(
        panel, id="firm", time="year", cohort="first_year",
        covariates=["log_tfp", "log_fte", "age"], growth=["log_tfp"],
        pre_window=3, post_window=2, caliper=0.2,
    )
    return panel, stacked, balance


def test_layout(stacked_result):
    panel, stacked, balance = stacked_result
    assert list(stacked.columns[:7]) == ["stack", "firm", "year", "treated", "post", "event_time", "weight"]
    for col in panel.columns:
        assert col in stacked.columns
    assert set(stacked["stack"]) <= {2015, 2016, 2017}
    assert not stacked.duplicated(["stack", "firm", "year"]).any()
    assert (stacked["event_time"] == stacked["year"] - stacked["stack"]).all()
    assert (stacked["post"] == (stacked["year"] >= stacked["stack"]).astype(int)).all()
    assert stacked["event_time"].between(-3, 2).all()
    assert set(balance["cohort"]) == {"2015", "2016", "2017", "all"}
    for col in ["covariate", "smd_before", "smd_after", "var_ratio_before", "var_ratio_after"]:
        assert col in balance.columns


def test_matching_within_industry_and_clean_controls(stacked_result):
    panel, stacked, _ = stacked_result
    firm_industry = panel.groupby("firm")["nace2"].first()
    base = stacked[stacked["event_time"] == -1]
    for g, grp in base.groupby("stack"):
        treated = grp[grp.treated == 1]
        controls = grp[grp.treated == 0]
        # members of cohort g only, controls never or later members
        assert (treated["first_year"] == g).all()
        assert ((controls["first_year"] == 0) | (controls["first_year"] > g)).all()
        # exact on industry: weighted counts per industry agree
        wt = treated.groupby("nace2")["weight"].sum()
        wc = controls.groupby("nace2")["weight"].sum()
        pd.testing.assert_series_equal(wt, wc.reindex(wt.index), check_names=False)
    later = stacked[(stacked.treated == 0) & (stacked.first_year > 0)]
    assert (later["year"] < later["first_year"]).all()
    assert firm_industry.notna().all()


def test_balance_improves_and_pooled_is_balanced(stacked_result):
    _, _, balance = stacked_result
    pooled = balance[balance.cohort == "all"].set_index("covariate")
    assert (pooled["smd_after"].abs() < 0.1).all(), pooled["smd_after"]
    assert pooled.loc["log_tfp", "smd_before"] > 0.3


def test_weighted_did_recovers_effect(stacked_result):
    _, stacked, _ = stacked_result
    # weighted DiD of means within stacks (equivalent to TWFE with stack-specific
    # firm and year effects on this balanced window)
    est = []
    for _, s in stacked.groupby("stack"):
        def wmean(mask):
            return np.average(s.loc[mask, "log_tfp"], weights=s.loc[mask, "weight"])

        tr, post = s.treated == 1, s.post == 1
        est.append((wmean(tr & post) - wmean(tr & ~post)) - (wmean(~tr & post) - wmean(~tr & ~post)))
    assert np.mean(est) == pytest.approx(0.03, abs=0.015)


def test_panel_errors():
    panel = simulate_panel(n=200)
    with pytest.raises(MatchingError, match="panel columns not found: nope"):
        matched_cohort_panel(panel, id="firm", time="year", cohort="first_year", covariates=["nope"])
    bad = panel.copy()
    bad.loc[bad.index[0], "first_year"] = 2019
    with pytest.raises(MatchingError, match="varies within"):
        matched_cohort_panel(bad, id="firm", time="year", cohort="first_year", covariates=["log_tfp"])


def test_missing_baseline_values_are_counted(stacked_result):
    panel = simulate_panel(n=1500, seed=3)
    holes = panel[(panel.year == 2014)].index[:25]
    panel.loc[holes, "log_fte"] = np.nan
    with pytest.warns(Warning, match="cohort 2015: dropped 25 of"):
        _, balance = matched_cohort_panel(
            panel, id="firm", time="year", cohort="first_year", covariates=["log_tfp", "log_fte"]
        )
    assert balance.loc[balance.cohort == "2015", "n_dropped"].iloc[0] == 25
