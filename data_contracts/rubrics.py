"""The one table mapping Central Balance Sheet Office rubric codes to their meaning.

Each rubric of the canonical layouts (study design, section 2) appears exactly once,
with its unit, whether it is a flow over the accounting period (scaled when a period
that is not 12 months is annualised) or a stock/average (never scaled), the smallest
admissible value, and the firm-year panel column(s) it feeds. Wide files carry one
column per code; long files one row per (filing, code); both end up as the same
float columns named by the code.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


#: Largest plausible absolute amount in one filing, EUR. 1e12 is above Belgium's GDP
#: (about 0.6e12 EUR in 2023) and orders of magnitude above any company's
#: unconsolidated accounts; a larger cell (1e15, 1e308, inf) is a unit or export error.
MAX_ABS_AMOUNT_EUR: float = 1e12
#: Largest plausible employment of one firm, FTE (all of Belgium employs about 5e6).
MAX_FTE: float = 1e6


@dataclass(frozen=True)
class Rubric:
    """One rubric code of the annual accounts."""

    code: str
    label: str
    unit: str
    flow: bool
    minimum: float | None
    feeds: str

    @property
    def lower(self) -> float:
        """Smallest admissible value: ``minimum``, else minus the magnitude ceiling."""
        return self.minimum if self.minimum is not None else -self.upper

    @property
    def upper(self) -> float:
        """Largest admissible value: :data:`MAX_FTE` or :data:`MAX_ABS_AMOUNT_EUR`."""
        return MAX_FTE if self.unit == "FTE" else MAX_ABS_AMOUNT_EUR


#: Rubrics in canonical column order. ``minimum`` None: the amount may be negative
#: (changes in stocks, margins, profits, depreciation write-backs), down to
#: ``-MAX_ABS_AMOUNT_EUR``.
RUBRICS: tuple[Rubric, ...] = (
    Rubric("70", "Turnover", "EUR", True, 0.0, "va_nominal (full route)"),
    Rubric("71", "Change in stocks of finished goods and work in progress", "EUR", True, None, "va_nominal (full route)"),
    Rubric("72", "Own work capitalised", "EUR", True, 0.0, "va_nominal (full route)"),
    Rubric("74", "Other operating income", "EUR", True, 0.0, "va_nominal (full route)"),
    Rubric("740", "Operating subsidies and compensatory amounts (part of 74)", "EUR", True, 0.0, "va_nominal (subtracted in both routes)"),
    Rubric("76A", "Non-recurring operating income", "EUR", True, 0.0, "va_nominal (subtracted, gross-margin route)"),
    Rubric("60", "Goods for resale, raw and auxiliary materials", "EUR", True, None, "va_nominal (full route); materials"),
    Rubric("61", "Services and other goods", "EUR", True, 0.0, "va_nominal (full route); materials"),
    Rubric("9900", "Gross margin (abbreviated and micro models)", "EUR", True, None, "va_nominal (gross-margin route)"),
    Rubric("62", "Remuneration, social security costs and pensions", "EUR", True, 0.0, "wage_bill"),
    Rubric("630", "Depreciation and amounts written off fixed assets", "EUR", True, None, "investment"),
    Rubric("9901", "Operating profit (loss)", "EUR", True, None, "(kept, not used by the panel)"),
    Rubric("20/58", "Total assets", "EUR", False, 0.0, "(kept, not used by the panel)"),
    Rubric("22/27", "Tangible fixed assets", "EUR", False, 0.0, "capital; investment"),
    Rubric("9087", "Average number of employees in FTE (notes)", "FTE", False, 0.0, "fte (fallback)"),
    Rubric("1003", "Average number of employees in FTE (social balance sheet)", "FTE", False, 0.0, "fte (preferred)"),
)

RUBRIC_BY_CODE: dict[str, Rubric] = {r.code: r for r in RUBRICS}

#: Rubric codes whose amounts are flows over the period (annualised when months != 12).
FLOW_CODES: tuple[str, ...] = tuple(r.code for r in RUBRICS if r.flow)


def rubric_table() -> pd.DataFrame:
    """The mapping table as a DataFrame (for documentation and the run report)."""
    return pd.DataFrame([r.__dict__ | {"lower": r.lower, "upper": r.upper} for r in RUBRICS])
