"""Annual accounts: turning simulated firm-years into Central Balance Sheet Office rubrics.

Amounts are nominal euro (integers). They are built so that the study's derived
value added, ``70 + 71 + 72 + 74 - 740 - 60 - 61`` for full filers and
``9900 - 76A - 740`` otherwise, equals simulated real value added times the
value-added deflator (and the period length in years), exactly up to the rounding
to whole euro; capital (22/27) is real capital times the investment deflator, and
materials (60 + 61) real materials times the intermediate-input deflator. Flows of
an accounting period that is not 12 months long are scaled by ``months / 12``;
stocks and average FTE are not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_contracts.layouts import ACCOUNTS_WIDE_COLUMNS, FILING_MODELS
from data_contracts.synthetic.config import SimulationConfig
from data_contracts.synthetic.firms import FirmDraws
from data_contracts.synthetic.production import ProductionDraws

#: Rubrics that are flows over the accounting period (scaled by months / 12).
FLOW_RUBRICS: tuple[str, ...] = ("70", "71", "72", "74", "740", "76A", "60", "61", "9900",
                                 "62", "630", "9901")
#: Rubrics holding average FTE (floats with one decimal); all others are whole euro.
FTE_RUBRICS: tuple[str, ...] = ("9087", "1003")
#: Full-model thresholds: average FTE, or both turnover and total assets (euro).
FULL_MODEL_FTE, FULL_MODEL_TURNOVER, FULL_MODEL_ASSETS = 50.0, 9_000_000, 4_500_000
#: Micro-model ceiling on average FTE.
MICRO_MODEL_FTE = 5.0


@dataclass(frozen=True)
class FirmYearIndex:
    """Positions of the filings in the (n_firms, n_years) arrays."""

    firm: np.ndarray
    year: np.ndarray  # index into config.years
    derived: dict[str, np.ndarray] | None = None  # real values as the study derives them


def _int_column(values: np.ndarray, reported: np.ndarray) -> pd.arrays.IntegerArray:
    return pd.arrays.IntegerArray(np.where(reported, values, 0).astype(np.int64), ~reported)


def build_accounts(config: SimulationConfig, industries: pd.DataFrame, firms: FirmDraws,
                   production: ProductionDraws, deflators: dict[str, np.ndarray],
                   numbers: np.ndarray, rng: np.random.Generator) -> tuple[pd.DataFrame, FirmYearIndex]:
    """The canonical wide accounts frame (one row per filing) and its firm-year index.

    The index also carries real value added, capital and materials recomputed from
    the rounded euro amounts, i.e. what the study's derivation reproduces.
    """
    firm, year = np.nonzero(firms.alive)
    n_rows = len(firm)
    years = np.asarray(config.years)
    j = firms.industry[firm]

    months = np.where(firms.entry[firm] == year, firms.first_months[firm], 12).astype(np.int64)
    period = months / 12.0
    p_va = deflators["va"][j, year] / 100.0
    p_int = deflators["intermediate"][j, year] / 100.0
    p_inv = deflators["investment"][j, year] / 100.0

    va = np.round(production.va[firm, year] * p_va * period)
    materials = np.round(production.materials[firm, year] * p_int * period)
    goods_share = np.clip(industries["goods_share"].to_numpy()[j] + 0.1 * rng.standard_normal(n_rows), 0.02, 0.98)
    r60 = np.round(materials * goods_share)
    r61 = materials - r60

    u = rng.random((8, n_rows))
    r74 = np.where(u[0] < 0.6, np.round(va * 0.03 * u[1]), 0.0)
    r740 = np.where(u[2] < 0.3, np.round(r74 * (0.2 + 0.8 * u[3])), 0.0)
    manufacturing = industries["nace2"].astype(int).to_numpy()[j] < 40
    r71 = np.where(manufacturing & (u[4] < 0.5), np.round(va * 0.015 * rng.standard_normal(n_rows)), 0.0)
    r72 = np.where(u[5] < 0.1, np.round(va * 0.02 * u[6]), 0.0)
    r76a = np.where(u[7] < 0.08, np.round(va * 0.03 * rng.random(n_rows)), 0.0)
    r70 = va + r60 + r61 - r71 - r72 - r74 + r740
    r9900 = va + r740 + r76a

    fte = production.fte[firm, year]
    r62 = np.round(production.wage[firm, year] * p_va * fte * period)
    capital = np.round(production.capital[firm, year] * p_inv)
    r630 = np.round(0.1 * capital * period)
    other_charges = np.round(va * (0.01 + 0.03 * rng.random(n_rows)))
    r9901 = va + r76a - r62 - r630 - other_charges
    r2058 = capital + np.round(np.abs(va) / period * (0.3 + 0.9 * rng.random(n_rows)))

    full = (firms.voluntary_full[firm] | (fte >= FULL_MODEL_FTE)
            | ((r70 / period >= FULL_MODEL_TURNOVER) & (r2058 >= FULL_MODEL_ASSETS)))
    micro = ~full & (fte <= MICRO_MODEL_FTE)
    model_code = np.where(full, 0, np.where(micro, 2, 1))
    models = np.asarray(FILING_MODELS, dtype=object)[model_code]

    discloses = full | firms.discloses_turnover[firm]
    nonzero = {"71": r71 != 0, "72": r72 != 0, "74": r74 != 0, "740": r740 != 0, "76A": r76a != 0}
    always = np.ones(n_rows, dtype=bool)
    reported_1003 = full | (rng.random(n_rows) < 0.9)

    # Closing dates from a small lookup of (year, fiscal-year end) combinations:
    # one Python string per combination, shared by all filings that use it.
    ends, fye_code = np.unique(firms.fye_month * 32 + firms.fye_day, return_inverse=True)
    combo_text = np.array([f"{y:04d}-{e // 32:02d}-{e % 32:02d}" for y in years for e in ends],
                          dtype=object)
    closing_date = combo_text[year * len(ends) + fye_code.ravel()[firm]]

    columns = {
        "enterprise_number": numbers[firm],
        "closing_date": closing_date,
        "months": months,
        "model": models,
        "nace": firms.nace[firm],
        "region": firms.region[firm],
        "foreign_owned": firms.foreign_owned[firm],
        "70": _int_column(r70, discloses),
        "71": _int_column(r71, discloses & nonzero["71"]),
        "72": _int_column(r72, discloses & nonzero["72"]),
        "74": _int_column(r74, discloses & nonzero["74"]),
        "740": _int_column(r740, nonzero["740"]),
        "76A": _int_column(r76a, nonzero["76A"]),
        "60": _int_column(r60, discloses),
        "61": _int_column(r61, discloses),
        "9900": _int_column(r9900, ~full),
        "62": _int_column(r62, always),
        "630": _int_column(r630, always),
        "9901": _int_column(r9901, always),
        "20/58": _int_column(r2058, always),
        "22/27": _int_column(capital, always),
        "9087": fte,
        "1003": np.where(reported_1003, fte, np.nan),
    }
    assert tuple(columns) == ACCOUNTS_WIDE_COLUMNS
    frame = pd.DataFrame(columns, copy=False)
    # Real annual quantities exactly as the study derives them from the rounded
    # euro amounts (the ground truth the pipeline must reproduce).
    derived = {
        "va_real": va / p_va / period,
        "capital_real": capital / p_inv,
        "materials_real": materials / p_int / period,
    }
    return frame, FirmYearIndex(firm=firm, year=year, derived=derived)
