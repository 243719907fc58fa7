"""Known-truth recovery on a simulated staggered panel with growing, cohort-specific effects."""

from __future__ import annotations

import numpy as np
import pytest
from did_testdata import simulate_staggered, true_simple_att

import did

COLS = {"y": "y", "id": "unit", "time": "t", "group": "g"}


@pytest.fixture(scope="module")
def staggered():
    df, truth = simulate_staggered(n_units=3000, share_never=0.2, effect_slope=0.1, seed=123)
    df["D"] = ((df["g"] > 0) & (df["t"] >= df["g"])).astype(float)
    return df, truth


@pytest.mark.parametrize("control", ["never", "notyet"])
@pytest.mark.parametrize("method", ["dr", "ipw", "reg"])
def test_cs_recovers_dynamic_effects(staggered, control, method):
    df, truth = staggered
    res = did.att_gt(df, **COLS, covariates=["x"], control_group=control, method=method)
    dyn = res.aggregate("dynamic").elements.set_index("event_time")
    for e, true_effect in truth.items():
        assert abs(dyn.loc[e, "att"] - true_effect) < 2 * dyn.loc[e, "se"], (e, true_effect)
    # no pre-trends in the generator
    assert res.pretest.pvalue > 0.01


def test_twfe_is_visibly_biased_while_cs_is_not(staggered):
    df, _ = staggered
    target = true_simple_att(df)
    cs = did.att_gt(df, **COLS, covariates=["x"]).aggregate("simple")
    tw = did.twfe(df, y="y", id="unit", time="t", treated="D")
    assert abs(cs.overall_att - target) < 2 * cs.overall_se
    lo, hi = tw.conf_int().loc["D"]
    assert not lo <= target <= hi
    assert abs(tw.params["D"] - target) > 5 * tw.std_errors["D"]


def test_bacon_sums_to_twfe_on_simulated_panel(staggered):
    df, _ = staggered
    bacon = did.bacon_decomposition(df, y="y", id="unit", time="t", group="g")
    tw = did.twfe(df, y="y", id="unit", time="t", treated="D")
    comp = bacon.comparisons
    assert (comp["estimate"] * comp["weight"]).sum() == pytest.approx(tw.params["D"], abs=1e-10)
    assert comp["weight"].sum() == pytest.approx(1.0, abs=1e-12)
    # forbidden comparisons carry weight and pull the estimate down when effects grow
    forbidden = bacon.by_type.set_index("type").loc["Later vs earlier treated"]
    assert forbidden["weight"] > 0
    assert forbidden["estimate"] < bacon.by_type.set_index("type").loc["Treated vs never treated", "estimate"]


def test_event_study_recovers_effects_and_flat_pretrends(staggered):
    df, truth = staggered
    es = did.event_study(df, y="y", id="unit", time="t", group="g", leads=3, lags=4)
    est = es.estimates.set_index("event_time")
    assert est.loc[-1, "estimate"] == 0.0 and np.isnan(est.loc[-1, "se"])
    assert est.loc[-3, "binned"] and est.loc[4, "binned"]
    assert es.pretrend_df == 2 and es.pretrend_pvalue > 0.01
    assert abs(est.loc[0, "estimate"] - truth[0]) < 3 * est.loc[0, "se"]


def test_bootstrap_is_seeded_and_bands_are_wider(staggered):
    df, _ = staggered
    a = did.att_gt(df, **COLS, bootstrap=300, seed=7)
    b = did.att_gt(df, **COLS, bootstrap=300, seed=7)
    c = did.att_gt(df, **COLS, bootstrap=300, seed=8)
    analytic = did.att_gt(df, **COLS)
    np.testing.assert_array_equal(a.att_gt["se"], b.att_gt["se"])
    assert not np.array_equal(a.att_gt["se"], c.att_gt["se"])
    assert a.critical_value > 1.96
    # bootstrap SEs estimate the analytic ones
    np.testing.assert_allclose(a.att_gt["se"], analytic.att_gt["se"], rtol=0.2)
    dyn_a, dyn_b = a.aggregate("dynamic"), b.aggregate("dynamic")
    np.testing.assert_array_equal(dyn_a.elements["se"], dyn_b.elements["se"])
    assert dyn_a.critical_value >= 1.959963984540054
    np.testing.assert_allclose(
        dyn_a.elements["se"], analytic.aggregate("dynamic").elements["se"], rtol=0.2
    )


def test_uniform_band_covers_truth(staggered):
    df, truth = staggered
    dyn = did.att_gt(df, **COLS, covariates=["x"], bootstrap=500, seed=3).aggregate("dynamic")
    el = dyn.elements.set_index("event_time")
    for e, true_effect in truth.items():
        assert el.loc[e, "ci_lower"] <= true_effect <= el.loc[e, "ci_upper"]


