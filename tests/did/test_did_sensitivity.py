"""did.sensitivity against R HonestDiD 0.2.6 on the mpdta event study (issue #11, item 5).

Fixture: tests/fixtures/did/honestdid_mpdta.json (shared/reference/expected, target e = 0).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from did_testdata import FIXTURES, MPDTA_COLUMNS

import did
from did._honest_flci import FLCIProblem, folded_normal_quantile
from did.sensitivity import (
    EventStudyInputs,
    event_study_inputs,
    honest_did,
    original_ci,
    relative_magnitudes,
    smoothness,
)

REF = json.loads((FIXTURES / "honestdid_mpdta.json").read_text())
INP = REF["honestdid_inputs"]
BETA = np.array(INP["betahat"])
SIGMA = np.array(INP["sigma"])
K, T = INP["numPrePeriods"], INP["numPostPeriods"]
E0 = REF["results"]["e0"]
MBAR = [row["Mbar"] for row in E0["relative_magnitudes"]["rows"]]
MSD = [row["M"] for row in E0["smoothness"]["rows"]]


@pytest.fixture(scope="module")
def universal_fit(mpdta):
    return did.att_gt(mpdta, **MPDTA_COLUMNS, base_period="universal")


def test_inputs_from_our_att_gt_match_honest_did_aggteobj(universal_fit):
    inp = event_study_inputs(universal_fit)
    assert list(inp.event_times) == INP["event_times"]
    assert (inp.num_pre_periods, inp.num_post_periods, inp.n_units) == (K, T, INP["n_units"])
    np.testing.assert_allclose(inp.betahat, BETA, rtol=0, atol=1e-10)
    np.testing.assert_allclose(inp.sigma, SIGMA, rtol=1e-8, atol=1e-14)
    frame = inp.to_frame()
    assert list(frame.columns) == ["event_time", "estimate", "se"]


def test_original_ci():
    lb, ub = original_ci(BETA, SIGMA, K, T)
    assert lb == pytest.approx(E0["original"]["lb"], abs=1e-12)
    assert ub == pytest.approx(E0["original"]["ub"], abs=1e-12)


@pytest.mark.parametrize(
    ("table", "method", "points"),
    [
        ("relative_magnitudes", "C-LF", 100),
        ("relative_magnitudes_grid1000", "C-LF", 1000),
        ("relative_magnitudes_conditional_grid1000", "Conditional", 1000),
    ],
)
def test_relative_magnitudes_match_r_on_its_grid(table, method, points):
    ref = E0[table]
    res = relative_magnitudes(BETA, SIGMA, K, T, MBAR, method=method, grid_points=points)
    assert res.grid["grid_lb"] == pytest.approx(ref["grid"]["grid_lb"], rel=1e-12)
    assert res.grid["step"] == pytest.approx(ref["grid"]["step"], rel=1e-12)
    step = ref["grid"]["step"]
    for ours, theirs in zip(res.robust.itertuples(), ref["rows"]):
        assert ours.m == theirs["Mbar"] and ours.method == theirs["method"]
        # the same grid point (C-LF uses R's random stream, so its critical value is R's)
        assert abs(ours.lb - theirs["lb"]) < 1e-3 * step
        assert abs(ours.ub - theirs["ub"]) < 1e-3 * step
        assert ours.lb_at_grid_edge == theirs["lb_at_grid_edge"]
        assert ours.ub_at_grid_edge == theirs["ub_at_grid_edge"]
    assert res.breakdown == ref["breakdown_Mbar"]
    assert res.original[0] == pytest.approx(E0["original"]["lb"], abs=1e-12)


def test_relative_magnitudes_other_seeds_within_one_grid_step():
    """Another random stream moves C-LF bounds by at most one grid step."""
    ref = E0["relative_magnitudes"]
    res = relative_magnitudes(BETA, SIGMA, K, T, MBAR, seed=12345)
    step = ref["grid"]["step"]
    for ours, theirs in zip(res.robust.itertuples(), ref["rows"]):
        assert abs(ours.lb - theirs["lb"]) <= step * 1.001
        assert abs(ours.ub - theirs["ub"]) <= step * 1.001


def test_smoothness_flci_matches_r():
    ref = E0["smoothness"]
    res = smoothness(BETA, SIGMA, K, T, MSD)
    assert res.breakdown == ref["breakdown_M"]
    for ours, theirs, det in zip(res.robust.itertuples(), ref["rows"], ref["flci_details"]):
        assert ours.m == theirs["M"] and ours.method == "FLCI"
        assert abs(ours.lb - theirs["lb"]) < 1e-3
        assert abs(ours.ub - theirs["ub"]) < 1e-3
        # exact quantile: never longer than R's estimator with the exact quantile
        assert ours.half_length <= det["half_length_exact_quantile"] + 1e-10
    # M = 0 (minimum-variance estimator) and M >= 0.03 (the bias-free corner): R's
    # estimator is the optimum, so everything agrees up to R's simulated quantile.
    for i in (0, 3, 4, 5):
        ours, theirs, det = res.robust.iloc[i], ref["rows"][i], ref["flci_details"][i]
        assert ours["sd"] == pytest.approx(det["sd"], rel=1e-7)
        assert ours["center"] == pytest.approx(det["center"], abs=1e-5)
        assert ours["half_length"] == pytest.approx(det["half_length_exact_quantile"], abs=1e-7)
        assert abs(ours["lb"] - theirs["lb"]) < 1e-4
        assert abs(ours["ub"] - theirs["ub"]) < 1e-4
    for i in (3, 4, 5):
        np.testing.assert_allclose(res.flci_weights[i], ref["flci_details"][i]["optimal_vec"], atol=1e-8)


def test_flci_objective_reproduces_r_at_r_weights():
    """Our bias / sd formulas evaluated at R's chosen weights give R's max_bias and sd."""
    lv = np.array(E0["l_vec"])
    prob = FLCIProblem.build(SIGMA, K, T, lv)
    for det in E0["smoothness"]["flci_details"]:
        v = np.array(det["optimal_vec"])
        z = np.linalg.lstsq(prob.e, v[:K] - prob.x0, rcond=None)[0]
        np.testing.assert_allclose(prob.weights(z), v, atol=1e-9)  # v satisfies the trend constraint
        sd = np.sqrt(prob.variance(z))
        bias = det["M"] * (np.abs(z).sum() + prob.c_post)
        assert sd == pytest.approx(det["sd"], rel=1e-9)
        assert bias == pytest.approx(det["max_bias"], rel=1e-8, abs=1e-12)
        assert sd * folded_normal_quantile(bias / sd) == pytest.approx(det["half_length_exact_quantile"], rel=1e-9)


def test_front_door_on_our_fit_equals_array_call(universal_fit):
    a = honest_did(universal_fit, restriction="relative_magnitudes", grid=MBAR)
    b = relative_magnitudes(BETA, SIGMA, K, T, MBAR)
    np.testing.assert_allclose(a.robust[["lb", "ub"]], b.robust[["lb", "ub"]], atol=1e-12)
    s = honest_did(universal_fit, restriction="smoothness", grid=MSD, target="average")
    assert s.target == "average" and s.method == "FLCI"
    np.testing.assert_allclose(s.l_vec, np.full(T, 0.25))


def test_results_object_layout():
    res = relative_magnitudes(BETA, SIGMA, K, T, [0, 1])
    frame = res.to_frame()
    assert list(frame.columns) == ["m", "lb", "ub", "method", "delta"]
    assert frame["method"].tolist() == ["Original", "C-LF", "C-LF"]
    assert frame["delta"].tolist()[1:] == ["DeltaRM", "DeltaRM"]
    payload = res.to_dict()
    assert set(payload) == {"original", "robust", "breakdown"}
    assert set(payload["original"]) == {"lb", "ub"}
    assert set(payload["robust"][0]) == {"m", "lb", "ub", "method"}
    text = res.summary()
    assert "Rambachan & Roth" in text and "breakdown Mbar" in text and "C-LF" in text
    with pytest.raises(AttributeError):
        res.method = "x"  # frozen
    assert relative_magnitudes(BETA, SIGMA, K, T, [0, 1]).to_dict() == payload  # deterministic


def test_wider_sets_for_larger_bounds():
    """Relative-magnitude sets are nested in Mbar; FLCI half lengths grow with M.

    (FLCI intervals need not be nested: the optimal estimator, hence the centre, changes.)
    """
    for target in ("first", "average"):
        rm = relative_magnitudes(BETA, SIGMA, K, T, [0, 0.5, 1, 2], target=target, method="Conditional")
        assert (np.diff(rm.robust["lb"]) <= 1e-12).all() and (np.diff(rm.robust["ub"]) >= -1e-12).all()
        sd = smoothness(BETA, SIGMA, K, T, [0, 0.01, 0.02, 0.05], target=target)
        assert (np.diff(sd.robust["half_length"]) >= -1e-12).all()
        assert (sd.robust["max_bias"].iloc[1:] > 0).all() and sd.robust["max_bias"].iloc[0] == 0


def test_breakdown_definition():
    res = smoothness(BETA, SIGMA, K, T, [0, 0.01], target="average")
    # the average effect is significant under parallel trends, not at M = 0.01
    assert res.robust["ub"].iloc[0] < 0 < res.robust["ub"].iloc[1]
    assert res.breakdown == 0.01
    none = smoothness(BETA, SIGMA, K, T, [0], target="average")
    assert none.breakdown is None and none.to_dict()["breakdown"] is None


def test_event_study_inputs_accepts_inputs_object():
    inp = EventStudyInputs(BETA, SIGMA, np.array(INP["event_times"], dtype=float), K, T)
    res = honest_did(inp, restriction="smoothness", grid=[0])
    assert res.robust["lb"].iloc[0] == pytest.approx(smoothness(BETA, SIGMA, K, T, [0]).robust["lb"].iloc[0])


# --------------------------------------------------------------------------- more R results
# tests/fixtures/did/honestdid_mpdta_more.json, written by make_honestdid_fixture.R with
# HonestDiD 0.2.6 on the same inputs: the average of the post-periods, and one post-period.
MORE = json.loads((FIXTURES / "honestdid_mpdta_more.json").read_text())


@pytest.mark.parametrize(
    ("table", "method", "points"),
    [("relative_magnitudes", "C-LF", 100), ("relative_magnitudes_conditional_grid1000", "Conditional", 1000)],
)
def test_average_target_relative_magnitudes_match_r(table, method, points):
    ref = MORE["average"][table]
    res = relative_magnitudes(BETA, SIGMA, K, T, MBAR, target="average", method=method, grid_points=points)
    assert res.grid["step"] == pytest.approx(ref["grid"]["step"], rel=1e-12)
    step = ref["grid"]["step"]
    for ours, theirs in zip(res.robust.itertuples(), ref["rows"]):
        assert ours.m == theirs["Mbar"]
        assert abs(ours.lb - theirs["lb"]) < 1e-3 * step
        assert abs(ours.ub - theirs["ub"]) < 1e-3 * step
    assert res.breakdown == ref["breakdown_Mbar"]


def test_average_target_original_and_smoothness_match_r():
    ref = MORE["average"]
    lb, ub = original_ci(BETA, SIGMA, K, T, target="average")
    assert (lb, ub) == pytest.approx((ref["original"]["lb"], ref["original"]["ub"]), abs=1e-12)
    res = smoothness(BETA, SIGMA, K, T, MSD, target="average")
    assert res.breakdown == ref["smoothness"]["breakdown_M"]
    for ours, theirs, det in zip(res.robust.itertuples(), ref["smoothness"]["rows"], ref["smoothness"]["flci_details"]):
        assert ours.m == theirs["M"]
        assert abs(ours.lb - theirs["lb"]) < 1e-3
        assert abs(ours.ub - theirs["ub"]) < 1e-3
        # R's interval with its simulated quantile; ours is never longer beyond that noise
        assert ours.half_length <= det["half_length"] + 1e-4


def test_single_post_period_conditional_matches_r():
    """One post-period: HonestDiD's no-nuisance code path; same test, same grid points."""
    ref = MORE["single_post"]["relative_magnitudes_conditional_grid1000"]
    res = relative_magnitudes(BETA[:K + 1], SIGMA[:K + 1, :K + 1], K, 1, MBAR, method="Conditional",
                              grid_points=1000)
    step = ref["grid"]["step"]
    for ours, theirs in zip(res.robust.itertuples(), ref["rows"]):
        assert abs(ours.lb - theirs["lb"]) < 1e-3 * step
        assert abs(ours.ub - theirs["ub"]) < 1e-3 * step


def test_single_post_period_c_lf_within_one_grid_step():
    """C-LF with one post-period: R's no-nuisance code does not cap the second-stage
    truncation at the least-favourable critical value (its nuisance code and ARP's
    hybrid do), so a bound may differ by a grid step (here Mbar = 1's lower bound)."""
    ref = MORE["single_post"]["relative_magnitudes"]
    res = relative_magnitudes(BETA[:K + 1], SIGMA[:K + 1, :K + 1], K, 1, MBAR, grid_points=100)
    step = ref["grid"]["step"]
    steps = [(abs(o.lb - r["lb"]) / step, abs(o.ub - r["ub"]) / step) for o, r in zip(res.robust.itertuples(), ref["rows"])]
    assert max(max(p) for p in steps) <= 1.001
    assert sum(round(a) + round(b) for a, b in steps) <= 2
