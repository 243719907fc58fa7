"""Reader behaviour beyond the corpus: dialects, layouts, corrections, periods, reports."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import data_contracts as dc
from data_contracts import layouts

from contracts_testkit import valid_number, wide_accounts, write_csv


def test_canonical_csv_reads_cleanly(tmp_path: Path) -> None:
    raw = wide_accounts(n_firms=5)
    result = dc.read_accounts(write_csv(raw, tmp_path / "a.csv"))
    r = result.report
    assert (r.rows_read, r.rows_accepted, r.rows_rejected) == (15, 15, 0)
    assert (r.encoding, r.delimiter, r.decimal, r.layout) == ("utf-8", ",", ".", "wide")
    a = result.accepted
    assert list(a.columns) == [c.name for c in dc.ACCOUNTS_COLUMNS]
    assert a.index.name == "row" and a.index.tolist() == list(range(1, 16))
    dc.ACCOUNTS_SCHEMA.validate(a)
    assert result.rejected.empty and list(result.rejected.columns) == list(dc.REJECTED_COLUMNS)


@pytest.mark.parametrize(("sep", "decimal", "encoding"), [
    (";", ",", "latin-1"), (";", ".", "utf-8"), ("\t", ".", "utf-8"), (",", ".", "utf-8-sig"),
])
def test_dialects_are_detected_and_give_the_same_frame(tmp_path: Path, sep: str, decimal: str, encoding: str) -> None:
    raw = wide_accounts()
    raw.loc[0, "9087"] = "12.75"  # a fraction, so the decimal mark matters
    reference = dc.read_accounts(write_csv(raw, tmp_path / "ref.csv")).accepted
    result = dc.read_accounts(write_csv(raw, tmp_path / "x.csv", sep=sep, decimal=decimal, encoding=encoding))
    pd.testing.assert_frame_equal(result.accepted, reference)
    assert result.report.delimiter == sep and result.report.decimal == decimal
    assert result.report.encoding == ("utf-8" if encoding == "utf-8-sig" else "utf-8")


def test_long_layout_equals_wide(tmp_path: Path) -> None:
    raw = wide_accounts()
    wide = dc.read_accounts(write_csv(raw, tmp_path / "w.csv")).accepted
    long = raw.melt(id_vars=list(layouts.ACCOUNT_ID_COLUMNS), var_name="rubric", value_name="value",
                    ignore_index=False)
    long = long[long["value"] != ""].reset_index().sort_values("index", kind="stable").drop(columns="index")
    result = dc.read_accounts(write_csv(long, tmp_path / "l.csv"))
    assert result.report.layout == "long" and result.report.rows_read == len(long)
    assert result.report.records_accepted == len(raw)
    pd.testing.assert_frame_equal(result.accepted.reset_index(drop=True), wide.reset_index(drop=True))


def test_long_layout_quarantines_a_whole_filing_with_one_bad_rubric(tmp_path: Path) -> None:
    number = valid_number(4_031_707)
    head = f"{number},2020-12-31,12,full,62.010,VLG,0"
    lines = ["enterprise_number,closing_date,months,model,nace,region,foreign_owned,rubric,value",
             f"{head},70,1000", f"{head},60,x", f"{head},22/27,50",
             f"{number},2021-12-31,12,full,62.010,VLG,0,70,1100",
             f"{number},2021-12-31,12,full,62.010,VLG,0,999,5",
             f"{number},2022-12-31,12,full,62.010,VLG,0,70,1",
             f"{number},2022-12-31,12,full,62.010,VLG,0,70,2",
             f"{number},2022-12-31,12,full,46.900,VLG,0,22/27,7",
             f"{number},2023-12-31,12,full,62.010,VLG,0,70,5",
             f"{number},2023-12-31,12,full,62.010,VLG,0,70,6"]
    path = tmp_path / "l.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = dc.read_accounts(path)
    got = {(r, c, rule) for r, c, rule in result.rejected[["row", "column", "rule"]].itertuples(index=False)}
    assert got == {
        (1, "rubric", "filing_has_rejected_row"), (2, "value", "not_a_number"),
        (3, "rubric", "filing_has_rejected_row"),
        (4, "rubric", "filing_has_rejected_row"), (5, "rubric", "rubric_unknown"),
        (6, "rubric", "duplicate_rubric"),  # a row may carry several records
        (6, "nace", "inconsistent_filing_attributes"), (7, "nace", "inconsistent_filing_attributes"),
        (8, "nace", "inconsistent_filing_attributes"),
        (9, "rubric", "duplicate_rubric"),
    }
    assert result.accepted["year"].tolist() == [2023] and result.accepted["70"].tolist() == [6.0]
    assert result.report.rows_accepted == 1 and result.report.rows_rejected == 9


def test_non_annual_periods_annualise_flag_or_reject(tmp_path: Path) -> None:
    raw = wide_accounts(n_firms=1, years=(2020,))
    raw.loc[0, ["months", "70", "62", "22/27", "9087"]] = ["6", "500000", "100000", "300000", "4.5"]
    path = write_csv(raw, tmp_path / "a.csv")
    annualised = dc.read_accounts(path).accepted.iloc[0]
    assert annualised["annualised"] and annualised["70"] == 1_000_000 and annualised["62"] == 200_000
    assert annualised["22/27"] == 300_000 and annualised["9087"] == 4.5  # stocks and averages unscaled
    flagged = dc.read_accounts(path, non_annual="flag").accepted.iloc[0]
    assert not flagged["annualised"] and flagged["70"] == 500_000 and flagged["months"] == 6
    rejected = dc.read_accounts(path, non_annual="reject")
    assert rejected.accepted.empty
    assert rejected.rejected[["column", "rule"]].values.tolist() == [["months", "non_annual_period"]]
    with pytest.raises(dc.DataContractError, match="non_annual"):
        dc.read_accounts(path, non_annual="ignore")  # type: ignore[arg-type]


def test_accounting_year_rules() -> None:
    dates = np.array(["2020-12-31", "2020-03-31", "2020-06-30", "2021-03-31"], dtype="datetime64[ns]")
    months = np.array([12, 12, 12, 3])
    assert dc.accounting_year(dates, months).tolist() == [2020, 2020, 2020, 2021]
    assert dc.accounting_year(dates, months, "majority").tolist() == [2020, 2019, 2020, 2021]
    with pytest.raises(dc.DataContractError):
        dc.accounting_year(dates, months, "fiscal")  # type: ignore[arg-type]


def test_corrections_follow_deposit_date_when_present(tmp_path: Path) -> None:
    raw = wide_accounts(n_firms=1, years=(2020,))
    raw = pd.concat([raw, raw], ignore_index=True)
    raw["70"] = ["111", "222"]
    raw["deposit_date"] = ["2021-07-30", "2021-05-01"]  # the first row was deposited last
    result = dc.read_accounts(write_csv(raw, tmp_path / "a.csv"))
    assert result.accepted.index.tolist() == [1] and result.accepted["70"].iloc[0] == 111
    assert result.rejected["rule"].tolist() == ["superseded_filing"]
    assert any("deposit_date" in note for note in result.report.notes)
    assert "deposit_date" in result.report.extra_columns


def test_extra_columns_are_kept_aside_and_header_may_follow_title_lines(tmp_path: Path) -> None:
    raw = wide_accounts(n_firms=2)
    raw["source_system"] = "Bel-first"
    path = tmp_path / "a.csv"
    path.write_text("Export Bel-first 2024\n\n" + raw.to_csv(index=False), encoding="utf-8")
    result = dc.read_accounts(path)
    assert result.report.header_line == 3 and result.report.rows_read == len(raw)
    assert result.report.extra_columns == ("source_system",)
    assert result.extra["source_system"].eq("Bel-first").all() and result.extra.index.name == "row"


def test_absent_rubric_columns_are_not_reported_values(tmp_path: Path) -> None:
    raw = wide_accounts(n_firms=2).drop(columns=["9901", "20/58"])
    result = dc.read_accounts(write_csv(raw, tmp_path / "a.csv"))
    assert result.report.absent_optional_columns == ("9901", "20/58")
    assert result.accepted["9901"].isna().all() and result.report.rows_rejected == 0


def test_blank_lines_are_not_rows_and_malformed_rows_keep_numbering(tmp_path: Path) -> None:
    raw = wide_accounts(n_firms=1, years=(2019, 2020, 2021))
    lines = raw.to_csv(index=False).splitlines()
    lines.insert(2, "")                       # blank line after data row 1
    lines[3] = lines[3] + ",surplus"          # data row 2 has one field too many
    path = tmp_path / "a.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = dc.read_accounts(path)
    assert result.report.rows_read == 3
    assert result.rejected[["row", "rule"]].values.tolist() == [[2, "wrong_field_count"]]
    assert result.accepted.index.tolist() == [1, 3]


def test_parquet_and_excel_accounts(tmp_path: Path) -> None:
    raw = wide_accounts(n_firms=3)
    reference = dc.read_accounts(write_csv(raw, tmp_path / "a.csv")).accepted
    raw.to_parquet(tmp_path / "a.parquet", index=False)
    raw.to_excel(tmp_path / "a.xlsx", index=False)
    for name in ("a.parquet", "a.xlsx"):
        result = dc.read_accounts(tmp_path / name)
        pd.testing.assert_frame_equal(result.accepted, reference)
        assert result.report.file_format == name.split(".")[1]


def test_corrupt_binary_files_are_unusable(tmp_path: Path) -> None:
    for name in ("x.parquet", "x.xlsx"):
        (tmp_path / name).write_bytes(b"not really " + name.encode())
        with pytest.raises(dc.UnusableFileError, match="cannot read"):
            dc.read_membership(tmp_path / name)


def test_membership_aliases_and_rules(tmp_path: Path) -> None:
    a, b = valid_number(4_031_707), valid_number(2_022_399)
    path = tmp_path / "m.csv"
    path.write_text("\n".join([
        "Cluster;Enterprise Number;Member Type;Join Date;Leave Date",
        f"flanders food;BE{a.replace('.', '')};Bedrijf;01/03/2018;",
        f"De Blauwe Cluster;{b};kennisinstelling;2019-01-01;2019-01-01",
        f"Unknown Cluster;{b};company;2019-01-01;",
        f"VIL;{b};partner;2019-01-01;",
        f"VIL;{b};company;2016-05-01;",
        f"SIM;{b};company;31.12.2024;",
    ]) + "\n", encoding="utf-8")
    result = dc.read_membership(path)
    m = result.accepted
    assert m["cluster"].tolist() == ["Flanders' FOOD", "De Blauwe Cluster", "VIL", "SIM"]
    assert m["member_type"].tolist() == ["company", "knowledge institution", "company", "company"]
    got = {(r, c, rule) for r, c, rule in result.rejected[["row", "column", "rule"]].itertuples(index=False)}
    assert got == {(3, "cluster", "not_allowed_value"), (4, "member_type", "not_allowed_value")}
    notes = " ".join(result.report.notes)
    assert "1 spell(s) join before" in notes and "1 spell(s) join after" in notes


def test_deflators_rescale_and_ranges(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("\n".join([
        "nace2,year,va,output,intermediate,investment,base_year,source",
        "C10-C12,2015,1.0,1.0,1.0,1.0,2015,NBB", "C10-C12,2016,1.1,1.0,1.0,1.2,2015,NBB",
        "11,2016,2.0,,,,2015,NBB",
    ]) + "\n", encoding="utf-8")
    result = dc.read_deflators(path)
    assert result.accepted["nace2"].tolist() == ["10-12", "10-12", "11"]
    from data_contracts.panel import deflator_factors

    factors = deflator_factors(result.accepted).set_index(["nace2", "year"])
    assert factors.loc[("10", 2016), "va"] == pytest.approx(1.1)      # base-1 index rescaled
    assert factors.loc[("12", 2016), "investment"] == pytest.approx(1.2)
    assert factors.loc[("11", 2016), "va"] == pytest.approx(0.02)     # own row wins; no base row: base 100
    assert any("without a base-year row" in n for n in result.report.notes)


def test_report_reconciliation_is_enforced() -> None:
    with pytest.raises(dc.DataContractError, match="reconciliation"):
        dc.IngestReport(file="f", kind="accounts", file_format="csv", rows_read=3, rows_accepted=1, rows_rejected=1)


def test_result_is_immutable_and_tabulates(tmp_path: Path) -> None:
    import dataclasses

    result = dc.read_accounts(write_csv(wide_accounts(n_firms=2), tmp_path / "a.csv"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.accepted = None  # type: ignore[misc]
    frame = result.to_frame()
    assert len(frame) == 1 and frame.loc[0, "rows_read"] == 6 and frame.loc[0, "kind"] == "accounts"
    assert "rows read 6, accepted 6, rejected 0" in result.summary()


@pytest.mark.parametrize(("cells", "decimal", "expected"), [
    (["1.234.567,89", "12,5", "7"], ",", [1234567.89, 12.5, 7.0]),
    (["1,234,567.89", "12.5", "7"], ".", [1234567.89, 12.5, 7.0]),
    (["1.234,5", "1.000", "3,25"], ",", [1234.5, 1000.0, 3.25]),
])
def test_thousands_separators_and_decimal_detection(tmp_path: Path, cells: list[str], decimal: str,
                                                    expected: list[float]) -> None:
    raw = wide_accounts(n_firms=1)
    raw["70"] = cells
    raw[["9087", "1003"]] = "12"  # no other fractional cell in the file
    path = tmp_path / "a.csv"
    raw.to_csv(path, sep=";", index=False)
    result = dc.read_accounts(path)
    assert result.report.decimal == decimal and result.report.rows_rejected == 0
    assert result.accepted["70"].tolist() == expected
