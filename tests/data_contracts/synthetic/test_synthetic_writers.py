"""Raw files: every format reads back as the population, and defects land where logged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from stdnum.be import vat

from data_contracts.layouts import ACCOUNT_ID_COLUMNS, RUBRIC_CODES
from data_contracts.synthetic import (
    DEFECTS, SimulationConfig, SyntheticDataError, read_defect_log, simulate_population,
    write_raw_files,
)
from data_contracts.synthetic.industries import UNKNOWN_NACE_CODE
from data_contracts.synthetic.writers import EXCEL_TITLE

_TEXT = {c: str for c in ("enterprise_number", "closing_date", "nace", "model", "region")}
ACCOUNT_RATES = {"bad_check_digit": 0.02, "other_spelling": 0.03, "duplicate_filing": 0.01,
                 "negative_employment": 0.01, "unknown_nace": 0.015, "missing_required": 0.012,
                 "wrong_type": 0.01}
MEMBER_RATES = {"bad_check_digit": 0.05, "other_spelling": 0.05, "missing_required": 0.04,
                "leave_before_join": 0.05}


@pytest.fixture(scope="module")
def tiny():
    return simulate_population(SimulationConfig(seed=11, n_firms=600, member_share=0.03))


def _numeric(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in RUBRIC_CODES:
        out[column] = out[column].astype("float64")
    return out


def _read_accounts_csv(path, separator=",", decimal=".", encoding="utf-8"):
    return pd.read_csv(path, sep=separator, decimal=decimal, encoding=encoding, dtype=_TEXT)


def _raw(path, **kwargs) -> pd.DataFrame:
    """The file's cells exactly as written (text; empty cells as empty strings)."""
    if str(path).endswith(".parquet"):
        raw = pd.read_parquet(path)
        return raw.astype(object).where(raw.notna(), "").map(
            lambda v: v if isinstance(v, str) else ("%.15g" % v))
    return pd.read_csv(path, dtype=str, keep_default_na=False, **kwargs)


@pytest.mark.parametrize("separator, decimal, encoding", [
    (",", ".", "utf-8"), (";", ",", "latin-1"), ("\t", ".", "utf-8"),
])
def test_wide_csv_reads_back_identical(tiny, tmp_path, separator, decimal, encoding):
    paths = write_raw_files(tiny, tmp_path, separator=separator, decimal=decimal, encoding=encoding)
    assert set(paths) == {"accounts", "membership", "deflators"}
    back = _read_accounts_csv(paths["accounts"], separator, decimal, encoding)
    pd.testing.assert_frame_equal(_numeric(back), _numeric(tiny.accounts), check_dtype=False)
    members = pd.read_csv(paths["membership"], sep=separator, encoding=encoding, dtype=str)
    pd.testing.assert_frame_equal(members.fillna(""), tiny.membership.fillna(""))
    deflators = pd.read_csv(paths["deflators"], sep=separator, decimal=decimal,
                            encoding=encoding, dtype={"nace2": str})
    pd.testing.assert_frame_equal(deflators, tiny.deflators)


def test_header_is_exactly_the_canonical_one(tiny, tmp_path):
    paths = write_raw_files(tiny, tmp_path)
    header = paths["accounts"].read_text().splitlines()[0]
    assert header == ("enterprise_number,closing_date,months,model,nace,region,foreign_owned,"
                      "70,71,72,74,740,76A,60,61,9900,62,630,9901,20/58,22/27,9087,1003")
    # Whole euro stay whole: no "1234.0" in the file.
    assert ".0," not in paths["accounts"].read_text()