def test_subgroup_equality_not_rejected_for_random_split(staggered):
    df, _ = staggered
    df = df.assign(size=df["unit"] % 3)
    sub = did.subgroup_effects(df, by="size", y="y", id="unit", time="t", group="g")
    assert list(sub.table["subgroup"]) == [0, 1, 2]
    assert sub.equality.df == 2 and sub.equality.pvalue > 0.01
    tw = did.subgroup_effects(df, by="size", estimator="twfe", y="y", id="unit", time="t", treated="D")
    assert tw.table["n_units"].sum() == df["unit"].nunique()


def test_cohort_equality_rejected_when_cohorts_differ():
    df, _ = simulate_staggered(n_units=6000, share_never=0.3, cohort_shift=0.3, seed=5)
    res = did.att_gt(df, **COLS)
    assert did.cohort_equality_test(res).pvalue < 0.001
    df, _ = simulate_staggered(n_units=6000, share_never=0.3, cohort_shift=0.0, effect_slope=0.0, seed=5)
    assert did.cohort_equality_test(did.att_gt(df, **COLS)).pvalue > 0.01


def test_subgroup_equality_detects_different_effects():
    a, _ = simulate_staggered(n_units=2000, effect_slope=0.0, cohort_shift=0.0, seed=1)
    b, _ = simulate_staggered(n_units=2000, effect_slope=0.3, cohort_shift=0.0, seed=2)
    b = b.assign(unit=b["unit"] + 10_000)
    df = __import__("pandas").concat([a.assign(size="small"), b.assign(size="large")])
    sub = did.subgroup_effects(df, by="size", y="y", id="unit", time="t", group="g")
    assert sub.equality.pvalue < 1e-6


def test_anticipation_and_universal_base(staggered):
    df, _ = staggered
    res = did.att_gt(df, **COLS, anticipation=1, base_period="universal")
    ref = res.att_gt[res.att_gt["time"] == res.att_gt["group"] - 2]
    assert (ref["att"] == 0).all() and ref["se"].isna().all()
    assert res.aggregate("simple").overall_att > 0


def test_weights_scale_invariant(staggered):
    df, _ = staggered
    df = df.assign(w=1.0 + (df["unit"] % 4))
    a = did.att_gt(df, **COLS, weights="w", covariates=["x"])
    b = did.att_gt(df.assign(w=df["w"] * 3.0), **COLS, weights="w", covariates=["x"])
    np.testing.assert_allclose(a.att_gt["att"], b.att_gt["att"], atol=1e-12)
    np.testing.assert_allclose(a.aggregate("simple").overall_se, b.aggregate("simple").overall_se, rtol=1e-10)


def _with_clusters(df, effect_by_cluster):
    """Assign treated units to clusters; shift the effect of cluster 'B' if asked."""
    df = df.copy()
    treated = df["g"] > 0
    df["cluster"] = np.where(treated, np.where(df["unit"] % 2 == 0, "A", "B"), None)
    post = treated & (df["t"] >= df["g"])
    df.loc[post & (df["cluster"] == "B"), "y"] += effect_by_cluster
    return df


@pytest.mark.parametrize("estimator", ["cs", "twfe"])
def test_shared_controls_subgroups(staggered, estimator):
    df, _ = staggered
    kwargs = {"y": "y", "id": "unit", "time": "t", "group": "g"}
    same = did.subgroup_effects(_with_clusters(df, 0.0), by="cluster", estimator=estimator,
                                controls="shared", **kwargs)
    assert list(same.table["subgroup"]) == ["A", "B"]
    assert same.equality.df == 1 and same.equality.pvalue > 0.01
    differ = did.subgroup_effects(_with_clusters(df, 0.3), by="cluster", estimator=estimator,
                                  controls="shared", **kwargs)
    assert differ.equality.pvalue < 1e-6
    gap = differ.params["B"] - differ.params["A"]
    assert abs(gap - 0.3) < 3 * np.hypot(*differ.std_errors)


def test_shared_controls_covariance_accounts_for_common_controls(staggered):
    """The joint test with shared never-treated units is less extreme than one that
    wrongly treats the two estimates as independent (positive covariance)."""
    from did.subgroup import independent_equality_test

    df, _ = staggered
    res = did.subgroup_effects(_with_clusters(df, 0.1), by="cluster", controls="shared",
                               y="y", id="unit", time="t", group="g")
    naive = independent_equality_test(res.table["estimate"].to_numpy(), res.table["se"].to_numpy())
    assert res.equality.W > naive.W


def test_shared_twfe_matches_one_regression(staggered):
    df = _with_clusters(staggered[0], 0.2)
    res = did.subgroup_effects(df, by="cluster", estimator="twfe", controls="shared",
                               y="y", id="unit", time="t", group="g")
    d = (df["g"] > 0) & (df["t"] >= df["g"])
    frame = df.assign(a=(d & (df["cluster"] == "A")).astype(float), b=(d & (df["cluster"] == "B")).astype(float))
    joint = did.twfe(frame, y="y", id="unit", time="t", treated=["a", "b"])
    np.testing.assert_allclose(res.table["estimate"], joint.params.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(res.table["se"], joint.std_errors.to_numpy(), rtol=1e-12)
