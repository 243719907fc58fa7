"""Reader for annual-accounts files (wide or long layout) -> validated filings.

Steps (study design, section 2; issue #6):

1. read the file as text (:mod:`data_contracts.tabular`), detect the decimal mark;
2. parse and normalise each identification column (enterprise number, NACE code,
   categories) and each amount, quarantining unparseable cells;
3. run the accounts contract on the typed rows (ranges, allowed values, nullability);
4. long layout: assemble the rubric rows of one filing (enterprise x closing date)
   into one wide filing; a filing with any rejected row is rejected as a whole;
5. closing date -> accounting year (:func:`accounting_year`); periods that are not 12 months are annualised,
   flagged or rejected (``non_annual``);
6. several filings for one enterprise x year (corrections): the latest deposit is
   kept, the others are quarantined with the rule ``superseded_filing``. The latest
   deposit is the one with the latest ``deposit_date`` when the file has that column,
   otherwise the one further down the file (exports list deposits in order).
"""

from __future__ import annotations

import dataclasses
import gc
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from data_contracts import layouts
from data_contracts.contracts import (
    ACCOUNTS_COLUMNS, ACCOUNTS_KEY, RULE_ABOVE_MAX, RULE_BELOW_MIN, RULE_NEGATIVE, accounts_schema,
)
from data_contracts.enterprise_number import normalise_enterprise_numbers
from data_contracts.errors import DataContractError
from data_contracts.nace import normalise_nace_codes
from data_contracts.parsing import (
    RULE_NOT_A_FLAG, RULE_NOT_A_NUMBER, RULE_NOT_AN_INTEGER,
    map_unique, normalise_category, parse_dates, text_objects, parse_flags, parse_integers, parse_numbers,
)
from data_contracts.quarantine import Quarantine
from data_contracts.reading import detect_decimal, extra_columns, finish, start_quarantine
from data_contracts.results import IngestResult
from data_contracts.rubrics import FLOW_CODES, RUBRIC_BY_CODE
from data_contracts.tabular import RawTable, read_raw_table
from data_contracts.validation import finalise_accepted, quarantine_violations

NonAnnual = Literal["annualise", "flag", "reject"]
YearRule = Literal["closing_year", "majority"]

RULE_SUPERSEDED = "superseded_filing"
RULE_RUBRIC_UNKNOWN = "rubric_unknown"
RULE_DUPLICATE_RUBRIC = "duplicate_rubric"
RULE_FILING_HAS_REJECTED_ROW = "filing_has_rejected_row"
RULE_INCONSISTENT_FILING = "inconsistent_filing_attributes"
RULE_NON_ANNUAL = "non_annual_period"

#: Optional column used to order corrections when present.
DEPOSIT_DATE_COLUMN = "deposit_date"

MODEL_ALIASES: dict[str, str] = {
    "full": "full", "volledig": "full", "complet": "full", "vol": "full",
    "abbreviated": "abbreviated", "verkort": "abbreviated", "abrégé": "abbreviated", "abrege": "abbreviated",
    "micro": "micro",
}
REGION_ALIASES: dict[str, str] = {
    "vlg": "VLG", "flemish": "VLG", "flanders": "VLG", "vlaanderen": "VLG", "vlaams gewest": "VLG",
    "flemish region": "VLG",
    "bru": "BRU", "brussels": "BRU", "brussel": "BRU", "bruxelles": "BRU", "brussels-capital": "BRU",
    "wal": "WAL", "walloon": "WAL", "wallonia": "WAL", "wallonie": "WAL", "walloon region": "WAL",
    "wallonië": "WAL", "waals gewest": "WAL", "région wallonne": "WAL",
    "région flamande": "VLG", "brussels hoofdstedelijk gewest": "BRU",
    "région de bruxelles-capitale": "BRU", "brussels capital region": "BRU",
}
_ID_CONTRACT_NAMES = tuple(c.name for c in ACCOUNTS_COLUMNS)
_CANONICAL_ORDER = ("enterprise_number", "closing_date", "year", "months", "annualised", "model",
                    "nace", "region", "foreign_owned") + layouts.RUBRIC_CODES


