"""Callaway-Sant'Anna on an unbalanced panel: ``panel="balance"|"unbalanced"|"pairwise"``.

Reference numbers: R did 2.3.0 / DRDID 1.2.3 on mpdta with late entry, early exit and
10% of rows dropped (tests/fixtures/did/r/: data, R script and JSON output).
* balance: ``att_gt(panel = TRUE)`` (R drops units missing a period);
* unbalanced: ``att_gt(allow_unbalanced_panel = TRUE)``;
* pairwise: DRDID's panel estimator on each cell's units observed in both periods, and
  did's own ``aggte`` on those cells' influence functions mapped to the N units.
ATT(g,t), standard errors and the aggregates must agree to 1e-6.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from did_testdata import FIXTURES, MPDTA_COLUMNS, simulate_entry_exit

import did
from did.bootstrap import multiplier_bootstrap

R_DIR = FIXTURES / "r"
TOL = 1e-6
CASES = sorted(p.stem.removeprefix("did_unbalanced_") for p in R_DIR.glob("did_unbalanced_*.json"))
MODES = ("balance", "unbalanced", "pairwise")


def test_fixtures_present():
    # 12 varying-base cases (3 methods x 2 control groups x with/without lpop) + 2 universal
    assert len(CASES) == 14


@pytest.fixture(scope="module")
def unbalanced_mpdta() -> pd.DataFrame:
    return pd.read_csv(R_DIR / "mpdta_unbalanced.csv")


def _kwargs(ref: dict) -> dict:
    return {
        "method": ref["method"],
        "control_group": ref["control_group"],
        "covariates": ref["covariates"] or None,
        "base_period": ref["base_period"],
    }


_FITS: dict = {}


def _fit(data: pd.DataFrame, case: str, mode: str):
    """Fit once per (case, mode); returns (reference JSON, results, warnings)."""
    if (case, mode) not in _FITS:
        ref = json.loads((R_DIR / f"did_unbalanced_{case}.json").read_text())
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = did.att_gt(data, **MPDTA_COLUMNS, **_kwargs(ref), panel=mode)
        _FITS[case, mode] = (ref, res, [str(w.message) for w in caught])
    return _FITS[case, mode]


def _close(ours: float, ref: float | None) -> None:
    if ref is None:
        assert math.isnan(ours)
    else:
        assert abs(ours - ref) <= TOL, (ours, ref)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", CASES)
def test_cells_match_r(unbalanced_mpdta, case, mode):
    ref, res, _ = _fit(unbalanced_mpdta, case, mode)
    expected = ref[mode]
    assert res.n_units == expected["n_units"]
    ours = res.att_gt.set_index(["group", "time"])
    assert len(ours) == len(expected["cells"])
    for cell in expected["cells"]:
        row = ours.loc[(cell["group"], cell["time"])]
        _close(row["att"], cell["att"])
        _close(row["se"], cell["se"])
    assert res.pretest is not None
    assert res.pretest.W == pytest.approx(expected["pretest_W"], rel=1e-6)


@pytest.mark.parametrize("kind", ["simple", "dynamic", "group", "calendar"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", CASES)
def test_aggregates_match_r(unbalanced_mpdta, case, mode, kind):
    ref, res, _ = _fit(unbalanced_mpdta, case, mode)
    expected = ref[mode]["aggte"][kind]
    agg = res.aggregate(kind)
    _close(agg.overall_att, expected["overall_att"])
    _close(agg.overall_se, expected["overall_se"])
    if kind == "simple":
        return
    ours = agg.elements.set_index(agg.key)
    assert len(ours) == len(expected["elements"])
    for el in expected["elements"]:
        row = ours.loc[el[agg.key]]
        _close(row["att"], el["att"])
        _close(row["se"], el["se"])


@pytest.mark.parametrize("case", CASES)
def test_pairwise_cells_are_drdid_on_the_subset(unbalanced_mpdta, case):
    """Each pairwise cell is DRDID's panel estimator on the units observed in both
    periods: same ATT, same unit count, and DRDID's own SE."""
    ref, res, _ = _fit(unbalanced_mpdta, case, "pairwise")
    tab = res.att_gt.assign(n=res.cell_units).set_index(["group", "time"])
    for cell in ref["pairwise"]["cells"]:
        if "se_drdid" not in cell:  # universal base period's reference cell
            continue
        row = tab.loc[(cell["group"], cell["time"])]
        assert row["n"] == cell["n_units"]
        _close(row["att"], cell["att"])
        # DRDID 1.2.3: se = sd(psi) sqrt(n-1) / n = sqrt(sum (psi - mean psi)^2) / n; the
        # influence function has mean zero, so this is did's sqrt(sum psi^2) / n.
        _close(row["se"], cell["se_drdid"])


