"""Callaway-Sant'Anna against R did 2.3.0 / DRDID 1.2.3 on mpdta (all six cases).

Tolerances from issue #5: ATT(g,t) and every aggregate within 1e-6 absolute, analytic
standard errors within 1e-4 relative; the Wald pre-test statistic at 1e-6 relative.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from did_testdata import MPDTA_COLUMNS, REFERENCE_CASES, load_reference

import did

ATT_TOL = 1e-6
SE_RTOL = 1e-4


def _assert_se(ours: float, ref: float | None) -> None:
    if ref is None:
        assert math.isnan(ours)
    else:
        assert ours == pytest.approx(ref, rel=SE_RTOL, abs=0)


@pytest.fixture(scope="module", params=sorted(REFERENCE_CASES))
def case(request, mpdta):
    name = request.param
    res = did.att_gt(mpdta, **MPDTA_COLUMNS, **REFERENCE_CASES[name])
    return name, res, load_reference(name)


def test_every_att_gt_cell(case):
    _, res, ref = case
    cells = ref["att_gt"]["cells"]
    ours = res.att_gt.set_index(["group", "time"])
    assert len(ours) == len(cells)
    assert res.n_units == ref["att_gt"]["n_units"]
    for cell in cells:
        row = ours.loc[(cell["group"], cell["time"])]
        assert row["att"] == pytest.approx(cell["att"], abs=ATT_TOL)
        _assert_se(row["se"], cell["se"])


def test_pretest_statistic(case):
    _, res, ref = case
    assert res.pretest is not None
    assert res.pretest.W == pytest.approx(ref["att_gt"]["pretest_W"], rel=1e-6)
    assert round(res.pretest.pvalue, 5) == pytest.approx(ref["att_gt"]["pretest_pval_rounded5"], abs=1e-5)


def test_critical_value_pointwise(case):
    _, res, ref = case
    assert res.critical_value == pytest.approx(ref["att_gt"]["critical_value"], abs=1e-12)


@pytest.mark.parametrize("kind", ["simple", "dynamic", "group", "calendar"])
def test_every_aggregate(case, kind):
    _, res, ref = case
    agg = res.aggregate(kind)
    expected = ref["aggte"][kind]
    assert agg.overall_att == pytest.approx(expected["overall_att"], abs=ATT_TOL)
    _assert_se(agg.overall_se, expected["overall_se"])
    if kind == "simple":
        assert "elements" not in expected
        return
    elements = expected["elements"]
    ours = agg.elements.set_index(agg.key)
    assert len(ours) == len(elements)
    assert agg.critical_value == pytest.approx(expected["critical_value"], abs=1e-12)
    for el in elements:
        row = ours.loc[el[agg.key]]
        assert row["att"] == pytest.approx(el["att"], abs=ATT_TOL)
        _assert_se(row["se"], el["se"])


def test_methods_coincide_without_covariates(mpdta):
    """Without covariates DR, IPW and OR are the same 2x2 difference of means."""
    fits = [did.att_gt(mpdta, **MPDTA_COLUMNS, method=m) for m in ("dr", "ipw", "reg")]
    for other in fits[1:]:
        np.testing.assert_allclose(other.att_gt["att"], fits[0].att_gt["att"], atol=1e-12)
        np.testing.assert_allclose(other.att_gt["se"], fits[0].att_gt["se"], rtol=1e-10)