def accounting_year(closing_date: np.ndarray, months: np.ndarray,
                    rule: YearRule = "closing_year") -> np.ndarray:
    """Accounting year of each filing (float, NaN where the date is missing).

    ``closing_year`` (default): the calendar year of the closing date, the convention
    of the Central Balance Sheet Office's own statistics and of Bel-first (and of the
    demo generator). ``majority``: the calendar year holding most of the period, ties
    to the closing year: a period of ``months`` months closing in month ``m`` of year
    ``y`` is year ``y`` if ``2 m >= months`` else ``y - 1`` (a 12-month period closing
    on 31 March 2020 is then 2019).
    """
    dates = pd.DatetimeIndex(closing_date)
    year = dates.year.to_numpy(dtype=np.float64)
    if rule == "closing_year":
        return year
    if rule != "majority":
        raise DataContractError(f"year_rule must be 'closing_year' or 'majority', not {rule!r}")
    month = dates.month.to_numpy(dtype=np.float64)
    return np.where(2 * month >= months, year, year - 1)


def _parse_identification(raw: RawTable, q: Quarantine, decimal: str) -> dict[str, object]:
    t = raw.table
    frame: dict[str, object] = {}  # columns first, one DataFrame at the end (no block copies)
    canonical, rule = map_unique(t.column("enterprise_number"), lambda d: normalise_enterprise_numbers(
        d, text_dtype="string[pyarrow]"))
    bad = rule.notna().to_numpy() & (rule != "required_missing").to_numpy()
    q.add(bad, "enterprise_number", rule.to_numpy()[bad])
    frame["enterprise_number"] = canonical.array

    closing, rule = parse_dates(t.column("closing_date"))
    bad = pd.notna(rule)
    q.add(bad, "closing_date", rule[bad])
    frame["closing_date"] = closing

    months, invalid = parse_integers(t.column("months"), decimal)
    q.add(invalid, "months", RULE_NOT_AN_INTEGER)
    frame["months"] = months

    frame["model"] = normalise_category(t.column("model"), MODEL_ALIASES)
    nace, rule = map_unique(t.column("nace"), lambda d: normalise_nace_codes(d, text_dtype="string[pyarrow]"))
    bad = rule.notna().to_numpy()
    q.add(bad, "nace", rule.to_numpy()[bad])
    frame["nace"] = nace.array
    frame["region"] = normalise_category(t.column("region"), REGION_ALIASES)
    flags, invalid = parse_flags(t.column("foreign_owned"))
    q.add(invalid, "foreign_owned", RULE_NOT_A_FLAG)
    frame["foreign_owned"] = flags.array
    return frame


def _check_long_values(codes: np.ndarray, values: np.ndarray, q: Quarantine) -> None:
    """Range rules of each rubric (from the rubric table) on long-format value cells."""
    for code, rubric in RUBRIC_BY_CODE.items():
        rows = codes == code
        rule = RULE_NEGATIVE if rubric.lower == 0 else RULE_BELOW_MIN
        q.add(rows & (values < rubric.lower), "value", rule)
        q.add(rows & (values > rubric.upper), "value", RULE_ABOVE_MAX)