def test_pairwise_influence_functions_are_drdid_scaled(unbalanced_mpdta):
    """Cell influence functions: DRDID's on the cell's units times N / n_gt, 0 elsewhere."""
    ref, res, _ = _fit(unbalanced_mpdta, "dr_notyet_lpop_varying", "pairwise")
    n = res.n_units
    row_of = pd.Series(np.arange(n), index=res.unit_ids)
    keys = list(zip(res.att_gt["group"], res.att_gt["time"]))
    checked = 0
    for cell in ref["pairwise"]["cells"]:
        k = keys.index((cell["group"], cell["time"]))
        rows = row_of.loc[cell["unit_ids"]].to_numpy()
        psi = res.influence[:, k]
        scale = n / cell["n_units"]
        assert np.max(np.abs(psi[rows] - np.asarray(cell["influence"]) * scale)) <= TOL
        outside = np.setdiff1d(np.arange(n), rows)
        assert np.all(psi[outside] == 0)
        checked += 1
    assert checked == len(res.att_gt)


def test_balance_drops_units_as_r(unbalanced_mpdta):
    ref, res, caught = _fit(unbalanced_mpdta, "dr_never_none_varying", "balance")
    n_all = unbalanced_mpdta["countyreal"].nunique()
    complete = (unbalanced_mpdta.groupby("countyreal").size() == 5).sum()
    assert res.n_units == complete == ref["balance"]["n_units"]
    assert res.n_units_dropped == n_all - complete
    assert res.balanced and res.n_obs == 5 * complete
    assert any(f"dropped {n_all - complete} of {n_all} units" in m for m in caught)
    assert any(f"Dropped {n_all - complete} observations" in m for m in ref["balance"]["warnings"])


@pytest.mark.parametrize("mode", MODES)
def test_modes_agree_on_a_balanced_panel(mpdta, mode):
    """On a balanced panel the three modes are R's panel estimator."""
    base = did.att_gt(mpdta, **MPDTA_COLUMNS, covariates=["lpop"], control_group="notyet")
    res = did.att_gt(mpdta, **MPDTA_COLUMNS, covariates=["lpop"], control_group="notyet", panel=mode)
    pd.testing.assert_frame_equal(res.att_gt, base.att_gt)
    assert res.aggregate("dynamic").overall_se == base.aggregate("dynamic").overall_se
    assert res.n_units == 500 and res.n_units_dropped == 0


def test_unknown_panel_mode_is_refused(mpdta):
    with pytest.raises(did.DiDInputError, match="panel must be"):
        did.att_gt(mpdta, **MPDTA_COLUMNS, panel="balanced")


def test_pairwise_cell_without_treated_units_is_nan():
    """A cohort none of whose units is observed in a cell's two periods gives NaN there."""
    df, _ = _small_panel()
    # group 4: every unit misses period 2, so the pre-period cell (t=2, base 1) and (3, base 2) are empty
    df = df[~((df["g"] == 4) & (df["t"] == 2))]
    with pytest.warns(UserWarning, match="no treated units of group 4"):
        res = did.att_gt(df, y="y", id="unit", time="t", group="g", panel="pairwise")
    tab = res.att_gt.set_index(["group", "time"])
    assert np.isnan(tab.loc[(4, 2), "att"]) and np.isnan(tab.loc[(4, 3), "att"])
    assert np.isfinite(tab.loc[(4, 4), "att"])
    with pytest.raises(did.DiDEstimationError, match="NaN"):
        res.aggregate("dynamic")
    assert np.isfinite(res.aggregate("dynamic", na_rm=True).overall_att)


