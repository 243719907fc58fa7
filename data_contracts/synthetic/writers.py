"""Writing the simulated raw inputs as the files researchers receive."""

from __future__ import annotations

import codecs
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from data_contracts.layouts import RUBRIC_CODES
from data_contracts.synthetic.defects import (
    DEFECT_LOG_COLUMNS, inject_account_defects, inject_membership_defects, validate_rates,
)
from data_contracts.synthetic.errors import SyntheticDataError
from data_contracts.synthetic.layout import accounts_to_long
from data_contracts.synthetic.population import SyntheticPopulation

ACCOUNTS_FORMATS = ("csv", "parquet")
ACCOUNTS_LAYOUTS = ("wide", "long")
MEMBERSHIP_FORMATS = ("csv", "xlsx", "parquet")
DEFLATOR_FORMATS = ("csv", "parquet")
#: Title line that the "extra_header_row" defect puts above the real header in Excel.
EXCEL_TITLE = "Member list exported from the cluster CRM"
#: Every float is written with up to 15 significant digits: whole euro stay whole.
_FLOAT_FORMAT = "%.15g"


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise SyntheticDataError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")


def _numbers_as_text(frame: pd.DataFrame, decimal: str) -> pd.DataFrame:
    """Spell the numbers of text-holding (object) columns as the writer spells floats.

    Only columns that received an injected text value are object-typed; pandas
    would otherwise write their numbers with ``repr`` and ignore the decimal mark.
    """
    text_columns = [c for c in frame.columns
                    if frame[c].dtype == object and c in (*RUBRIC_CODES, "value")]
    if not text_columns:
        return frame
    frame = frame.copy()
    for column in text_columns:  # one or two columns
        frame[column] = frame[column].map(
            lambda v: (_FLOAT_FORMAT % v).replace(".", decimal) if isinstance(v, (float, int)) else v)
    return frame


def _write_csv(frame: pd.DataFrame, path: Path, separator: str, decimal: str, encoding: str) -> None:
    frame = _numbers_as_text(frame, decimal)
    if decimal == "." and codecs.lookup(encoding).name == "utf-8" and _write_csv_arrow(frame, path, separator):
        return
    frame.to_csv(path, sep=separator, decimal=decimal, encoding=encoding, index=False,
                 float_format=_FLOAT_FORMAT, lineterminator="\n")


def _write_csv_arrow(frame: pd.DataFrame, path: Path, separator: str) -> bool:
    """Write with Arrow's CSV writer (several times faster); False if a value needs quoting.

    Arrow spells numbers as pandas does with ``%.15g`` here (whole euro without
    ``.0``; shortest round-trip decimals), empty cells for missing values.
    """
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        body = pa.BufferOutputStream()
        pacsv.write_csv(table, body, pacsv.WriteOptions(include_header=False, delimiter=separator,
                                                        quoting_style="none"))
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return False
    with open(path, "wb") as handle:
        handle.write((separator.join(map(str, frame.columns)) + "\n").encode("utf-8"))
        handle.write(body.getvalue().to_pybytes())
    return True


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    frame = _numbers_as_text(frame, ".")
    frame.to_parquet(path, index=False)


def _long_log(log: pd.DataFrame, filing: np.ndarray, rubric: np.ndarray) -> pd.DataFrame:
    """Translate a wide-layout defect log (filing positions) to rows of the long file."""
    if log.empty:
        return log
    rows = pd.DataFrame({"long_row": np.arange(len(filing)), "filing": filing, "rubric": rubric})
    first_row = rows.groupby("filing")["long_row"].min()
    merged = log.merge(rows, left_on="row", right_on="filing", how="left")
    is_rubric = merged["column"].isin(RUBRIC_CODES)
    employment = merged["defect"].eq("negative_employment") & merged["rubric"].isin(["9087", "1003"])
    keep = np.where(merged["defect"].eq("negative_employment"), employment,
                    np.where(is_rubric, merged["rubric"] == merged["column"], True))
    merged = merged[keep].copy()
    merged.loc[merged["defect"].eq("negative_employment"), "column"] = "value"
    merged.loc[is_rubric[keep].to_numpy(), "column"] = "value"
    related = merged["related_row"]
    merged["related_row"] = pd.array(
        first_row.reindex(related.astype("float64")).to_numpy(), dtype="Int64")
    merged.loc[related.isna().to_numpy(), "related_row"] = pd.NA
    merged["row"] = merged["long_row"]
    return merged[[*log.columns, "filing"]].reset_index(drop=True)