def _assemble_long(raw: RawTable, frame: pd.DataFrame, q: Quarantine, decimal: str
                   ) -> tuple[pd.DataFrame, np.ndarray]:
    """Rubric rows -> one wide row per filing; returns filings and each row's filing id."""
    t = raw.table
    codes = pc.utf8_upper(pc.utf8_trim_whitespace(t.column("rubric")))
    codes = np.asarray(codes.to_numpy(zero_copy_only=False), dtype=object)
    canon = {c.upper(): c for c in layouts.RUBRIC_CODES}
    codes = pd.Series(codes).map(canon).to_numpy(dtype=object)
    unknown = pd.isna(codes)
    q.add(unknown, "rubric", RULE_RUBRIC_UNKNOWN)
    values, invalid = parse_numbers(t.column("value"), decimal)
    q.add(invalid, "value", RULE_NOT_A_NUMBER)
    _check_long_values(codes, values, q)

    key_ok = frame["enterprise_number"].notna().to_numpy() & frame["closing_date"].notna().to_numpy()
    keyed = frame.loc[key_ok, ["enterprise_number", "closing_date"]]
    filing = np.full(len(frame), -1, dtype=np.int64)
    filing[key_ok] = keyed.groupby(["enterprise_number", "closing_date"], sort=False).ngroup().to_numpy()

    failed_before_duplicates = q.rejected.copy()
    # Duplicated rubric within a filing: the later row is the correction.
    dup = pd.DataFrame({"f": filing, "c": codes})[key_ok & ~unknown].duplicated(["f", "c"], keep="last")
    q.add(dup.index.to_numpy()[dup.to_numpy()], "rubric", RULE_DUPLICATE_RUBRIC)

    # Attributes must agree across the rows of one filing.
    attrs = ["months", "model", "nace", "region", "foreign_owned"]
    sub = frame.loc[key_ok, attrs].astype(object).assign(f=filing[key_ok])
    for attr in attrs:
        n_distinct = sub.groupby("f")[attr].nunique(dropna=False)
        bad_filings = n_distinct.index[n_distinct.to_numpy() > 1]
        inconsistent = np.isin(filing, bad_filings) & key_ok
        q.add(inconsistent, attr, RULE_INCONSISTENT_FILING)
        failed_before_duplicates |= inconsistent

    # One rejected row rejects its whole filing (a missing amount would bias value added).
    rejected_filings = np.unique(filing[failed_before_duplicates & (filing >= 0)])
    spill = np.isin(filing, rejected_filings) & (filing >= 0) & ~q.rejected
    q.add(spill, "rubric", RULE_FILING_HAS_REJECTED_ROW)

    ok = ~q.rejected
    n_filings = int(filing.max()) + 1 if len(filing) else 0
    matrix = np.full((n_filings, len(layouts.RUBRIC_CODES)), np.nan)
    col = pd.Series(codes[ok]).map({c: i for i, c in enumerate(layouts.RUBRIC_CODES)}).to_numpy(dtype=np.int64)
    matrix[filing[ok], col] = values[ok]
    first = pd.Series(np.flatnonzero(ok)).groupby(filing[ok]).min()
    filings = frame.iloc[first.to_numpy()].copy()
    filings.index = first.index
    for j, code in enumerate(layouts.RUBRIC_CODES):
        filings[code] = matrix[first.index.to_numpy(), j]
    filings["_row"] = raw.rows[first.to_numpy()]
    filings["_order"] = pd.Series(np.flatnonzero(ok)).groupby(filing[ok]).max().to_numpy()
    filings["_fid"] = first.index.to_numpy()
    return filings.reset_index(drop=True), filing


def _take(column: object, positions: np.ndarray | None) -> object:
    """Rows at ``positions`` (None: all rows, without a copy)."""
    if isinstance(column, pd.Series):
        column = column.array
    if positions is None:
        return column
    if isinstance(column, pd.api.extensions.ExtensionArray):
        return column.take(positions)
    return np.asarray(column)[positions]


