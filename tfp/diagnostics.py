"""Checks that the data can support a control-function estimator, and the OP exit model."""

from __future__ import annotations

import numpy as np

from .exceptions import ProxyInversionError, TFPSpecificationError, where
from .panel import PanelArrays, exit_indicator
from .terms import evaluate, monomials

MIN_DISTINCT_PROXY = 10
MAX_TIED_PROXY_SHARE = 0.5


def check_proxy(proxy: np.ndarray, name: str, label: str | None) -> None:
    """Refuse a proxy that cannot be inverted for productivity.

    The control function needs the proxy to be strictly increasing in productivity (Olley and
    Pakes 1996, Levinsohn and Petrin 2003, assumption 3).  A proxy stuck at one value for most
    observations (zero investment, a censored or imputed input) or with only a handful of
    distinct values carries no information on productivity there.
    """
    values, counts = np.unique(proxy, return_counts=True)
    top = counts.max() / len(proxy)
    if len(values) < MIN_DISTINCT_PROXY or top > MAX_TIED_PROXY_SHARE:
        raise ProxyInversionError(
            f"{where(label)}proxy '{name}' is not monotone enough to invert: {len(values)} distinct "
            f"value(s), {top:.0%} of observations at {values[counts.argmax()]:.6g}"
        )


def exit_probability(panel: PanelArrays, degree: int, label: str | None) -> np.ndarray:
    """Fitted survival-model probability of exit (Olley and Pakes 1996, eq. 12).

    Probit of the exit dummy on a polynomial in last year's state and proxy, as prodest's
    ``exit = TRUE``; NaN where last year is not observed.
    """
    exits = exit_indicator(panel)
    if exits.min() == exits.max():
        raise TFPSpecificationError(f"{where(label)}no firm exits the sample: run without exit")
    sp = np.hstack([panel.state, panel.proxy[:, None]])
    lagged = panel.lag(evaluate(sp, monomials(sp.shape[1], degree)))
    # statsmodels is imported here for start-up time: importing it costs seconds (half of
    # ``import tfp``) and only the exit correction uses it.
    import statsmodels.api as sm

    rows = panel.has_lag
    x = sm.add_constant(lagged[rows], has_constant="add")
    fit = sm.Probit(exits[rows], x).fit(disp=False)
    out = np.full(panel.n, np.nan)
    out[rows] = fit.predict(x)
    return out
