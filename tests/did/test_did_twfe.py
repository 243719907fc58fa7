"""TWFE and the TWFE event study against linearmodels PanelOLS (1e-8)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from linearmodels import PanelOLS

import did
from did.event_study import event_time_dummies

TOL = 1e-8


@pytest.fixture(scope="module")
def panel(mpdta):
    d = mpdta.copy()
    d["D"] = ((d["first.treat"] > 0) & (d["year"] >= d["first.treat"])).astype(float)
    rng = np.random.default_rng(0)
    d["industry"] = d["countyreal"] % 7
    d["region"] = d["countyreal"] % 11
    d["w"] = np.repeat(rng.uniform(0.5, 2.0, d["countyreal"].nunique()), 5)
    return d


def _lm(d, x, **kw):
    p = d.set_index(["countyreal", "year"])
    cov = kw.pop("cov", {"cluster_entity": True})
    weights = p[kw.pop("weights")] if "weights" in kw else None
    other = p[kw.pop("other")] if "other" in kw else None
    mod = PanelOLS(p["lemp"], p[x], entity_effects=True, time_effects=other is None,
                   other_effects=other, weights=weights)
    return mod.fit(cov_type="clustered", **cov)


def _check(ours, ref):
    np.testing.assert_allclose(ours.params.to_numpy(), ref.params.to_numpy(), rtol=TOL, atol=1e-12)
    np.testing.assert_allclose(ours.std_errors.to_numpy(), ref.std_errors.to_numpy(), rtol=TOL)
    assert ours.nobs == ref.nobs
    assert ours.df_resid == ref.df_resid
    assert ours.rsquared_within == pytest.approx(ref.rsquared, rel=TOL)


def test_twfe_matches_linearmodels_mpdta(panel):
    ours = did.twfe(panel, y="lemp", id="countyreal", time="year", treated="D")
    ref = _lm(panel, ["D"])
    _check(ours, ref)
    assert ours.std_errors["D"] == pytest.approx(0.0148, abs=5e-5)  # issue #5's figure
    assert ours.n_entities == 500
    ci = ours.conf_int()
    np.testing.assert_allclose(ci.to_numpy(), ref.conf_int().to_numpy(), rtol=TOL)
    assert "n/(n-d-k)" in ours.note and "n/(n-d-k)" in ours.summary()


def test_twfe_unbalanced_and_weighted(panel):
    d = panel.sample(frac=0.85, random_state=3)
    _check(did.twfe(d, y="lemp", id="countyreal", time="year", treated="D"), _lm(d, ["D"]))
    _check(
        did.twfe(d, y="lemp", id="countyreal", time="year", treated="D", weights="w"),
        _lm(d, ["D"], weights="w"),
    )


def test_twfe_industry_by_year_effects(panel):
    d = panel.assign(iy=panel["industry"].astype(str) + "_" + panel["year"].astype(str))
    ours = did.twfe(d, y="lemp", id="countyreal", time="year", treated="D", absorb=[("industry", "year")])
    _check(ours, _lm(d, ["D"], other="iy"))
    assert ours.absorbed == ("countyreal", "industry x year")


def test_twfe_other_cluster(panel):
    ours = did.twfe(panel, y="lemp", id="countyreal", time="year", treated="D", cluster="region")
    ref = _lm(panel, ["D"], cov={"clusters": panel.set_index(["countyreal", "year"])["region"]})
    _check(ours, ref)
    assert ours.n_clusters == 11


def test_event_study_matches_linearmodels(panel):
    es = did.event_study(panel, y="lemp", id="countyreal", time="year", group="first.treat", leads=3, lags=2)
    g = panel["first.treat"].to_numpy(dtype=float)
    event = np.where(g > 0, panel["year"] - g, np.nan)
    dummies, times = event_time_dummies(event, 3, 2)
    names = [f"event_time={e}" for e in times]
    d = panel.assign(**{n: dummies[:, k] for k, n in enumerate(names)})
    ref = _lm(d, names)
    np.testing.assert_allclose(es.params.to_numpy(), ref.params.to_numpy(), rtol=TOL, atol=1e-12)
    np.testing.assert_allclose(es.std_errors.to_numpy(), ref.std_errors.to_numpy(), rtol=TOL)
    pre = [n for n, e in zip(names, times) if e < -1]
    b = ref.params[pre].to_numpy()
    v = ref.cov.loc[pre, pre].to_numpy()
    assert es.pretrend_wald == pytest.approx(float(b @ np.linalg.solve(v, b)), rel=1e-8)
    assert es.pretrend_df == 2
    est = es.estimates.set_index("event_time")
    assert list(est.index) == [-3, -2, -1, 0, 1, 2]
    assert est.loc[-3, "binned"] and est.loc[2, "binned"] and not est.loc[0, "binned"]


def test_event_time_dummies_bin_endpoints():
    event = np.array([-6, -3, -2, -1, 0, 1, 5, np.nan])
    cols, times = event_time_dummies(event, leads=3, lags=1)
    assert times == [-3, -2, 0, 1]
    expected = np.array(
        [[1, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0], [0, 0, 1, 0],
         [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]], dtype=float
    )
    np.testing.assert_array_equal(cols, expected)


def test_bacon_mpdta_sums_back(mpdta):
    bacon = did.bacon_decomposition(mpdta, y="lemp", id="countyreal", time="year", group="first.treat")
    d = mpdta.assign(D=((mpdta["first.treat"] > 0) & (mpdta["year"] >= mpdta["first.treat"])).astype(float))
    beta = did.twfe(d, y="lemp", id="countyreal", time="year", treated="D").params["D"]
    comp = bacon.comparisons
    assert bacon.twfe_estimate == pytest.approx(beta, abs=1e-12)
    assert (comp["estimate"] * comp["weight"]).sum() == pytest.approx(beta, abs=1e-10)
    assert comp["weight"].sum() == pytest.approx(1.0, abs=1e-12)
    assert set(comp["type"]) == {"Treated vs never treated", "Earlier vs later treated", "Later vs earlier treated"}
    assert len(comp) == 9


def test_bacon_with_always_treated(mpdta):
    d = mpdta.copy()
    d.loc[d["countyreal"] < 8100, "first.treat"] = 2003
    bacon = did.bacon_decomposition(d, y="lemp", id="countyreal", time="year", group="first.treat")
    d["D"] = ((d["first.treat"] > 0) & (d["year"] >= d["first.treat"])).astype(float)
    beta = did.twfe(d, y="lemp", id="countyreal", time="year", treated="D").params["D"]
    comp = bacon.comparisons
    assert (comp["estimate"] * comp["weight"]).sum() == pytest.approx(beta, abs=1e-10)
    assert "Later vs always treated" in set(comp["type"])


def test_bacon_refuses_unbalanced(mpdta):
    with pytest.raises(did.DiDInputError, match="balanced"):
        did.bacon_decomposition(mpdta.iloc[1:], y="lemp", id="countyreal", time="year", group="first.treat")


def test_twfe_bad_input(panel):
    with pytest.raises(did.DiDInputError, match="missing"):
        did.twfe(panel.assign(lemp=panel["lemp"].where(panel.index != 3)), y="lemp", id="countyreal",
                 time="year", treated="D")
    with pytest.raises(did.DiDInputError, match="not found"):
        did.twfe(panel, y="lemp", id="countyreal", time="year", treated="nope")
    with pytest.raises(did.DiDEstimationError, match="absorbed"):
        did.twfe(panel, y="lemp", id="countyreal", time="year", treated="treat")
    with pytest.raises(did.DiDInputError, match="duplicate"):
        did.twfe(pd.concat([panel, panel.iloc[:1]]), y="lemp", id="countyreal", time="year", treated="D")


def test_twfe_from_group_column(panel):
    by_group = did.twfe(panel, y="lemp", id="countyreal", time="year", group="first.treat")
    by_dummy = did.twfe(panel, y="lemp", id="countyreal", time="year", treated="D")
    assert by_group.params.iloc[0] == pytest.approx(by_dummy.params.iloc[0], abs=1e-14)
    assert by_group.std_errors.iloc[0] == pytest.approx(by_dummy.std_errors.iloc[0], rel=1e-12)
    with pytest.raises(did.DiDInputError, match="exactly one"):
        did.twfe(panel, y="lemp", id="countyreal", time="year")
