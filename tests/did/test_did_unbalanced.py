"""Unbalanced panels: R did's allow_unbalanced_panel = TRUE route (pooled 2x2 estimators).

R's own numbers for this route (and for panel="balance"/"pairwise") are checked in
test_did_panel_modes.py (fixtures in tests/fixtures/did/r/). Here the ATTs are checked
against diff-diff 3.13.0 (a development-only oracle whose unbalanced route reproduces
R did; fixture written by tests/fixtures/did/make_unbalanced_fixture.py), and every
influence function is checked against the numerical derivative of its estimator.
diff-diff scales SEs by sqrt(G/(G-1)) and, in its covariate outcome-regression path,
omits the OLS estimation effect that DRDID's reg_did_rc/drdid_rc include; SEs are
compared where neither applies.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from did_testdata import FIXTURES, MPDTA_COLUMNS, simulate_staggered

import did
from did.two_by_two import PANEL_ESTIMATORS
from did.two_by_two_rc import RC_ESTIMATORS

ORACLE = json.loads((FIXTURES / "unbalanced_mpdta_diffdiff.json").read_text())


@pytest.fixture(scope="module")
def unbalanced(mpdta):
    return mpdta.drop(index=ORACLE["dropped_rows"])


@pytest.mark.parametrize(
    "case", ORACLE["cases"], ids=lambda c: f"{c['method']}-{'+'.join(c['covariates']) or 'nocov'}-{c['control_group']}"
)
def test_unbalanced_matches_oracle(unbalanced, case):
    res = did.att_gt(
        unbalanced, **MPDTA_COLUMNS, method=case["method"], covariates=case["covariates"] or None,
        control_group=case["control_group"],
    )
    assert not res.balanced and res.n_units == ORACLE["n_units"] == 500
    ours = res.att_gt.set_index(["group", "time"])
    assert len(ours) == len(case["cells"])
    g_factor = np.sqrt(ORACLE["n_units"] / (ORACLE["n_units"] - 1))
    compare_se = not (case["covariates"] and case["method"] in ("reg", "dr"))
    for cell in case["cells"]:
        row = ours.loc[(cell["group"], cell["time"])]
        assert row["att"] == pytest.approx(cell["att"], abs=1e-10)
        if compare_se:
            assert row["se"] * g_factor == pytest.approx(cell["se"], rel=1e-8)


def _weights_derivative_check(estimator, args, w, rows=(0, 5, 17, 101, 250, 333)):
    """IF_i equals n * d ATT / d w_i (Gateaux derivative towards unit i)."""
    base = estimator(*args, w)
    n, eps = len(w), 1e-7
    for i in rows:
        bumped = w.copy()
        bumped[i] *= 1 + eps
        numeric = (estimator(*args, bumped).att[0] - base.att[0]) / eps * n
        assert numeric == pytest.approx(base.influence[i, 0], abs=1e-4)


@pytest.mark.parametrize("method", ["dr", "ipw", "reg"])
def test_influence_functions_are_derivatives(method):
    rng = np.random.default_rng(0)
    n = 400
    x = np.column_stack([np.ones(n), rng.normal(size=n), rng.normal(size=n)])
    d = (rng.uniform(size=n) < 1 / (1 + np.exp(0.5 - 0.5 * x[:, 1]))).astype(float)
    post = (rng.uniform(size=n) < 0.5).astype(float)
    y = x @ [1, 0.5, -0.3] + post * (0.2 + 0.3 * x[:, 2]) + 0.4 * d + 0.7 * d * post + rng.normal(size=n)
    w = rng.uniform(0.5, 2, size=n)
    _weights_derivative_check(RC_ESTIMATORS[method], (y, post, d, x), w)
    dy = rng.normal(size=n) + 0.5 * d + 0.3 * x[:, 1]
    _weights_derivative_check(PANEL_ESTIMATORS[method], (dy, d, x), w)


def test_unbalanced_simulated_recovery():
    df, truth = simulate_staggered(n_units=3000, share_never=0.3, seed=4)
    rng = np.random.default_rng(4)
    # firms enter late or exit early at random
    df = df[rng.uniform(size=len(df)) > 0.1]
    res = did.att_gt(df, y="y", id="unit", time="t", group="g", covariates=["x"])
    assert not res.balanced
    dyn = res.aggregate("dynamic").elements.set_index("event_time")
    for e, true_effect in truth.items():
        assert abs(dyn.loc[e, "att"] - true_effect) < 2.5 * dyn.loc[e, "se"], e


def test_balanced_panel_keeps_panel_estimators(mpdta):
    """A balanced panel never takes the pooled route (R: allow_unbalanced_panel is
    switched off for balanced data)."""
    res = did.att_gt(mpdta, **MPDTA_COLUMNS)
    assert res.balanced
    unb = did.att_gt(pd.concat([mpdta.iloc[1:]]), **MPDTA_COLUMNS)
    assert not unb.balanced
    assert not np.allclose(res.att_gt["se"], unb.att_gt["se"])
