"""Estimation by group: fallbacks are explicit, logged, flagged, and no firm is dropped."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

import tfp

KW = dict(id="firm", time="year", output="log_va", free="log_fte", state="log_capital", proxy="log_materials")


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    big = tfp.simulate_panel(600, 8, elasticities=[(0.6, 0.3), (0.5, 0.4), (0.7, 0.2)], seed=3)
    tiny = tfp.simulate_panel(20, 8, elasticities=[(0.6, 0.3)], seed=4)
    tiny["industry"], tiny["firm"] = "I99", "T" + tiny["firm"]
    flat = tfp.simulate_panel(100, 8, elasticities=[(0.6, 0.3)], seed=5)
    flat["industry"], flat["firm"] = "I98", "F" + flat["firm"]
    flat["log_materials"] = 1.0  # a proxy stuck at one value cannot be inverted
    d = pd.concat([big, tiny, flat], ignore_index=True)
    d["section"] = d["industry"].map({"I00": "A", "I01": "A"}).fillna("B")
    return d


def test_small_and_failed_groups_fall_back_to_their_section(panel, caplog):
    with caplog.at_level(logging.WARNING, logger="tfp"):
        fit = tfp.estimate_by_group(panel, group="industry", fallback_group="section", min_obs=300,
                                    method="lp", **KW)
    a = fit.assignments.set_index("group")
    assert a.loc["I99", "fallback_used"] and a.loc["I99", "group_used"] == "section=B"
    assert "fewer than min_obs=300" in a.loc["I99", "fallback_reason"]
    assert a.loc["I98", "fallback_used"] and "not monotone enough" in a.loc["I98", "fallback_reason"]
    assert "[I98]" in a.loc["I98", "fallback_reason"]  # the message names the industry
    assert not a.loc[["I00", "I01", "I02"], "fallback_used"].any()
    assert "industry=I99" in caplog.text and "industry=I98" in caplog.text
    # every row keeps its TFP, flagged
    tf = fit.tfp
    assert len(tf) == len(panel) and tf.index.equals(panel.index)
    small = panel["industry"].isin(["I99", "I98"]).to_numpy()
    assert tf.loc[small, "fallback_used"].all() and not tf.loc[~small, "fallback_used"].any()
    assert np.isfinite(tf.loc[panel["industry"] == "I99", "log_tfp"]).all()
    # the elasticity table has every group, with the estimate actually used
    e = fit.elasticities
    assert set(e["group"]) == {"I00", "I01", "I02", "I98", "I99"}
    row = e[(e["group"] == "I99") & (e["term"] == "log_fte")].iloc[0]
    assert row["group_used"] == "section=B" and bool(row["fallback_used"])
    assert row["estimate"] == pytest.approx(fit.results["section=B"].params["log_fte"])
    assert {"group", "term", "estimate", "std_error", "n_obs", "n_firms", "method", "converged",
            "group_used", "fallback_used", "fallback_reason"} <= set(e.columns)
    assert "returns_to_scale" in set(e["term"])


def test_without_fallback_group_the_pool_is_used(panel):
    fit = tfp.estimate_by_group(panel, group="industry", min_obs=300, method="lp", **KW)
    a = fit.assignments.set_index("group")
    assert a.loc["I99", "group_used"] == "(all)" and a.loc["I98", "group_used"] == "(all)"
    assert "(all)" in fit.results


def test_when_every_fallback_fails_the_error_names_the_groups(panel):
    d = panel[panel["industry"].isin(["I00", "I01"])]
    with pytest.raises(tfp.TFPError, match=r"groups \['I00', 'I01'\].*did not converge"):
        tfp.estimate_by_group(d, group="industry", method="acf", max_nfev=1, min_obs=10, **KW)


def test_missing_inputs_keep_their_rows_with_nan_tfp(panel):
    d = panel[panel["industry"] == "I00"].copy()
    d.loc[d.index[:5], "log_capital"] = np.nan
    fit = tfp.estimate_by_group(d, group="industry", method="ols", **KW)
    assert len(fit.tfp) == len(d)
    assert fit.tfp["log_tfp"].isna().sum() == 5


def test_parallel_groups_give_identical_results(panel):
    kw = dict(group="industry", fallback_group="section", min_obs=300, method="lp", bootstrap=3, seed=9, **KW)
    a = tfp.estimate_by_group(panel, n_jobs=1, **kw)
    b = tfp.estimate_by_group(panel, n_jobs=2, **kw)
    pd.testing.assert_frame_equal(a.elasticities, b.elasticities, check_exact=True)
    pd.testing.assert_frame_equal(a.tfp, b.tfp, check_exact=True)
    assert a.elasticities["std_error"].notna().all()


def test_summary_lists_groups(panel):
    fit = tfp.estimate_by_group(panel, group="industry", fallback_group="section", min_obs=300, method="ols", **KW)
    text = fit.summary()
    assert "I99" in text and "section=B" in text
    assert fit.to_frame() is fit.elasticities


def test_rows_without_a_group_get_the_pooled_estimate(panel):
    d = panel[panel["industry"].isin(["I00", "I01"])].copy()
    d.loc[d.index[:16], "industry"] = None
    fit = tfp.estimate_by_group(d, group="industry", method="lp", **KW)
    assert len(fit.tfp) == len(d)
    no_group = d["industry"].isna().to_numpy()
    assert (fit.tfp.loc[no_group, "group_used"] == "(all)").all() and fit.tfp.loc[no_group, "fallback_used"].all()
    assert np.isfinite(fit.tfp.loc[no_group, "log_tfp"]).all()
    assert set(fit.assignments["group"]) == {"I00", "I01"}


def test_a_too_small_section_passes_on_to_the_pool_and_says_why(panel):
    d = panel.assign(section=panel["industry"])  # each section is just its industry
    fit = tfp.estimate_by_group(d, group="industry", fallback_group="section", min_obs=300, method="lp", **KW)
    a = fit.assignments.set_index("group")
    assert a.loc["I99", "group_used"] == "(all)"
    assert "section=I99 not usable either (160 complete observations" in a.loc["I99", "fallback_reason"]
