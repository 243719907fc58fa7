"""Property: any valid frame written in any supported format reads back identical."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import data_contracts as dc
from data_contracts import layouts
from data_contracts.nace import nace_divisions

from contracts_testkit import valid_number

DIVISIONS = nace_divisions()["division"].tolist()
ACCOUNT_FORMATS = ("csv", "csv_semicolon_decimal_comma_latin1", "long_csv", "parquet_text",
                   "parquet_typed", "xlsx")
amounts = st.one_of(st.none(), st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False),
                    st.integers(0, 10**9).map(float))
ftes = st.one_of(st.none(), st.floats(min_value=0, max_value=1e5, allow_nan=False))
# Shrinking a failing file round trip can take minutes; the failing example is printed anyway.
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)


@st.composite
def canonical_accounts(draw: st.DrawFn) -> pd.DataFrame:
    """A valid accounts frame as ``read_accounts`` returns it (before indexing)."""
    n_firms = draw(st.integers(1, 4))
    bodies = draw(st.lists(st.integers(1, 19_999_999), min_size=n_firms, max_size=n_firms, unique=True))
    rows = []
    for body in bodies:
        years = draw(st.lists(st.integers(1995, 2030), min_size=1, max_size=3, unique=True))
        firm = {
            "enterprise_number": valid_number(body),
            "model": draw(st.sampled_from(layouts.FILING_MODELS)),
            "nace": f"{draw(st.sampled_from(DIVISIONS))}.{draw(st.integers(0, 999)):03d}",
            "region": draw(st.sampled_from(layouts.REGIONS)),
        }
        for year in years:
            months = draw(st.sampled_from([12, 12, 12, 6, 18]))
            row = dict(firm, closing_date=pd.Timestamp(f"{year}-{draw(st.sampled_from(['12-31', '06-30', '03-31']))}"),
                       year=year, months=months, annualised=False,
                       foreign_owned=draw(st.sampled_from([True, False, None])))
            for code in layouts.RUBRIC_CODES:
                row[code] = draw(ftes if code in ("9087", "1003") else amounts)
            row["22/27"] = draw(st.floats(min_value=0, max_value=1e12, allow_nan=False))  # never empty
            rows.append(row)
    frame = pd.DataFrame(rows)
    frame["year"] = frame["closing_date"].dt.year.astype(np.int64)
    frame["months"] = frame["months"].astype(np.int64)
    frame["foreign_owned"] = pd.array(frame["foreign_owned"].tolist(), dtype="boolean")
    for code in layouts.RUBRIC_CODES:
        frame[code] = frame[code].astype(np.float64)
    order = ["enterprise_number", "closing_date", "year", "months", "annualised", "model", "nace",
             "region", "foreign_owned", *layouts.RUBRIC_CODES]
    return frame[order]


def _text(frame: pd.DataFrame, decimal: str = ".") -> pd.DataFrame:
    """Cells as a file holds them."""
    out = pd.DataFrame({
        "enterprise_number": frame["enterprise_number"],
        "closing_date": frame["closing_date"].dt.strftime("%Y-%m-%d"),
        "months": frame["months"].astype(str),
        "model": frame["model"], "nace": frame["nace"], "region": frame["region"],
        "foreign_owned": frame["foreign_owned"].map({True: "1", False: "0"}).astype(object).fillna(""),
    })
    for code in layouts.RUBRIC_CODES:
        text = frame[code].map(lambda v: "" if pd.isna(v) else repr(float(v)))
        out[code] = text.str.replace(".", ",", regex=False) if decimal == "," else text
    return out


def write_accounts(frame: pd.DataFrame, fmt: str, folder: Path) -> Path:
    if fmt == "csv":
        path = folder / "a.csv"
        _text(frame).to_csv(path, index=False)
    elif fmt == "csv_semicolon_decimal_comma_latin1":
        path = folder / "a.csv"
        _text(frame, ",").to_csv(path, index=False, sep=";", encoding="latin-1")
    elif fmt == "long_csv":
        path = folder / "a.csv"
        text = _text(frame)
        long = text.melt(id_vars=list(layouts.ACCOUNT_ID_COLUMNS), value_vars=list(layouts.RUBRIC_CODES),
                         var_name="rubric", value_name="value", ignore_index=False)
        long = long[long["value"] != ""].reset_index().sort_values(["index"], kind="stable").drop(columns="index")
        long.to_csv(path, index=False)
    elif fmt == "parquet_text":
        path = folder / "a.parquet"
        pq.write_table(pa.Table.from_pandas(_text(frame), preserve_index=False), path)
    elif fmt == "parquet_typed":
        path = folder / "a.parquet"
        typed = frame[list(layouts.ACCOUNTS_WIDE_COLUMNS)]
        pq.write_table(pa.Table.from_pandas(typed, preserve_index=False), path)
    elif fmt == "xlsx":
        path = folder / "a.xlsx"
        typed = frame[list(layouts.ACCOUNTS_WIDE_COLUMNS)].copy()
        typed["foreign_owned"] = typed["foreign_owned"].astype("Int64").astype(object).where(
            typed["foreign_owned"].notna(), None)
        typed.to_excel(path, index=False)
    else:  # pragma: no cover
        raise AssertionError(fmt)
    return path


def _excel_precision(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel keeps 15 significant digits; a frame written to .xlsx can only hold those."""
    out = frame.copy()
    for code in layouts.RUBRIC_CODES:
        out[code] = out[code].map(lambda v: float(f"{v:.15g}") if pd.notna(v) else v).astype(np.float64)
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=NO_SHRINK)
@given(frame=canonical_accounts(), fmt=st.sampled_from(ACCOUNT_FORMATS))
def test_accounts_read_back_identical(frame: pd.DataFrame, fmt: str) -> None:
    if fmt == "xlsx":
        frame = _excel_precision(frame)
    with tempfile.TemporaryDirectory() as folder:
        path = write_accounts(frame, fmt, Path(folder))
        result = dc.read_accounts(path, non_annual="flag")
    assert result.report.rows_rejected == 0, result.rejected
    got = result.accepted.reset_index(drop=True)
    pd.testing.assert_frame_equal(got, frame.reset_index(drop=True), check_exact=True)
    dc.ACCOUNTS_SCHEMA.validate(result.accepted)