def test_parquet_reads_back_identical(tiny, tmp_path):
    paths = write_raw_files(tiny, tmp_path, accounts_format="parquet",
                            membership_format="parquet", deflators_format="parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(paths["accounts"]), tiny.accounts)
    pd.testing.assert_frame_equal(pd.read_parquet(paths["membership"]), tiny.membership)
    pd.testing.assert_frame_equal(pd.read_parquet(paths["deflators"]), tiny.deflators)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_long_layout_pivots_back_to_the_wide_one(tiny, tmp_path, fmt):
    paths = write_raw_files(tiny, tmp_path, accounts_format=fmt, accounts_layout="long")
    assert paths["accounts"].name == f"accounts_long.{fmt}"
    long = (pd.read_parquet(paths["accounts"]) if fmt == "parquet"
            else pd.read_csv(paths["accounts"], dtype={**_TEXT, "rubric": str}))
    assert list(long.columns) == [*ACCOUNT_ID_COLUMNS, "rubric", "value"]
    wide = long.pivot(index=["enterprise_number", "closing_date"], columns="rubric", values="value")
    expected = _numeric(tiny.accounts).set_index(["enterprise_number", "closing_date"])
    wide = wide.reindex(index=expected.index, columns=list(RUBRIC_CODES))
    pd.testing.assert_frame_equal(wide, expected[list(RUBRIC_CODES)], check_names=False)
    assert len(long) == int(tiny.accounts[list(RUBRIC_CODES)].notna().sum().sum())


def test_excel_membership_reads_back_identical(tiny, tmp_path):
    paths = write_raw_files(tiny, tmp_path, membership_format="xlsx")
    back = pd.read_excel(paths["membership"], dtype=str)
    pd.testing.assert_frame_equal(back.fillna(""), tiny.membership.fillna(""))


def _check_logged_cells(raw: pd.DataFrame, log: pd.DataFrame) -> None:
    for entry in log.itertuples():  # a few dozen logged cells
        if entry.defect == "duplicate_filing":
            original, correction = raw.iloc[entry.row - 1], raw.iloc[entry.related_row - 1]
            assert entry.related_row > entry.row
            for key in ("enterprise_number", "closing_date"):
                assert original[key] == correction[key]
            continue
        assert raw.iloc[entry.row - 1][entry.column] == entry.value, entry


def test_account_defects_hit_the_logged_rows_at_the_chosen_rates(tiny, tmp_path):
    paths = write_raw_files(tiny, tmp_path, defects=ACCOUNT_RATES, seed=4)
    log = read_defect_log(paths["defects"])
    accounts_log = log[log["kind"] == "accounts"]
    n = len(tiny.accounts)
    counts = accounts_log["defect"].value_counts()
    for defect, rate in ACCOUNT_RATES.items():
        assert counts[defect] == max(1, round(rate * n)), defect
    assert not accounts_log.duplicated("row").any()  # one defect per row
    raw = _raw(paths["accounts"])
    assert len(raw) == n + counts["duplicate_filing"]
    _check_logged_cells(raw, accounts_log)
    by_defect = dict(tuple(accounts_log.groupby("defect")))
    assert not raw.iloc[by_defect["bad_check_digit"]["row"] - 1]["enterprise_number"].map(vat.is_valid).any()
    spelled = raw.iloc[by_defect["other_spelling"]["row"] - 1]["enterprise_number"]
    clean = tiny.accounts["enterprise_number"].iloc[by_defect["other_spelling"]["row"] - 1]
    assert spelled.map(vat.compact).tolist() == clean.map(vat.compact).tolist()
    assert (raw.iloc[by_defect["negative_employment"]["row"] - 1]["9087"].astype(float) < 0).all()
    assert (raw.iloc[by_defect["unknown_nace"]["row"] - 1]["nace"] == UNKNOWN_NACE_CODE).all()
    assert (accounts_log["filing"] == accounts_log["row"]).all()
    wrong = by_defect["wrong_type"]
    assert pd.to_numeric(pd.Series(wrong["value"]), errors="coerce").isna().all()
    assert set(by_defect["missing_required"]["column"]) == {"closing_date", "nace", "model"}
    # Rows without a defect are written untouched; only "other_spelling" rows stay valid.
    touched = accounts_log["row"].to_numpy() - 1
    untouched = np.setdiff1d(np.arange(n), touched)
    expected = _raw_of_frame(tiny.accounts).iloc[untouched].reset_index(drop=True)
    pd.testing.assert_frame_equal(raw.iloc[untouched].reset_index(drop=True), expected)
    assert set(accounts_log.loc[~accounts_log["rejected"], "defect"]) == {"other_spelling"}
    assert accounts_log.loc[accounts_log["rejected"], "row"].nunique() == (
        len(accounts_log) - counts["other_spelling"])


def _raw_of_frame(frame: pd.DataFrame) -> pd.DataFrame:
    text = frame.astype(object).where(frame.notna(), "")
    return text.map(lambda v: v if isinstance(v, str) else "%.15g" % v)


def test_defects_in_the_long_layout_point_at_long_rows(tiny, tmp_path):
    rates = {"bad_check_digit": 0.01, "negative_employment": 0.01, "wrong_type": 0.01,
             "duplicate_filing": 0.01, "missing_required": 0.01}
    for fmt in ("csv", "parquet"):
        paths = write_raw_files(tiny, tmp_path / fmt, accounts_format=fmt,
                                accounts_layout="long", defects=rates, seed=2)
        log = read_defect_log(paths["defects"])
        raw = _raw(paths["accounts"])
        _check_logged_cells(raw, log[log["kind"] == "accounts"])
        negative = log[log["defect"] == "negative_employment"]
        assert set(raw.iloc[negative["row"] - 1]["rubric"]) <= {"9087", "1003"}
        assert (raw.iloc[negative["row"] - 1]["value"].astype(float) < 0).all()
        # A bad number is repeated on every rubric row of its filing.
        bad = log[(log["kind"] == "accounts") & (log["defect"] == "bad_check_digit")]
        assert bad["filing"].nunique() == max(1, round(0.01 * len(tiny.accounts)))
        assert len(bad) > bad["filing"].nunique()
        assert len(bad) == raw["enterprise_number"].isin(set(bad["value"])).sum()


def test_membership_defects_and_excel_title_row(tiny, tmp_path):
    paths = write_raw_files(tiny, tmp_path, membership_format="xlsx",
                            defects={**MEMBER_RATES, "extra_header_row": 1.0}, seed=5)
    log = read_defect_log(paths["defects"])
    members_log = log[log["kind"] == "membership"]
    n = len(tiny.membership)
    counts = members_log["defect"].value_counts()
    for defect, rate in MEMBER_RATES.items():
        assert counts[defect] == max(1, round(rate * n))
    assert counts["extra_header_row"] == 1
    title = pd.read_excel(paths["membership"], header=None, dtype=str).iloc[0, 0]
    assert title == EXCEL_TITLE
    raw = pd.read_excel(paths["membership"], header=1, dtype=str).fillna("")
    assert len(raw) == n
    _check_logged_cells(raw, members_log[members_log["defect"] != "extra_header_row"])
    leave = members_log[members_log["defect"] == "leave_before_join"]
    rows = raw.iloc[leave["row"] - 1]
    assert (pd.to_datetime(rows["leave_date"]) < pd.to_datetime(rows["join_date"])).all()


def test_semicolon_latin1_file_with_defects_is_consistent(tiny, tmp_path):
    paths = write_raw_files(tiny, tmp_path, separator=";", decimal=",", encoding="latin-1",
                            defects={"wrong_type": 0.02, "negative_employment": 0.02}, seed=9)
    raw = _raw(paths["accounts"], sep=";", encoding="latin-1")
    log = read_defect_log(paths["defects"])
    negative = log[log["defect"] == "negative_employment"]
    assert raw.iloc[negative["row"] - 1]["9087"].str.startswith("-").all()
    # Amounts in a text-holding column keep the decimal comma convention (whole euro).
    wrong = log[log["defect"] == "wrong_type"]
    column = wrong["column"].iloc[0]
    others = raw[column].drop(index=wrong["row"] - 1)
    assert others[others != ""].str.fullmatch(r"-?\d+").all()


@pytest.mark.parametrize("kwargs, message", [
    ({"accounts_format": "xlsx"}, "accounts_format"),
    ({"accounts_layout": "tall"}, "accounts_layout"),
    ({"membership_format": "json"}, "membership_format"),
    ({"separator": ",", "decimal": ","}, "separator"),
    ({"defects": {"typo": 0.1}}, "unknown defect"),
    ({"defects": {"wrong_type": 1.5}}, "rate"),
    ({"defects": {"extra_header_row": 1.0}}, "xlsx"),
    ({"defects": {"wrong_type": 0.6, "unknown_nace": 0.6}}, "rows"),
])
def test_bad_arguments_are_rejected(tiny, tmp_path, kwargs, message):
    with pytest.raises(SyntheticDataError, match=message):
        write_raw_files(tiny, tmp_path, **kwargs)


def test_every_defect_name_is_known():
    assert set(DEFECTS) == {"bad_check_digit", "other_spelling", "duplicate_filing",
                            "negative_employment", "unknown_nace", "missing_required",
                            "wrong_type", "leave_before_join", "extra_header_row"}


@pytest.mark.parametrize("layout", ["wide", "long"])
def test_deposit_dates_put_corrections_after_the_original(tiny, tmp_path, layout):
    paths = write_raw_files(tiny, tmp_path, accounts_layout=layout, deposit_dates=True,
                            defects={"duplicate_filing": 0.02}, seed=6)
    raw = _raw(paths["accounts"])
    assert raw.columns[-1] == "deposit_date"
    log = read_defect_log(paths["defects"])
    duplicates = log[log["defect"] == "duplicate_filing"]
    original = pd.to_datetime(raw["deposit_date"].iloc[duplicates["row"] - 1]).to_numpy()
    correction = pd.to_datetime(raw["deposit_date"].iloc[duplicates["related_row"] - 1]).to_numpy()
    assert (correction > original).all()
    lag = (pd.to_datetime(raw["deposit_date"]) - pd.to_datetime(raw["closing_date"])).dt.days
    assert lag.min() >= 90


def test_fast_and_pandas_csv_writers_agree_byte_for_byte(tiny, tmp_path):
    # UTF-8 with a decimal point goes through Arrow; ASCII through pandas.
    fast = write_raw_files(tiny, tmp_path / "fast", defects={"wrong_type": 0.01}, seed=1)
    slow = write_raw_files(tiny, tmp_path / "slow", encoding="ascii",
                           defects={"wrong_type": 0.01}, seed=1)
    for kind in ("accounts", "membership", "deflators"):
        assert fast[kind].read_bytes() == slow[kind].read_bytes(), kind
