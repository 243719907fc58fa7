"""Bad input to att_gt: one-line DiDInputError naming the problem (issue #5 list)."""

from __future__ import annotations

import numpy as np
import pytest
from did_testdata import MPDTA_COLUMNS

import did


def _one_line(exc: pytest.ExceptionInfo) -> str:
    msg = str(exc.value)
    assert "\n" not in msg
    assert isinstance(exc.value, ValueError)
    return msg


def test_no_never_treated_with_never_control(mpdta):
    d = mpdta[mpdta["first.treat"] > 0]
    with pytest.raises(did.DiDInputError, match="no never-treated units") as exc:
        did.att_gt(d, **MPDTA_COLUMNS, control_group="never")
    assert "first.treat" in _one_line(exc)


def test_no_never_treated_with_notyet_control_follows_r(mpdta):
    d = mpdta[mpdta["first.treat"] > 0]
    with pytest.warns(UserWarning, match="no never-treated units"):
        res = did.att_gt(d, **MPDTA_COLUMNS, control_group="notyet")
    assert set(res.att_gt["group"]) == {2004, 2006}
    assert res.att_gt["time"].max() == 2006


def test_group_changes_over_time(mpdta):
    d = mpdta.copy()
    d.loc[(d["countyreal"] == 8001) & (d["year"] == 2005), "first.treat"] = 2006
    with pytest.raises(did.DiDInputError, match="changes over time") as exc:
        did.att_gt(d, **MPDTA_COLUMNS)
    assert "8001" in _one_line(exc)


def test_missing_outcome(mpdta):
    d = mpdta.copy()
    d.loc[5, "lemp"] = np.nan
    with pytest.raises(did.DiDInputError, match="outcome column 'lemp' has 1 missing") as exc:
        did.att_gt(d, **MPDTA_COLUMNS)
    _one_line(exc)


def test_group_earlier_than_panel(mpdta):
    d = mpdta.copy()
    d.loc[d["countyreal"] == 8001, "first.treat"] = 2001
    with pytest.raises(did.DiDInputError, match="before the panel starts") as exc:
        did.att_gt(d, **MPDTA_COLUMNS)
    assert "8001" in _one_line(exc)


def test_unbalanced_panel_is_not_balanced_silently(mpdta):
    res = did.att_gt(mpdta.iloc[1:], **MPDTA_COLUMNS)
    assert res.n_units == 500 and res.n_obs == 2499 and not res.balanced
    assert "unbalanced" in res.summary()


def test_duplicate_rows_and_missing_columns(mpdta):
    import pandas as pd

    with pytest.raises(did.DiDInputError, match="duplicate"):
        did.att_gt(pd.concat([mpdta, mpdta.iloc[:1]]), **MPDTA_COLUMNS)
    with pytest.raises(did.DiDInputError, match="column 'nope' not found"):
        did.att_gt(mpdta, **{**MPDTA_COLUMNS, "y": "nope"})
    with pytest.raises(did.DiDInputError, match="covariate"):
        did.att_gt(mpdta.assign(c="a"), **MPDTA_COLUMNS, covariates=["c"])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"control_group": "sometimes"}, "control_group"),
        ({"method": "ols"}, "method"),
        ({"base_period": "fixed"}, "base_period"),
        ({"anticipation": -1}, "anticipation"),
        ({"bootstrap": -5}, "bootstrap"),
    ],
)
def test_bad_options(mpdta, kwargs, match):
    with pytest.raises(did.DiDInputError, match=match):
        did.att_gt(mpdta, **MPDTA_COLUMNS, **kwargs)


def test_string_ids_and_late_groups_as_never(mpdta):
    base = did.att_gt(mpdta, **MPDTA_COLUMNS)
    d = mpdta.assign(countyreal="c" + mpdta["countyreal"].astype(str))
    res = did.att_gt(d, **MPDTA_COLUMNS)
    np.testing.assert_allclose(res.att_gt["att"], base.att_gt["att"], atol=1e-14)
    # a first-treatment year after the panel counts as never treated (R did)
    late = mpdta.assign(**{"first.treat": mpdta["first.treat"].replace(0, 2099)})
    np.testing.assert_allclose(did.att_gt(late, **MPDTA_COLUMNS).att_gt["att"], base.att_gt["att"], atol=1e-14)


def test_na_cells_need_na_rm(mpdta):
    """A covariate that separates cohort 2004 violates overlap: R did sets those cells
    to NA and aggte stops unless na.rm = TRUE; we do the same."""
    rng = np.random.default_rng(0)
    d = mpdta.assign(sep=(mpdta["first.treat"] == 2004) * 10.0 + rng.normal(scale=0.01, size=len(mpdta)))
    with pytest.warns(UserWarning, match="overlap condition violated for group 2004"):
        res = did.att_gt(d, **MPDTA_COLUMNS, covariates=["sep"])
    nan_cells = res.att_gt[res.att_gt["att"].isna()]
    assert set(nan_cells["group"]) == {2004} and len(nan_cells) == 4
    with pytest.raises(did.DiDEstimationError, match="4 ATT\\(g,t\\) cells are NaN"):
        res.aggregate("simple")
    agg = res.aggregate("group", na_rm=True)
    assert list(agg.elements["group"]) == [2006, 2007]
    assert np.isfinite(agg.overall_att)
