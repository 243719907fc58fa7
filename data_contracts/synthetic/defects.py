"""Known defects of real input files, injected at chosen rates.

Each defect hits a distinct set of rows (no row carries two defects), and every
hit is logged with the 1-based data row (header excluded) of the written file,
the column, the written value and whether a correct reader must reject the row,
so ingestion tests can check exact quarantine counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_contracts.synthetic.enterprise_numbers import (
    check_digits, format_numbers, parse_canonical,
)
from data_contracts.synthetic.errors import SyntheticDataError
from data_contracts.synthetic.industries import UNKNOWN_NACE_CODE

#: Defects of the accounts file.
ACCOUNT_DEFECTS: tuple[str, ...] = (
    "bad_check_digit", "other_spelling", "duplicate_filing", "negative_employment",
    "unknown_nace", "missing_required", "wrong_type",
)
#: Defects of the membership file.
MEMBERSHIP_DEFECTS: tuple[str, ...] = (
    "bad_check_digit", "other_spelling", "missing_required", "leave_before_join",
    "extra_header_row",
)
DEFECTS: tuple[str, ...] = tuple(dict.fromkeys(ACCOUNT_DEFECTS + MEMBERSHIP_DEFECTS))
#: Defects after which the row is still valid (a reader must normalise, not reject).
NON_REJECTING: frozenset[str] = frozenset({"other_spelling", "extra_header_row"})

DEFECT_LOG_COLUMNS: tuple[str, ...] = (
    "file", "kind", "row", "filing", "column", "defect", "value", "rejected", "related_row",
)
_SPELLINGS = ("be", "be_space", "digits", "nine_digits")
_ACCOUNT_REQUIRED = ("closing_date", "nace", "model")
_MEMBERSHIP_REQUIRED = ("join_date", "cluster")
_WRONG_TYPE_COLUMNS = ("62", "630", "22/27")
_WRONG_TYPE_VALUES = ("#VALUE!", "n.b.", "12O45")


@dataclass(frozen=True)
class DefectPlan:
    """The rows (positions in the clean frame) chosen for each defect."""

    rows: dict[str, np.ndarray]


def validate_rates(defects: Mapping[str, float] | None) -> dict[str, float]:
    """Check defect names and rates; return a plain dict."""
    rates = dict(defects or {})
    for name, rate in rates.items():
        if name not in DEFECTS:
            raise SyntheticDataError(f"unknown defect {name!r}; known: {', '.join(DEFECTS)}")
        if not 0.0 <= float(rate) <= 1.0:
            raise SyntheticDataError(f"defect rate for {name!r} must lie in [0, 1], got {rate}")
    return rates


def plan_defects(rates: Mapping[str, float], names: tuple[str, ...], n_rows: int,
                 rng: np.random.Generator) -> DefectPlan:
    """Pick disjoint rows for each defect: ``round(rate * n_rows)``, at least one if rate > 0."""
    wanted = [(name, float(rates[name])) for name in names
              if name in rates and name != "extra_header_row" and float(rates[name]) > 0]
    counts = [max(1, int(round(rate * n_rows))) for _, rate in wanted]
    if sum(counts) > n_rows:
        raise SyntheticDataError(
            f"defect rates ask for {sum(counts)} rows but the file has only {n_rows}")
    chosen = rng.choice(n_rows, size=sum(counts), replace=False)
    bounds = np.cumsum([0] + counts)
    return DefectPlan(rows={name: np.sort(chosen[bounds[i]:bounds[i + 1]])
                            for i, (name, _) in enumerate(wanted)})


def _respell(numbers: pd.Series, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    body = parse_canonical(numbers.iloc[rows].to_numpy())
    spelling = rng.integers(0, len(_SPELLINGS), size=len(rows))
    # The nine-digit form only exists for numbers starting with 0.
    spelling[(spelling == 3) & (body >= 10_000_000)] = 2
    out = np.empty(len(rows), dtype=object)
    for code, name in enumerate(_SPELLINGS):  # four spellings
        hit = spelling == code
        out[hit] = format_numbers(body[hit], spelling=name)
    return out


def _corrupt_check(numbers: pd.Series, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    body = parse_canonical(numbers.iloc[rows].to_numpy())
    good = check_digits(body)
    wrong = (good - 1 + rng.integers(1, 97, size=len(rows))) % 97 + 1
    return format_numbers(body, check=wrong)


def _cell_text(value) -> str:
    """A logged value as a file with a decimal point spells it ("" when empty)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (float, int, np.floating, np.integer)):
        return "%.15g" % value
    return str(value)


def _log(kind: str, rows: np.ndarray, column, defect: str, values, related=None) -> pd.DataFrame:
    n = len(rows)
    return pd.DataFrame({
        "kind": kind,
        "row": np.asarray(rows, dtype=np.int64),
        "column": np.broadcast_to(np.asarray(column, dtype=object), (n,)),
        "defect": defect,
        "value": pd.Series(np.broadcast_to(np.asarray(values, dtype=object), (n,))).map(
            _cell_text).to_numpy(),
        "rejected": defect not in NON_REJECTING,
        "related_row": pd.array(related if related is not None else [pd.NA] * n, dtype="Int64"),
    })