def _small_panel():
    from did_testdata import simulate_staggered

    return simulate_staggered(n_units=600, n_periods=6, cohorts=(4, 5), seed=3)


def test_pairwise_bootstrap_uses_the_firm_level_influence(unbalanced_mpdta):
    """The multiplier bootstrap perturbs the firm-level influence functions of the cells
    (firms absent from a cell contribute 0): the draws' SD is the analytic SE, and the
    reported (IQR-based, as R) SEs are those of the influence matrix."""
    kw = {**MPDTA_COLUMNS, "covariates": ["lpop"], "panel": "pairwise"}
    analytic = did.att_gt(unbalanced_mpdta, **kw)
    boot = did.att_gt(unbalanced_mpdta, **kw, bootstrap=4999, seed=7)
    draws = multiplier_bootstrap(analytic.influence, 4999, 7).draws / np.sqrt(analytic.n_units)
    # Rademacher draws have variance sum(psi^2) / n^2 exactly in expectation; 4999 draws
    # estimate an SD to about 1%
    ratio = draws.std(axis=0) / analytic.att_gt["se"].to_numpy()
    assert np.all(np.abs(ratio - 1) < 0.05), ratio
    expected = multiplier_bootstrap(analytic.influence, 4999, 7).se
    np.testing.assert_allclose(boot.att_gt["se"].to_numpy(), expected, rtol=1e-12)
    for kind in ("simple", "dynamic", "group"):
        a, b = analytic.aggregate(kind), boot.aggregate(kind)
        assert b.overall_att == a.overall_att
        agg_boot = multiplier_bootstrap(a.influence, 4999, 7)
        assert b.overall_se == pytest.approx(agg_boot.se[0], rel=1e-12)
        sd = agg_boot.draws[:, 0].std() / np.sqrt(analytic.n_units)
        assert abs(sd / a.overall_se - 1) < 0.05
    again = did.att_gt(unbalanced_mpdta, **kw, bootstrap=4999, seed=7)
    pd.testing.assert_frame_equal(boot.att_gt, again.att_gt)


# ---------------------------------------------------------------- known truth


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_entry_exit_known_truth(seed):
    """Firms enter late and exit early, more often the lower their level (fixed effect),
    and treated firms' entry/exit depends on the level more strongly: unrelated to trends,
    so pairwise recovers the truth on all firms; balance recovers it too but keeps only
    the firms observed in every year; the pooled (unbalanced) estimator compares
    different firms before and after and is biased upwards here."""
    df, truth, simple_truth, n_complete = simulate_entry_exit(n_units=4000, seed=seed)
    fits = {}
    for mode in MODES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fits[mode] = did.att_gt(df, y="y", id="unit", time="t", group="g", covariates=["x"],
                                    panel=mode)
    n_all = df["unit"].nunique()
    assert fits["pairwise"].n_units == fits["unbalanced"].n_units == n_all
    assert fits["balance"].n_units == n_complete < 0.5 * n_all
    assert fits["balance"].n_units_dropped == n_all - n_complete

    pw = fits["pairwise"]
    simple = pw.aggregate("simple")
    assert abs(simple.overall_att - simple_truth) < 3 * simple.overall_se
    dyn = pw.aggregate("dynamic").elements.set_index("event_time")
    for e, value in truth.items():
        assert abs(dyn.loc[e, "att"] - value) < 3.5 * dyn.loc[e, "se"], e
    bal = fits["balance"].aggregate("simple")
    assert abs(bal.overall_att - simple_truth) < 3 * bal.overall_se
    # using every firm's own differences is more precise than the balanced sub-panel
    assert simple.overall_se < 0.8 * bal.overall_se
    pooled = fits["unbalanced"].aggregate("simple")
    assert pooled.overall_att - simple_truth > 2.5 * pooled.overall_se
