"""Known-truth recovery on simulated panels with ACF timing (fixed seeds, several industries)."""

from __future__ import annotations

import numpy as np
import pytest

import tfp

TRUTH = {"I00": (0.6, 0.3), "I01": (0.5, 0.4), "I02": (0.7, 0.2)}
KW = dict(id="firm", time="year", output="log_va", free="log_fte", state="log_capital", proxy="log_materials")


@pytest.fixture(scope="module", params=[2024, 7])
def panel(request):
    return tfp.simulate_panel(4000, 12, elasticities=list(TRUTH.values()), seed=request.param)


def _by_group(fit: tfp.GroupedProductionFunction) -> dict:
    e = fit.elasticities.pivot(index="group", columns="term", values="estimate")
    return {g: (e.loc[g, "log_fte"], e.loc[g, "log_capital"]) for g in e.index}


@pytest.mark.parametrize("method", ["acf", "wrdg_gmm"])
def test_acf_and_wooldridge_recover_every_elasticity(panel, method):
    fit = tfp.estimate_by_group(panel, group="industry", method=method, **KW)
    assert not fit.assignments["fallback_used"].any()
    est = _by_group(fit)
    for g, (bl, bk) in TRUTH.items():
        assert est[g][0] == pytest.approx(bl, abs=0.02), (method, g, est[g])
        assert est[g][1] == pytest.approx(bk, abs=0.02), (method, g, est[g])


def test_ols_overstates_labour(panel):
    est = _by_group(tfp.estimate_by_group(panel, group="industry", method="ols", **KW))
    for g, (bl, _) in TRUTH.items():
        assert est[g][0] > bl + 0.1, (g, est[g])


def test_estimated_productivity_tracks_the_truth(panel):
    fit = tfp.estimate_by_group(panel, group="industry", method="acf", **KW)
    tf = fit.tfp
    assert len(tf) == len(panel)
    assert np.corrcoef(tf["log_tfp_net_of_noise"], panel["true_log_tfp"])[0, 1] >= 0.95
    # with the shock: y - f(x) against omega + eps
    assert np.corrcoef(tf["log_tfp"], panel["true_log_tfp_with_noise"])[0, 1] >= 0.95


def test_controls_enter_first_stage_and_are_recovered():
    d = tfp.simulate_panel(1500, 10, elasticities=[(0.6, 0.3)], seed=5)
    d["exporter"] = np.random.default_rng(0).integers(0, 2, len(d))
    d["log_va"] += 0.1 * d["exporter"]
    r = tfp.estimate(d, method="acf", controls="exporter", **KW)
    assert r.params["exporter"] == pytest.approx(0.1, abs=0.01)
    assert r.params["log_fte"] == pytest.approx(0.6, abs=0.02)
    assert r.params["log_capital"] == pytest.approx(0.3, abs=0.02)
    # the control's contribution is netted out of TFP
    tf = r.productivity(d)
    assert np.corrcoef(tf["log_tfp_net_of_noise"], d["true_log_tfp"])[0, 1] > 0.95


@pytest.mark.parametrize("method", ["acf", "wrdg_gmm"])
def test_translog_average_elasticities_match_cobb_douglas_truth(method):
    d = tfp.simulate_panel(1500, 10, elasticities=[(0.6, 0.3)], seed=5)
    r = tfp.estimate(d, method=method, translog=True, **KW)
    assert list(r.params.index) == ["log_fte", "log_capital", "log_fte^2", "log_fte*log_capital", "log_capital^2"]
    p = r.productivity(d)
    assert p["elasticity_log_fte"].mean() == pytest.approx(0.6, abs=0.02)
    assert p["elasticity_log_capital"].mean() == pytest.approx(0.3, abs=0.02)
    np.testing.assert_allclose(p["returns_to_scale"], p["elasticity_log_fte"] + p["elasticity_log_capital"])
    assert np.isnan(r.returns_to_scale)


def test_acf_reports_the_spurious_root_it_rejected():
    d = tfp.simulate_panel(1500, 10, elasticities=[(0.6, 0.3)], seed=5)
    r = tfp.estimate(d, method="acf", **KW)
    assert r.params["log_fte"] == pytest.approx(0.6, abs=0.02)
    assert "roots" in r.message


def test_prodest_form_of_wooldridge_is_biased_on_capital_here(panel):
    """prodest's WRDG_GMM drops the linear capital term of h(k, m); the DGP's h has one."""
    g = panel[panel["industry"] == "I01"]
    ours = tfp.estimate(g, method="wrdg_gmm", **KW).params["log_capital"]
    theirs = tfp.estimate(g, method="wrdg_gmm", prodest_compat=True, **KW).params["log_capital"]
    assert abs(ours - 0.4) < abs(theirs - 0.4)


def test_gross_output_adds_the_proxy_as_input():
    d = tfp.simulate_panel(300, 8, seed=3)
    for method in ("acf", "ols", "fe"):
        r = tfp.estimate(d, method=method, value_added=False, **KW)
        assert list(r.params.index) == ["log_fte", "log_capital", "log_materials"]
        assert "elasticity_log_materials" in r.productivity(d).columns


def test_overidentified_acf_recovers_elasticities_and_differs_from_prodest_moments(panel):
    g = panel[panel["industry"] == "I01"]
    over = tfp.estimate(g, method="acf", overidentify=True, **KW)
    just = tfp.estimate(g, method="acf", **KW)
    assert over.params["log_fte"] == pytest.approx(0.5, abs=0.02)
    assert over.params["log_capital"] == pytest.approx(0.4, abs=0.02)
    assert over.objective > 0 and not np.allclose(over.params, just.params)
    with pytest.raises(tfp.TFPSpecificationError, match="overidentify applies to ACF only"):
        tfp.estimate(g, method="lp", overidentify=True, **KW)