@st.composite
def canonical_membership(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 6))
    rows = []
    for _ in range(n):
        join = pd.Timestamp("2017-01-01") + pd.Timedelta(days=draw(st.integers(0, 2500)))
        leave = None if draw(st.booleans()) else join + pd.Timedelta(days=draw(st.integers(0, 1500)))
        rows.append({"cluster": draw(st.sampled_from(list(layouts.SPEARHEAD_CLUSTERS))),
                     "enterprise_number": valid_number(draw(st.integers(1, 19_999_999))),
                     "member_type": draw(st.sampled_from(layouts.MEMBER_TYPES)),
                     "join_date": join, "leave_date": leave})
    frame = pd.DataFrame(rows)
    frame["leave_date"] = pd.to_datetime(frame["leave_date"])
    return frame.drop_duplicates(["cluster", "enterprise_number", "join_date"]).reset_index(drop=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=NO_SHRINK)
@given(frame=canonical_membership(), fmt=st.sampled_from(("csv", "csv_semicolon_latin1", "parquet", "xlsx")))
def test_membership_reads_back_identical(frame: pd.DataFrame, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        text = frame.assign(join_date=frame["join_date"].dt.strftime("%Y-%m-%d"),
                            leave_date=frame["leave_date"].dt.strftime("%Y-%m-%d").fillna(""))
        if fmt == "csv":
            path = folder / "m.csv"
            text.to_csv(path, index=False)
        elif fmt == "csv_semicolon_latin1":
            path = folder / "m.csv"
            text.to_csv(path, index=False, sep=";", encoding="latin-1")
        elif fmt == "parquet":
            path = folder / "m.parquet"
            pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
        else:
            path = folder / "m.xlsx"
            frame.to_excel(path, index=False)
        result = dc.read_membership(path)
    assert result.report.rows_rejected == 0, result.rejected
    pd.testing.assert_frame_equal(result.accepted.reset_index(drop=True), frame, check_exact=True)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow], phases=NO_SHRINK)
@given(st.lists(st.tuples(st.sampled_from(DIVISIONS), st.integers(2000, 2030),
                          st.floats(min_value=1e-3, max_value=1e4, allow_nan=False)),
                min_size=1, max_size=12, unique_by=lambda t: (t[0], t[1])),
       st.sampled_from(("csv", "csv_semicolon_decimal_comma", "parquet")))
def test_deflators_read_back_identical(cells: list[tuple[str, int, float]], fmt: str) -> None:
    frame = pd.DataFrame({
        "nace2": [c[0] for c in cells], "year": np.array([c[1] for c in cells], dtype=np.int64),
        "va": [c[2] for c in cells], "output": [c[2] * 1.5 for c in cells],
        "intermediate": [np.nan] * len(cells), "investment": [c[2] / 3 for c in cells],
        "base_year": np.full(len(cells), 2015, dtype=np.int64), "source": "NBB, A64 deflators",
    })
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        if fmt == "parquet":
            path = folder / "d.parquet"
            pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
        else:
            path = folder / "d.csv"
            text = frame.copy()
            for c in ("va", "output", "intermediate", "investment"):
                text[c] = frame[c].map(lambda v: "" if pd.isna(v) else repr(float(v)))
                if fmt != "csv":
                    text[c] = text[c].str.replace(".", ",", regex=False)
            text.to_csv(path, index=False, sep="," if fmt == "csv" else ";")
        result = dc.read_deflators(path)
    assert result.report.rows_rejected == 0, result.rejected
    pd.testing.assert_frame_equal(result.accepted.reset_index(drop=True), frame, check_exact=True)
