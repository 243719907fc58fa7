"""Bad input gets a one-line error naming the group (industry) and the cause."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import tfp

KW = dict(id="firm", time="year", output="log_va", free="log_fte", state="log_capital", proxy="log_materials")


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return tfp.simulate_panel(200, 6, seed=8)


def _raises(exc, match, data, **kw):
    with pytest.raises(exc, match=match) as info:
        tfp.estimate(data, **{**KW, **kw})
    assert isinstance(info.value, ValueError)
    assert "\n" not in str(info.value)
    return str(info.value)


def test_missing_column(panel):
    _raises(tfp.TFPInputError, r"\[C10\] column\(s\) not found in the data: nope", panel, output="nope", label="C10")


def test_non_positive_levels_before_logs(panel):
    d = panel.assign(va=np.exp(panel["log_va"]), fte=np.exp(panel["log_fte"]), k=np.exp(panel["log_capital"]),
                     m=np.exp(panel["log_materials"]))
    d.loc[d.index[:3], "fte"] = 0.0
    _raises(tfp.TFPInputError, r"\[C25\] column 'fte' has 3 non-positive value\(s\); cannot take logs", d,
            output="va", free="fte", state="k", proxy="m", take_logs=True, label="C25")


def test_infinite_values(panel):
    d = panel.copy()
    d.loc[d.index[0], "log_capital"] = -np.inf
    _raises(tfp.TFPInputError, r"column 'log_capital' has 1 infinite value", d)


def test_duplicate_firm_years(panel):
    d = pd.concat([panel, panel.iloc[:2]])
    _raises(tfp.TFPInputError, r"2 duplicated \(firm, year\) pair", d)


def test_too_small_industry(panel):
    d = panel[panel["firm"].isin(panel["firm"].unique()[:10])]
    _raises(tfp.InsufficientDataError, r"\[C31\] 60 complete observation\(s\) \(10 firms\), fewer than the minimum 300",
            d, min_obs=300, label="C31")


def test_too_few_lagged_observations(panel):
    d = panel[panel["year"].isin([2010, 2012, 2014])]  # no consecutive years
    _raises(tfp.InsufficientDataError, r"only 0 observations have the previous year", d, label="C20")


def test_proxy_not_monotone(panel):
    d = panel.copy()
    d.loc[d.index[: int(0.6 * len(d))], "log_materials"] = 0.0
    msg = _raises(tfp.ProxyInversionError, r"\[C16\] proxy 'log_materials' is not monotone enough to invert", d,
                  label="C16", method="lp")
    assert "60% of observations at 0" in msg


def test_optimiser_not_converging(panel):
    _raises(tfp.ConvergenceError, r"\[C22\] acf: optimiser did not converge", panel, label="C22", max_nfev=1)
    r = tfp.estimate(panel, max_nfev=1, raise_on_failure=False, **KW)
    assert not r.converged and "did not converge" in r.message


@pytest.mark.parametrize("kw,match", [
    (dict(method="gmm"), "unknown method 'gmm'"),
    (dict(proxy=None), "method 'acf' needs a proxy column"),
    (dict(method="acf", exit=True), "exit correction exists for OP and LP only"),
    (dict(method="op", translog=True), "OP supports only a Cobb-Douglas value-added"),
    (dict(method="wrdg", value_added=False), "cannot also be an input"),
    (dict(theta0=(0.5,)), "theta0 has 1 values; acf needs 2"),
    (dict(poly_degree=0), "poly_degree must be a positive integer"),
])
def test_specification_errors(panel, kw, match):
    _raises(tfp.TFPSpecificationError, match, panel, **kw)


def test_exit_needs_exits(panel):
    _raises(tfp.TFPSpecificationError, "no firm exits the sample", panel, method="op", exit=True)


def test_non_numeric_values(panel):
    d = panel.astype({"log_fte": object})
    d.loc[d.index[1], "log_fte"] = "n/a"
    _raises(tfp.TFPInputError, r"column 'log_fte' has 1 non-numeric value", d)