def _deposit_dates(clean: pd.DataFrame, log: pd.DataFrame, n_rows: int,
                   rng: np.random.Generator) -> np.ndarray:
    """ISO deposit dates of the (possibly extended) accounts rows; corrections come later."""
    closing = pd.to_datetime(clean["closing_date"], format="%Y-%m-%d").to_numpy().astype("datetime64[D]")
    deposit = np.empty(n_rows, dtype="datetime64[D]")
    deposit[:len(clean)] = closing + rng.integers(90, 213, size=len(clean)).astype("timedelta64[D]")
    duplicates = log[log["defect"] == "duplicate_filing"]
    if len(duplicates):
        source = duplicates["row"].to_numpy(dtype=np.int64)
        target = duplicates["related_row"].to_numpy(dtype=np.int64)
        deposit[target] = deposit[source] + rng.integers(30, 305, size=len(source)).astype("timedelta64[D]")
    return np.datetime_as_string(deposit, unit="D").astype(object)


def write_raw_files(
    population: SyntheticPopulation,
    out_dir: str | Path,
    *,
    accounts_format: str = "csv",
    accounts_layout: str = "wide",
    membership_format: str = "csv",
    deflators_format: str = "csv",
    separator: str = ",",
    decimal: str = ".",
    encoding: str = "utf-8",
    defects: Mapping[str, float] | None = None,
    seed: int = 0,
    deposit_dates: bool = False,
) -> dict[str, Path]:
    """Write accounts, membership list and deflators as raw input files.

    Parameters
    ----------
    population : SyntheticPopulation
        Output of :func:`simulate_population`.
    out_dir : str or Path
        Folder to write into (created if absent).
    accounts_format : {"csv", "parquet"}
    accounts_layout : {"wide", "long"}
        One row per filing, or one row per reported rubric.
    membership_format : {"csv", "xlsx", "parquet"}
    deflators_format : {"csv", "parquet"}
    separator, decimal, encoding : str
        CSV dialect (e.g. ``";"``, ``","``, ``"latin-1"`` as in Belgian exports).
    defects : mapping of str to float, optional
        Defect name to rate (share of the file's rows). Accounts: ``bad_check_digit``,
        ``other_spelling`` (a valid number in another spelling), ``duplicate_filing``
        (a corrected filing appended later in the file; the earlier row is
        superseded), ``negative_employment``, ``unknown_nace``, ``missing_required``
        (closing_date, nace or model blank), ``wrong_type`` (text in a numeric
        rubric). Membership: ``bad_check_digit``, ``other_spelling``,
        ``missing_required`` (join_date or cluster), ``leave_before_join``, and
        ``extra_header_row`` (any positive rate: a title line above the header of
        the ``.xlsx`` file). Each defect hits distinct rows.
    seed : int
        Seed of the defect draws (and of the deposit dates).
    deposit_dates : bool
        Add an extra ``deposit_date`` column (after the canonical ones): the day
        the filing was deposited, 3 to 7 months after the closing date, and for a
        corrected duplicate filing 1 to 10 months after the filing it corrects.
        Without it, a correction is recognisable only by coming later in the file.

    Returns
    -------
    dict of str to Path
        ``accounts``, ``membership``, ``deflators`` and, when ``defects`` is given,
        ``defects``: a CSV log with columns ``file, kind, row, filing, column, defect,
        value, rejected, related_row``. ``row`` is the 1-based data row of the file
        (header, and in Excel the extra title line, excluded; 0 for the file-level
        ``extra_header_row``); ``filing`` the 1-based filing it belongs to (equal to
        ``row`` except in the long layout, where a defect of one filing is logged on
        each affected rubric row: every row for identification defects, the 9087 and
        1003 rows for negative employment, the rubric's row for a wrong type);
        ``rejected`` says whether the row itself is invalid (a reader may also
        reject the other rows of that filing); for a duplicate filing ``row`` is the
        superseded filing and ``related_row`` its correction. ``value`` is spelled
        with a decimal point whatever the file's decimal mark.
    """
    _check_choice("accounts_format", accounts_format, ACCOUNTS_FORMATS)
    _check_choice("accounts_layout", accounts_layout, ACCOUNTS_LAYOUTS)
    _check_choice("membership_format", membership_format, MEMBERSHIP_FORMATS)
    _check_choice("deflators_format", deflators_format, DEFLATOR_FORMATS)
    if separator == decimal:
        raise SyntheticDataError(f"separator and decimal mark are both {separator!r}")
    rates = validate_rates(defects)
    if rates.get("extra_header_row", 0) > 0 and membership_format != "xlsx":
        raise SyntheticDataError("the extra_header_row defect needs membership_format='xlsx'")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)

    accounts, account_log = inject_account_defects(population.accounts, rates, rng)
    deposit = _deposit_dates(population.accounts, account_log, len(accounts), rng) \
        if deposit_dates else None
    if accounts_layout == "long":
        accounts, filing = accounts_to_long(accounts)
        account_log = _long_log(account_log, filing, accounts["rubric"].to_numpy())
        if deposit is not None:
            accounts["deposit_date"] = deposit[filing]
    else:
        account_log = account_log.assign(filing=account_log["row"])
        if deposit is not None:
            accounts["deposit_date"] = deposit
    members, member_log = inject_membership_defects(population.membership, rates, rng)

    suffix = "_long" if accounts_layout == "long" else ""
    paths = {
        "accounts": out / f"accounts{suffix}.{accounts_format}",
        "membership": out / f"membership.{membership_format}",
        "deflators": out / f"deflators.{deflators_format}",
    }
    if accounts_format == "csv":
        _write_csv(accounts, paths["accounts"], separator, decimal, encoding)
    else:
        _write_parquet(accounts, paths["accounts"])

    if membership_format == "csv":
        _write_csv(members, paths["membership"], separator, decimal, encoding)
    elif membership_format == "parquet":
        _write_parquet(members, paths["membership"])
    else:
        extra = rates.get("extra_header_row", 0) > 0
        with pd.ExcelWriter(paths["membership"], engine="openpyxl") as writer:
            members.to_excel(writer, sheet_name="members", index=False, startrow=1 if extra else 0)
            if extra:
                writer.sheets["members"].cell(row=1, column=1, value=EXCEL_TITLE)

    if deflators_format == "csv":
        _write_csv(population.deflators, paths["deflators"], separator, decimal, encoding)
    else:
        _write_parquet(population.deflators, paths["deflators"])

    if defects is not None:
        log = pd.concat([account_log.assign(file=paths["accounts"].name),
                         member_log.assign(file=paths["membership"].name,
                                           filing=member_log["row"])], ignore_index=True)
        if rates.get("extra_header_row", 0) > 0:
            log = pd.concat([log, pd.DataFrame({
                "file": [paths["membership"].name], "kind": ["membership"], "row": [0], "filing": [-1],
                "column": [""], "defect": ["extra_header_row"], "value": [EXCEL_TITLE],
                "rejected": [False], "related_row": pd.array([pd.NA], dtype="Int64")})],
                ignore_index=True)
        data_row = np.where(log["defect"] == "extra_header_row", 0, 1)
        log["row"] = log["row"].astype(np.int64) + data_row
        log["filing"] = log["filing"].astype(np.int64) + data_row
        log["related_row"] = log["related_row"] + 1
        paths["defects"] = out / "defects.csv"
        log[list(DEFECT_LOG_COLUMNS)].sort_values(["kind", "row"], kind="stable").to_csv(
            paths["defects"], index=False)
    return paths


def read_defect_log(path: str | Path) -> pd.DataFrame:
    """Read a defect log written by :func:`write_raw_files`, keeping text as text."""
    log = pd.read_csv(path, dtype={"value": str, "column": str}, keep_default_na=False)
    log["related_row"] = pd.to_numeric(log["related_row"], errors="coerce").astype("Int64")
    return log
