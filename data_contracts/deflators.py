"""Reader for industry x year price indices (national accounts deflators).

One row per industry (NACE division ``"62"`` or A64 range ``"10-12"``) and year with
the value-added, output, intermediate-consumption and investment price indices, their
common base year and their source. The report notes industries whose value-added
index is not 100 in the base year (the panel rescales each series to its base year,
so this is a warning, not a rejection).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from data_contracts import layouts
from data_contracts.contracts import DEFLATOR_COLUMNS, DEFLATOR_KEY, deflators_schema
from data_contracts.parsing import (
    RULE_NOT_A_NUMBER, RULE_NOT_AN_INTEGER, clean_text, parse_integers, parse_numbers, text_array,
)
from data_contracts.reading import detect_decimal, extra_columns, finish, start_quarantine
from data_contracts.results import IngestResult
from data_contracts.tabular import read_raw_table
from data_contracts.validation import finalise_accepted, quarantine_violations

RULE_DUPLICATE_SERIES = "duplicate_industry_year"
_INDEX_COLUMNS = ("va", "output", "intermediate", "investment")
_ORDER = tuple(c.name for c in DEFLATOR_COLUMNS)


def read_deflators(path: str | Path, *, sheet: str | int | None = None) -> IngestResult:
    """Read and validate a deflator file.

    Parameters
    ----------
    path : str or Path
        CSV, Parquet or Excel file with ``nace2, year, va, output, intermediate,
        investment, base_year, source`` (study design, section 2). ``nace2`` may be
        written ``C10``, ``10`` or ``10-12``; the section letter is dropped.

    Returns
    -------
    IngestResult
        ``accepted`` satisfies :data:`data_contracts.DEFLATORS_SCHEMA`.
    """
    required = ("nace2", "year", "va", "base_year", "source")
    raw = read_raw_table(path, required, sheet=sheet)
    t = raw.table
    decimal = detect_decimal(raw, _INDEX_COLUMNS)
    q = start_quarantine(raw)
    frame = pd.DataFrame(index=pd.RangeIndex(t.num_rows))
    code = clean_text(t.column("nace2"))
    code = pc.replace_substring_regex(pc.utf8_upper(code), r"[A-U]", "")
    code = pc.replace_substring_regex(code, r"^(\d)$", "0\\1")
    code = pc.replace_substring_regex(code, r"[_/ ]+", "-")
    frame["nace2"] = text_array(code)
    for column in ("year", "base_year"):
        values, invalid = parse_integers(t.column(column), decimal)
        q.add(invalid, column, RULE_NOT_AN_INTEGER)
        frame[column] = values
    absent = []
    for column in _INDEX_COLUMNS:
        if column in t.column_names:
            values, invalid = parse_numbers(t.column(column), decimal)
            q.add(invalid, column, RULE_NOT_A_NUMBER)
        else:
            values = np.full(t.num_rows, np.nan)
            absent.append(column)
        frame[column] = values
    frame["source"] = text_array(clean_text(t.column("source")))
    frame = frame[list(_ORDER)]
    quarantine_violations(frame, deflators_schema(unique=False, for_rows=True), q)

    ok = frame[~q.rejected]
    dup = ok.duplicated(["nace2", "year"], keep="last")
    q.add(dup.index.to_numpy()[dup.to_numpy()], "year", RULE_DUPLICATE_SERIES)
    accepted = frame[~q.rejected].copy()
    accepted.index = pd.Index(raw.rows[accepted.index.to_numpy()], name="row")
    accepted["year"] = accepted["year"].astype(np.int64)
    accepted["base_year"] = accepted["base_year"].astype(np.int64)
    accepted = finalise_accepted(accepted, deflators_schema(unique=False), DEFLATOR_KEY)

    extra_names, extra = extra_columns(raw, layouts.DEFLATOR_COLUMNS)
    return finish(raw, "deflators", q, accepted, extra, extra_names, decimal=decimal,
                  absent=absent, notes=_base_year_notes(accepted), records_accepted=len(accepted))


def _base_year_notes(accepted: pd.DataFrame) -> list[str]:
    at_base = accepted[accepted["year"] == accepted["base_year"]]
    off = at_base[(at_base["va"] - 100).abs() > 1e-6]
    missing = sorted(set(accepted["nace2"]) - set(at_base["nace2"]))
    notes = []
    if len(off):
        notes.append(f"{len(off)} industr(ies) with a value-added index != 100 in the base year "
                     f"(e.g. {off['nace2'].iloc[0]}); the panel rescales to the base year")
    if missing:
        notes.append(f"{len(missing)} industr(ies) without a base-year row (e.g. {missing[0]}); "
                     "the panel takes their indices as base 100")
    return notes