def _enterprise_number_defects(frame: pd.DataFrame, numbers: pd.Series, plan, kind: str,
                               rng: np.random.Generator) -> list[pd.DataFrame]:
    """Bad check digits and other (valid) spellings of the enterprise number, in place."""
    logs = []
    col = frame.columns.get_loc("enterprise_number")
    for defect, make in (("bad_check_digit", _corrupt_check), ("other_spelling", _respell)):
        if defect in plan.rows:
            rows = plan.rows[defect]
            values = make(numbers, rows, rng)
            frame.iloc[rows, col] = values
            logs.append(_log(kind, rows, "enterprise_number", defect, values))
    return logs


def _blank_required(frame: pd.DataFrame, rows: np.ndarray, required: tuple[str, ...], kind: str) -> pd.DataFrame:
    """Empty one required cell per row, cycling through the required columns, in place."""
    which = np.arange(len(rows)) % len(required)
    for k, column in enumerate(required):
        frame.iloc[rows[which == k], frame.columns.get_loc(column)] = None
    return _log(kind, rows, np.asarray(required, object)[which], "missing_required", "")


def inject_account_defects(wide: pd.DataFrame, rates: Mapping[str, float],
                           rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Inject accounts defects into a copy of the wide frame.

    Returns
    -------
    frame : pandas.DataFrame
        The defective wide frame (corrected duplicate filings appended at the end,
        so that a later row is a later deposit).
    log : pandas.DataFrame
        One row per affected cell, ``row`` being the 0-based position in ``frame``.
    """
    plan = plan_defects(rates, ACCOUNT_DEFECTS, len(wide), rng)
    frame = wide.copy()
    logs = []
    numbers = wide["enterprise_number"]
    col = frame.columns.get_loc
    logs.extend(_enterprise_number_defects(frame, numbers, plan, "accounts", rng))
    if "negative_employment" in plan.rows:
        rows = plan.rows["negative_employment"]
        for rubric in ("9087", "1003"):
            frame.iloc[rows, col(rubric)] = -frame.iloc[rows, col(rubric)].to_numpy()
        logs.append(_log("accounts", rows, "9087", "negative_employment",
                         frame.iloc[rows, col("9087")].to_numpy()))
    if "unknown_nace" in plan.rows:
        rows = plan.rows["unknown_nace"]
        frame.iloc[rows, col("nace")] = UNKNOWN_NACE_CODE
        logs.append(_log("accounts", rows, "nace", "unknown_nace", UNKNOWN_NACE_CODE))
    if "missing_required" in plan.rows:
        logs.append(_blank_required(frame, plan.rows["missing_required"], _ACCOUNT_REQUIRED, "accounts"))
    if "wrong_type" in plan.rows:
        rows = plan.rows["wrong_type"]
        which = np.arange(len(rows)) % len(_WRONG_TYPE_COLUMNS)
        values = np.asarray(_WRONG_TYPE_VALUES, dtype=object)[np.arange(len(rows)) % len(_WRONG_TYPE_VALUES)]
        for k, column in enumerate(_WRONG_TYPE_COLUMNS):
            hit = which == k
            if hit.any():
                text = frame[column].astype(object).where(frame[column].notna(), None)
                text = text.map(lambda v: v if v is None else str(v))
                text.iloc[rows[hit]] = values[hit]
                frame[column] = text
        logs.append(_log("accounts", rows, np.asarray(_WRONG_TYPE_COLUMNS, object)[which],
                         "wrong_type", values))
    if "duplicate_filing" in plan.rows:
        rows = plan.rows["duplicate_filing"]
        correction = wide.iloc[rows].copy()
        # The correction revises remuneration and operating profit; value added stands.
        delta = (correction["62"].astype("float64") * 0.01).round().astype("Int64")
        correction["62"] = correction["62"] + delta
        correction["9901"] = correction["9901"] - delta
        order = rng.permutation(len(rows))
        new_rows = len(frame) + np.arange(len(rows))
        frame = pd.concat([frame, correction.iloc[order]], ignore_index=True)
        logs.append(_log("accounts", rows[order], "", "duplicate_filing", "", related=new_rows))
    log = pd.concat(logs, ignore_index=True) if logs else _log("accounts", np.array([], int), "", "", "")
    return frame, log


def inject_membership_defects(members: pd.DataFrame, rates: Mapping[str, float],
                              rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Inject membership-list defects into a copy of the frame (row positions unchanged)."""
    plan = plan_defects(rates, MEMBERSHIP_DEFECTS, len(members), rng)
    frame = members.copy()
    logs = []
    numbers = members["enterprise_number"]
    col = frame.columns.get_loc
    logs.extend(_enterprise_number_defects(frame, numbers, plan, "membership", rng))
    if "missing_required" in plan.rows:
        logs.append(_blank_required(frame, plan.rows["missing_required"], _MEMBERSHIP_REQUIRED, "membership"))
    if "leave_before_join" in plan.rows:
        rows = plan.rows["leave_before_join"]
        join = pd.to_datetime(frame["join_date"].iloc[rows]).to_numpy().astype("datetime64[D]")
        leave = join - rng.integers(1, 366, size=len(rows)).astype("timedelta64[D]")
        values = np.datetime_as_string(leave, unit="D").astype(object)
        frame.iloc[rows, col("leave_date")] = values
        logs.append(_log("membership", rows, "leave_date", "leave_before_join", values))
    log = pd.concat(logs, ignore_index=True) if logs else _log("membership", np.array([], int), "", "", "")
    return frame, log
