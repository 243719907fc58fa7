"""Number formatting shared by every table, so a figure reads the same everywhere.

All output is plain ASCII apart from the minus sign, which stays an ASCII hyphen so
that CSV consumers can parse it back. Thousands are separated by commas; decimals come
from one ``decimals`` setting (the study spec's ``report.decimals``).
"""

from __future__ import annotations

import math

import numpy as np

#: Significance levels and their stars, most significant first (the convention of
#: applied-econometrics journals: * p<0.10, ** p<0.05, *** p<0.01).
STAR_LEVELS: tuple[tuple[float, str], ...] = ((0.01, "***"), (0.05, "**"), (0.10, "*"))


def is_missing(value: object) -> bool:
    """True for ``None`` and floating NaN (pandas ``NA`` included)."""
    if value is None:
        return True
    try:
        return bool(np.isnan(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def format_number(value: float | None, decimals: int) -> str:
    """Fixed-point with thousands separators; empty string for a missing value.

    ``-0.000`` is written ``0.000`` so that rounding never produces a signed zero.
    """
    if is_missing(value):
        return ""
    text = f"{float(value):,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0.0:
        text = text[1:]
    return text


def format_count(value: float | None) -> str:
    """An integer count with thousands separators; empty for missing."""
    if is_missing(value):
        return ""
    return f"{int(round(float(value))):,d}"


def format_percent(value: float | None, decimals: int) -> str:
    """A number that already is in percent, with fixed decimals (no % sign)."""
    return format_number(value, decimals)


def stars(pvalue: float | None) -> str:
    """Significance stars at 10/5/1%; empty when the p-value is missing."""
    if is_missing(pvalue):
        return ""
    for level, mark in STAR_LEVELS:
        if float(pvalue) < level:
            return mark
    return ""


def two_sided_pvalue(estimate: float, se: float, df: float | None = None) -> float:
    """Two-sided p-value of ``estimate / se`` against Student's t(df), or N(0,1) when df is None.

    Used when an estimator reports no p-value: with firm-clustered errors the
    conventional reference distribution is t with G - 1 degrees of freedom
    (Cameron and Miller, 2015, section VI), which the caller passes as ``df``.
    """
    if is_missing(estimate) or is_missing(se) or float(se) <= 0:
        return math.nan
    from scipy import stats  # imported here: scipy.stats costs seconds at import time

    t = abs(float(estimate) / float(se))
    if df is None or is_missing(df):
        return float(2.0 * stats.norm.sf(t))
    return float(2.0 * stats.t.sf(t, float(df)))


def percent_effect(log_effect: float | None) -> float:
    """Effect of a log-point coefficient in percent: ``100 * (exp(b) - 1)``.

    Halvorsen and Palmquist (1980): a dummy coefficient ``b`` in a log equation
    shifts the level by ``exp(b) - 1``.
    """
    if is_missing(log_effect):
        return math.nan
    return 100.0 * math.expm1(float(log_effect))
