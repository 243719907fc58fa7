"""Every MatchIt 4.7.2 reference case on lalonde, at the issue's tolerances."""

import numpy as np
import pandas as pd
import pytest

from matching import match, propensity_score

CASES = {
    "i_nearest": dict(method="nearest"),
    "ii_nearest_caliper02": dict(method="nearest", caliper=0.2),
    "iii_nearest_replace": dict(method="nearest", replace=True),
    "iv_nearest_ratio2_replace": dict(method="nearest", replace=True, ratio=2),
    "v_exact": dict(method="exact"),
}
STATS = {
    "means_treated": "means_treated",
    "means_control": "means_control",
    "smd": "std_mean_diff",
    "var_ratio": "var_ratio",
    "ecdf_mean": "ecdf_mean",
    "ecdf_max": "ecdf_max",
    "std_pair_dist": "std_pair_dist",
}


@pytest.fixture(scope="module", params=list(CASES))
def case(request, lalonde, load_case, covariates):
    name = request.param
    ref = load_case(name)
    covs = ["race", "married", "nodegree"] if name == "v_exact" else covariates
    return name, ref, match(lalonde, treatment="treat", covariates=covs, **CASES[name])


def test_rows_in_reference_order(case, lalonde):
    _, ref, _ = case
    assert list(lalonde.index) == ref["rows"]["id"]


def test_distance(case):
    name, ref, m = case
    if "distance" not in ref["rows"]:
        assert m.distance.isna().all()
        return
    np.testing.assert_allclose(m.distance.to_numpy(), ref["rows"]["distance"], rtol=0, atol=1e-6)


def test_weights(case):
    _, ref, m = case
    np.testing.assert_allclose(m.weights.to_numpy(), ref["rows"]["weight"], rtol=0, atol=1e-9)


def test_subclass(case):
    _, ref, m = case
    if "subclass" not in ref["rows"]:
        assert m.subclass.isna().all()
        return
    expected = pd.Series(pd.array(ref["rows"]["subclass"], dtype="Int64"), index=m.subclass.index)
    pd.testing.assert_series_equal(m.subclass, expected, check_names=False)


def test_match_matrix(case):
    _, ref, m = case
    if "match_matrix" not in ref:
        assert m.match_matrix is None
        return
    got = {k: list(v) for k, v in zip(m.match_matrix.index, m.match_matrix.to_numpy().tolist())}
    assert got == ref["match_matrix"]


def test_caliper_width(case):
    _, ref, m = case
    if "caliper_raw_width" in ref:
        assert m.caliper_width == pytest.approx(ref["caliper_raw_width"], rel=1e-9)


@pytest.mark.parametrize("which", ["all", "matched"])
def test_balance_tables(case, which):
    _, ref, m = case
    got = (m.balance_all() if which == "all" else m.balance_matched()).set_index("covariate")
    exp = pd.DataFrame(ref["balance"][which]).set_index("covariate")
    assert list(got.index) == list(exp.index)
    for ours, theirs in STATS.items():
        a = got[ours].to_numpy(dtype=float)
        b = exp[theirs].to_numpy(dtype=float)
        assert np.array_equal(np.isnan(a), np.isnan(b)), ours
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6, equal_nan=True, err_msg=ours)


def test_tidy_balance_has_smds(case):
    _, ref, m = case
    bal = m.balance()
    exp_before = [r["std_mean_diff"] for r in ref["balance"]["all"]]
    exp_after = [r["std_mean_diff"] for r in ref["balance"]["matched"]]
    np.testing.assert_allclose(bal["smd_before"], exp_before, atol=1e-6)
    np.testing.assert_allclose(bal["smd_after"], exp_after, atol=1e-6)
    for col in ["var_ratio_before", "var_ratio_after", "ecdf_mean_after", "ecdf_max_after"]:
        assert col in bal.columns


def test_counts(case):
    _, ref, m = case
    counts = m.counts()
    for row, by_group in ref["counts"].items():
        for group, value in by_group.items():
            assert counts.loc[row, group] == pytest.approx(value, rel=1e-9), (row, group)
    assert m.n_treated_matched == ref["counts"]["matched"]["treated"]
    assert m.n_control_matched == ref["counts"]["matched"]["control"]


def test_att_and_primary_se(case):
    _, ref, m = case
    eff = ref["effect"]
    res = m.att("re78")
    assert res.estimate == pytest.approx(eff["att"], abs=1e-6)
    assert res.se == pytest.approx(eff[eff["primary_se"]], rel=1e-4)
    assert res.se_hc3 == pytest.approx(eff["se_hc3"], rel=1e-4)
    if "se_cluster_subclass" in eff:
        assert res.se_type == "cluster_subclass_hc1"
        assert res.n_clusters == eff["n_clusters"]
    else:
        assert res.se_type == "hc3"
    assert res.n_obs == eff["n_obs"]
    assert res.df_resid == eff["df_residual"]
    assert res.t_value == pytest.approx(eff["t_value_primary"], rel=1e-4)
    assert res.p_value == pytest.approx(eff["p_value_primary"], rel=1e-4)


def test_matched_data(case):
    _, ref, m = case
    md = m.matched_data()
    assert len(md) == ref["effect"]["n_obs"]
    assert md["weights"].sum() == pytest.approx(ref["effect"]["sum_weights"])


def test_propensity_score_case_vi(lalonde, load_case, covariates):
    ref = load_case("vi_propensity_score")
    ps = propensity_score(lalonde, treatment="treat", covariates=covariates)
    np.testing.assert_allclose(ps.score.to_numpy(), ref["distance"], rtol=0, atol=1e-6)
    # far tighter in practice: the IRLS replays R's glm.fit
    np.testing.assert_allclose(ps.score.to_numpy(), ref["distance"], rtol=0, atol=1e-12)
    coefs = pd.Series(ref["ps_model_coefficients"])
    assert list(ps.params.index) == list(coefs.index)
    np.testing.assert_allclose(ps.params.to_numpy(), coefs.to_numpy(), rtol=1e-9)
    assert "racehispan" in ps.to_frame()["term"].tolist()
    assert "logit" in ps.summary()
