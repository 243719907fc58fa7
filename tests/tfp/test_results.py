"""Results objects: tidy output, summary, JSON, TFP per firm-year, and the OP exit option."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import tfp

KW = dict(id="firm", time="year", output="log_va", free="log_fte", state="log_capital", proxy="log_materials")


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return tfp.simulate_panel(400, 8, seed=12)


def test_results_object_is_immutable_and_tidy(panel):
    r = tfp.estimate(panel, method="wrdg_gmm", **KW)
    with pytest.raises(AttributeError):
        r.method = "ols"
    f = r.to_frame()
    assert list(f.columns) == ["term", "estimate", "std_error", "t_stat", "p_value", "ci_lower", "ci_upper"]
    assert list(f["term"]) == ["log_fte", "log_capital"]
    s = r.summary()
    assert "Wooldridge (2009)" in s and "log_capital" in s and "Returns to scale" in s
    json.dumps(r.to_dict())
    assert r.returns_to_scale == pytest.approx(r.params.sum())


def test_productivity_per_firm_year(panel):
    r = tfp.estimate(panel, method="acf", **KW)
    d = panel.copy()
    d.loc[d.index[3], "log_fte"] = np.nan
    p = r.productivity(d)
    assert p.index.equals(d.index) and len(p) == len(d)
    assert list(p.columns[:2]) == ["firm", "year"]
    expected = d["log_va"] - r.params["log_fte"] * d["log_fte"] - r.params["log_capital"] * d["log_capital"]
    np.testing.assert_allclose(p["log_tfp"], expected)
    assert np.isnan(p["log_tfp"].iloc[3])
    # without the first-stage noise: closer to the true productivity than with it
    ok = p["log_tfp"].notna()
    c_net = np.corrcoef(p.loc[ok, "log_tfp_net_of_noise"], d.loc[ok, "true_log_tfp"])[0, 1]
    c_raw = np.corrcoef(p.loc[ok, "log_tfp"], d.loc[ok, "true_log_tfp"])[0, 1]
    assert c_net > c_raw
    np.testing.assert_allclose(p["returns_to_scale"], r.returns_to_scale)
    pd.testing.assert_series_equal(r.log_tfp(d), p["log_tfp"])


def test_levels_with_take_logs_match_logs(panel):
    lev = panel.assign(va=np.exp(panel["log_va"]), fte=np.exp(panel["log_fte"]), k=np.exp(panel["log_capital"]),
                       m=np.exp(panel["log_materials"]))
    a = tfp.estimate(panel, method="lp", **KW)
    b = tfp.estimate(lev, id="firm", time="year", output="va", free="fte", state="k", proxy="m", method="lp",
                     take_logs=True)
    np.testing.assert_allclose(a.params.to_numpy(), b.params.to_numpy(), atol=1e-8)
    np.testing.assert_allclose(a.productivity(panel)["log_tfp"], b.productivity(lev)["log_tfp"], atol=1e-6)


def test_op_exit_correction_runs_on_an_unbalanced_panel(panel):
    rng = np.random.default_rng(0)
    last = pd.Series(rng.integers(2013, 2018, panel["firm"].nunique()), index=panel["firm"].unique())
    d = panel[panel["year"] <= panel["firm"].map(last)]
    plain = tfp.estimate(d, method="op", **KW)
    exit_ = tfp.estimate(d, method="op", exit=True, **KW)
    assert exit_.converged
    assert exit_.params["log_fte"] == plain.params["log_fte"]  # first stage unchanged
    assert exit_.params["log_capital"] != plain.params["log_capital"]


def test_poly_degree_changes_the_first_stage(panel):
    a = tfp.estimate(panel, method="lp", poly_degree=2, **KW)
    b = tfp.estimate(panel, method="lp", poly_degree=3, **KW)
    assert len(b.first_stage_coef) > len(a.first_stage_coef)
    assert a.params["log_fte"] == pytest.approx(b.params["log_fte"], abs=0.02)


def test_bootstrap_reports_replicates_and_rts_error(panel):
    r = tfp.estimate(panel, method="acf", bootstrap=5, seed=1, n_jobs=2, **KW)
    assert r.bootstrap_estimates.shape == (5, 2)
    assert r.std_errors.notna().all() and np.isfinite(r.returns_to_scale_std_error)
    assert "bootstrap, 5 replications" in r.se_kind


def test_bootstrap_se_warnings_rule(panel):
    """Few replications are flagged; enough replications of a well-identified model are not."""
    few = tfp.estimate(panel, method="ols", bootstrap=10, seed=1, **KW)
    assert len(few.se_warnings) == 1 and "10 bootstrap replications" in few.se_warnings[0]
    assert "Warning: standard errors from 10 bootstrap replications" in few.summary()
    enough = tfp.estimate(panel, method="ols", bootstrap=60, seed=1, **KW)
    assert enough.se_warnings == [] and "Warning" not in enough.summary()
    assert tfp.estimate(panel, method="ols", **KW).se_warnings == []
    html = enough._repr_html_()
    assert "<table" in html and "log_capital" in html and "Returns to scale" in html
