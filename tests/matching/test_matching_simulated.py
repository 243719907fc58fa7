"""Known-truth recovery: selection on observables with a constant treatment effect."""

import numpy as np
import pandas as pd
import pytest

from matching import match, propensity_score

TRUE_EFFECT = 2.0


def simulate(seed: int = 20240601, n: int = 4000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.normal(size=n)
    sector = rng.choice(["a", "b", "c"], size=n, p=[0.5, 0.3, 0.2])
    # about 10% treated, as in the study (few members among many firms)
    index = -2.6 + 0.8 * x1 + 0.5 * x2 + np.where(sector == "c", 0.6, 0.0)
    treat = (rng.random(n) < 1 / (1 + np.exp(-index))).astype(int)
    y = 1.0 + 1.5 * x1 + 1.0 * x2 + np.where(sector == "b", 0.5, 0.0) + TRUE_EFFECT * treat + rng.normal(size=n)
    return pd.DataFrame({"treat": treat, "x1": x1, "x2": x2, "sector": sector, "y": y})


@pytest.fixture(scope="module")
def sim():
    return simulate()


@pytest.mark.parametrize(
    "kw",
    [dict(), dict(caliper=0.2), dict(replace=True), dict(ratio=2, caliper=0.2), dict(exact=["sector"], caliper=0.2)],
)
def test_matching_removes_selection_bias(sim, kw):
    raw = sim.loc[sim.treat == 1, "y"].mean() - sim.loc[sim.treat == 0, "y"].mean()
    assert raw - TRUE_EFFECT > 0.8  # the raw difference is badly biased
    m = match(sim, treatment="treat", covariates=["x1", "x2", "sector"], **kw)
    res = m.att("y")
    lo, hi = res.conf_int()
    assert lo < TRUE_EFFECT < hi
    assert abs(res.estimate - TRUE_EFFECT) < 0.25
    bal = m.balance()
    assert (bal["smd_after"].abs() < 0.1).all(), bal[["covariate", "smd_after"]]
    assert (bal["smd_before"].abs().max()) > 0.3


def test_score_model_recovers_index(sim):
    ps = propensity_score(sim, treatment="treat", covariates=["x1", "x2", "sector"])
    assert ps.params["x1"] == pytest.approx(0.8, abs=0.12)
    assert ps.params["x2"] == pytest.approx(0.5, abs=0.12)
    assert ps.params["sectorc"] == pytest.approx(0.6, abs=0.2)


def test_probit_matches_statsmodels(sim):
    import statsmodels.api as sm

    ps = propensity_score(sim, treatment="treat", covariates=["x1", "x2", "sector"], link="probit")
    x = sm.add_constant(pd.get_dummies(sim[["x1", "x2", "sector"]], drop_first=True, dtype=float))
    # a GLM (Fisher scoring, expected information) as R's glm and summary.glm
    family = sm.families.Binomial(link=sm.families.links.Probit())
    ref = sm.GLM(sim["treat"], x, family=family).fit(tol=1e-12)
    # R's glm stops once the relative deviance change is below 1e-8, as this fit
    # does; statsmodels is run to 1e-12, so the scores agree to about 1e-6
    np.testing.assert_allclose(ps.score.to_numpy(), ref.predict(x).to_numpy(), atol=1e-5)
    np.testing.assert_allclose(ps.std_errors.to_numpy(), ref.bse.to_numpy(), rtol=1e-4)


def test_linear_logit_distance_is_linear_predictor(sim):
    m = match(sim, treatment="treat", covariates=["x1", "x2"], link="linear.logit", caliper=0.1)
    ps = propensity_score(sim, treatment="treat", covariates=["x1", "x2"])
    np.testing.assert_allclose(m.distance.to_numpy(), ps.linear_predictor.to_numpy())
    d = m.distance.to_numpy()
    assert m.caliper_width == pytest.approx(0.1 * np.std(d, ddof=1))


def test_cem_and_exact_balance_strata(sim):
    m = match(sim, treatment="treat", covariates=["x1", "sector"], method="cem")
    bal = m.balance().set_index("covariate")
    for level in ["sectora", "sectorb", "sectorc"]:
        assert abs(bal.loc[level, "smd_after"]) < 1e-12
    assert abs(bal.loc["x1", "smd_after"]) < 0.1
    res = m.att("y")
    assert res.se_type == "cluster_subclass_hc1"
    sub = m.subclass.dropna()
    assert sub.min() == 1 and sub.nunique() == sub.max()


def test_deterministic(sim):
    a = match(sim, treatment="treat", covariates=["x1", "x2"], caliper=0.1)
    b = match(sim, treatment="treat", covariates=["x1", "x2"], caliper=0.1)
    pd.testing.assert_series_equal(a.weights, b.weights)
    c = match(sim, treatment="treat", covariates=["x1", "x2"], m_order="random", seed=3)
    d = match(sim, treatment="treat", covariates=["x1", "x2"], m_order="random", seed=3)
    pd.testing.assert_series_equal(c.weights, d.weights)