def _assemble_accepted(source: dict[str, object], positions: np.ndarray, rows: np.ndarray,
                       non_annual: NonAnnual) -> pd.DataFrame:
    """The accepted filings, built column by column in one DataFrame construction.

    Memory matters at 6 million filings: when every row is accepted the parsed
    arrays are used as they are, text shares one object per distinct value, and the
    frame is not consolidated into one float block (no copy).
    """
    n_source = len(source["months"])
    if len(positions) == n_source and np.array_equal(positions, np.arange(n_source)):
        positions = None
    months = np.asarray(_take(source["months"], positions), dtype=np.float64)
    annualised = np.asarray(_take(source["annualised"], positions), dtype=bool)
    scale = np.where(annualised, 12.0 / months, 1.0) if non_annual == "annualise" and annualised.any() else None
    out: dict[str, object] = {}
    for name in _CANONICAL_ORDER:
        values = _take(source.pop(name), positions)  # pop: free each parsed column once copied
        if name in ("enterprise_number", "model", "nace", "region"):
            values = text_objects(values)
        elif name in ("year", "months"):
            values = np.asarray(values, dtype=np.float64).astype(np.int64)
        elif name == "annualised":
            values = annualised
        elif name == "foreign_owned":
            values = pd.array(values, dtype="boolean")
        elif name in FLOW_CODES and scale is not None:
            values = np.asarray(values, dtype=np.float64) * scale
        out[name] = values
    return pd.DataFrame(out, index=pd.Index(rows, name="row"), copy=False)


def _resolve_corrections(filings: pd.DataFrame) -> np.ndarray:
    """Boolean mask of filings superseded by a later deposit for the same firm-year."""
    order = ["enterprise_number", "year", "_deposit", "_order"] if "_deposit" in filings else \
        ["enterprise_number", "year", "_order"]
    ranked = filings.sort_values(order, kind="stable")
    superseded = ranked.duplicated(["enterprise_number", "year"], keep="last")
    return superseded.reindex(filings.index).to_numpy()


def read_accounts(path: str | Path, *, non_annual: NonAnnual = "annualise",
                  year_rule: YearRule = "closing_year", sheet: str | int | None = None) -> IngestResult:
    """Read and validate an annual-accounts file.

    Parameters
    ----------
    path : str or Path
        CSV (any supported dialect), Parquet or Excel file in the wide layout
        (one column per rubric) or the long layout (``rubric``, ``value``), header as
        in the study design, section 2 (``data_contracts.layouts``).
    non_annual : {"annualise", "flag", "reject"}
        Periods that are not 12 months: scale flow rubrics by ``12 / months``
        (``annualised`` = True), keep them as filed (``annualised`` = False; the panel's
        sample rules drop them), or quarantine them (rule ``non_annual_period``).
    sheet : str or int, optional
        Excel sheet.

    Returns
    -------
    IngestResult
        ``accepted``: one row per enterprise x accounting year, satisfying
        :data:`data_contracts.ACCOUNTS_SCHEMA`, index ``row``.

    Raises
    ------
    UnusableFileError
        If the file is empty, unreadable or lacks a required column.
    """
    if non_annual not in ("annualise", "flag", "reject"):
        raise DataContractError(f"non_annual must be 'annualise', 'flag' or 'reject', not {non_annual!r}")
    raw = read_raw_table(path, layouts.ACCOUNT_ID_COLUMNS, sheet=sheet)
    names = raw.table.column_names
    long = "rubric" in names and "value" in names
    numeric = ["value", "months"] if long else [c for c in layouts.RUBRIC_CODES if c in names] + ["months"]
    decimal = detect_decimal(raw, numeric)
    q = start_quarantine(raw)
    columns = _parse_identification(raw, q, decimal)
    deposit = None
    if DEPOSIT_DATE_COLUMN in names:
        # An unreadable deposit date cannot order corrections (a missing one would sort
        # last and win), so its filing is quarantined like a bad closing date.
        deposit, rule = parse_dates(raw.table.column(DEPOSIT_DATE_COLUMN))
        bad = pd.notna(rule)
        q.add(bad, DEPOSIT_DATE_COLUMN, rule[bad])
    absent: list[str] = []
    notes: list[str] = []
    if long:
        known = layouts.ACCOUNTS_LONG_COLUMNS
    else:
        known = layouts.ACCOUNTS_WIDE_COLUMNS
        for code in layouts.RUBRIC_CODES:
            if code in names:
                values, invalid = parse_numbers(raw.table.column(code), decimal)
                q.add(invalid, code, RULE_NOT_A_NUMBER)
                columns[code] = values
            else:
                columns[code] = np.full(raw.table.num_rows, np.nan)
                absent.append(code)
    months = np.asarray(columns["months"], dtype=np.float64)
    columns["year"] = accounting_year(np.asarray(columns["closing_date"]), months, year_rule)
    columns["annualised"] = (months != 12) & (non_annual == "annualise")
    frame = pd.DataFrame(columns, copy=False)  # no consolidation copy of millions of rows
    row_schema = accounts_schema(unique=False, for_rows=True)
    if long:
        row_schema = row_schema.remove_columns(list(layouts.RUBRIC_CODES))
    quarantine_violations(frame, row_schema, q, derived_from={"year": "closing_date"})
    if not long:
        # Amount cells are parsed and checked: release their text (a large part of
        # the memory of a multi-million-row file). Rejections from here on concern
        # identification columns only.
        raw = dataclasses.replace(raw, table=raw.table.drop_columns(
            [c for c in layouts.RUBRIC_CODES if c in raw.table.column_names]))
        q.table = raw.table
    if non_annual == "reject":
        q.add((months != 12) & ~np.isnan(months) & ~q.rejected, "months", RULE_NON_ANNUAL)

    if long:
        filings, filing_of_row = _assemble_long(raw, frame, q, decimal)
        source = {c: filings[c].array for c in filings.columns}
        keys = filings[["enterprise_number", "year", "_order", "_row"]]
    else:
        positions = np.flatnonzero(~q.rejected)
        source = columns
        keys = pd.DataFrame({
            "enterprise_number": frame["enterprise_number"].array.take(positions),
            "year": columns["year"][positions], "_order": positions, "_row": raw.rows[positions],
        }, index=positions)
        filing_of_row = np.arange(len(frame))
    del frame  # the accepted frame is assembled from the column arrays, one at a time
    gc.collect()  # pandas' internal reference cycles would otherwise keep the parsed block alive
    if deposit is not None:
        keys = keys.assign(_deposit=deposit[keys["_order"].to_numpy()])
        notes.append("corrections resolved by the latest deposit_date, then file order")
    superseded = _resolve_corrections(keys)
    if superseded.any():
        kept_keys = keys[~superseded]
        winner = kept_keys.set_index(["enterprise_number", "year"])["_row"]
        lost = keys[superseded]
        by = winner.reindex(pd.MultiIndex.from_frame(lost[["enterprise_number", "year"]])).to_numpy()
        text = (lost["enterprise_number"].astype(str) + " " + lost["year"].astype(int).astype(str)
                + " superseded by row " + pd.Series(by, index=lost.index).astype(str)).to_numpy()
        if long:
            lost_ids = filings["_fid"].to_numpy()[lost.index.to_numpy()]
            rows_lost = np.flatnonzero(np.isin(filing_of_row, lost_ids) & ~q.rejected)
            lookup = pd.Series(text, index=lost_ids)
            q.add(rows_lost, "closing_date", RULE_SUPERSEDED, lookup.reindex(filing_of_row[rows_lost]).to_numpy())
        else:
            q.add(lost.index.to_numpy(), "closing_date", RULE_SUPERSEDED, text)
        keys = kept_keys
    take = keys.index.to_numpy()
    rows = keys["_row"].to_numpy(dtype=np.int64)
    if long:  # filings are in first-seen order; publish in file order
        order = np.argsort(rows, kind="stable")
        take, rows = take[order], rows[order]
    accepted = _assemble_accepted(source, take, rows, non_annual)
    accepted = finalise_accepted(accepted, accounts_schema(unique=False), ACCOUNTS_KEY)

    extra_names, extra = extra_columns(raw, known)
    return finish(raw, "accounts", q, accepted, extra, extra_names, decimal=decimal,
                  layout="long" if long else "wide", absent=absent, notes=notes,
                  records_accepted=len(accepted))
