"""The committed bad-input corpus: each defect gives a clear error or the right quarantine."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import data_contracts as dc
from cluster_impact.cli import main

from contracts_testkit import FIXTURES

READERS = {"accounts": dc.read_accounts, "membership": dc.read_membership, "deflators": dc.read_deflators}


def _kind(path: Path) -> str:
    return path.name.split("_", 1)[0]


def _rejections(result: dc.IngestResult) -> set[tuple[int, str, str]]:
    return {(int(r), c, rule) for r, c, rule in result.rejected[["row", "column", "rule"]].itertuples(index=False)}


def _reconciles(result: dc.IngestResult) -> None:
    r = result.report
    assert r.rows_read == r.rows_accepted + r.rows_rejected
    assert r.rows_rejected == result.rejected["row"].nunique()
    assert set(result.rejected["file"]) <= {r.file}
    assert set(result.rejected["rule"]) <= set(dc.RULES)


CASES: dict[str, set[tuple[int, str, str]]] = {
    "accounts_wrong_type.csv": {(2, "months", "not_an_integer"), (3, "70", "not_a_number")},
    "accounts_bad_check_digits.csv": {(2, "enterprise_number", "enterprise_number_checksum"),
                                      (3, "enterprise_number", "enterprise_number_establishment_unit")},
    "accounts_duplicated_firm_year.csv": {(1, "closing_date", "superseded_filing")},
    "accounts_negative_employment.csv": {(2, "9087", "negative_value"), (4, "1003", "negative_value")},
    "accounts_unknown_nace.csv": {(1, "nace", "nace_unknown_division"), (2, "nace", "nace_format")},
    "accounts_latin1_semicolon_decimal_comma.csv": set(),
    "accounts_truncated.csv": {(3, "region", "wrong_field_count")},
    "membership_leave_before_join.csv": {(2, "leave_date", "leave_before_join")},
    "membership_extra_header_row.xlsx": {(4, "enterprise_number", "enterprise_number_checksum")},
    "deflators_bad.csv": {(2, "va", "below_minimum"), (3, "nace2", "bad_format"),
                          (1, "year", "duplicate_industry_year")},
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_quarantine_of_each_defect(name: str) -> None:
    path = FIXTURES / name
    result = READERS[_kind(path)](path)
    assert _rejections(result) == CASES[name]
    _reconciles(result)
    # Every record names the file, a data row, a column, a rule and the value as written.
    assert result.rejected["column"].notna().all()
    assert result.rejected["value"].notna().all()


UNUSABLE = {
    "accounts_missing_required_column.csv": "required column(s) missing: nace",
    "accounts_empty.csv": "file is empty",
    "accounts_header_only.csv": "no data rows",
}


@pytest.mark.parametrize("name", sorted(UNUSABLE))
def test_unusable_files_raise_one_clear_error(name: str) -> None:
    path = FIXTURES / name
    with pytest.raises(dc.UnusableFileError) as info:
        dc.read_accounts(path)
    message = str(info.value)
    assert UNUSABLE[name] in message and str(path) in message
    assert "\n" not in message
    assert isinstance(info.value, ValueError)


def test_latin1_semicolon_decimal_comma_is_detected_and_parsed() -> None:
    result = dc.read_accounts(FIXTURES / "accounts_latin1_semicolon_decimal_comma.csv")
    r = result.report
    assert (r.encoding, r.delimiter, r.decimal) == ("latin-1", ";", ",")
    assert r.rows_accepted == 3 and r.extra_columns == ("name",)
    a = result.accepted
    assert a["enterprise_number"].tolist() == ["0403.170.701", "0202.239.951", "0417.497.106"]
    assert a["70"].iloc[0] == pytest.approx(1234567.89)
    assert a["74"].iloc[0] == pytest.approx(20000.5)
    assert a["9900"].iloc[1] == pytest.approx(350000.25)
    assert a["nace"].tolist() == ["62.010", "10.710", "46.900"]
    assert a["region"].tolist() == ["VLG", "VLG", "WAL"]
    assert (a["closing_date"] == pd.Timestamp("2020-12-31")).all()
    assert result.extra["name"].tolist() == ["Brasserie Dupré & Fils", "Société Générale de Bière", "Ça Va Crêpes"]


def test_correction_keeps_the_later_deposit() -> None:
    result = dc.read_accounts(FIXTURES / "accounts_duplicated_firm_year.csv")
    a = result.accepted
    kept = a[(a["enterprise_number"] == "0403.170.701") & (a["year"] == 2020)]
    assert kept.index.tolist() == [3] and kept["70"].iloc[0] == 1_100_000
    assert "superseded by row 3" in result.rejected["value"].iloc[0]


def test_excel_header_below_a_title_row() -> None:
    result = dc.read_membership(FIXTURES / "membership_extra_header_row.xlsx")
    assert result.report.header_line == 2 and result.report.file_format == "xlsx"
    m = result.accepted
    assert m["enterprise_number"].tolist() == ["0403.170.701", "0202.239.951", "0417.497.106"]
    assert m["cluster"].tolist() == ["Catalisti", "Flanders' FOOD", "SIM"]
    assert m["join_date"].tolist() == [pd.Timestamp("2018-03-01"), pd.Timestamp("2019-01-10"), pd.Timestamp("2017-05-01")]
    assert m["leave_date"].isna().tolist() == [True, False, True]


@pytest.mark.parametrize("name", sorted(CASES) + sorted(UNUSABLE))
def test_validate_cli_on_the_corpus(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = FIXTURES / name
    out = tmp_path / "report.json"
    code = main(["validate", str(path), "--kind", _kind(path), "--json", str(out)])
    captured = capsys.readouterr()
    document = json.loads(out.read_text(encoding="utf-8"))
    assert set(document) >= {"file", "kind", "usable", "encoding", "delimiter", "rows_read",
                             "rows_accepted", "rows_rejected", "rejections"}
    if name in UNUSABLE:
        assert code != 0 and document["usable"] is False
        assert captured.err.count("\n") == 1 and UNUSABLE[name] in captured.err
        assert "Traceback" not in captured.err
    else:
        assert code == 0 and document["usable"] is True
        assert document["rows_read"] == document["rows_accepted"] + document["rows_rejected"]
        got = {(r["row"], r["column"], r["rule"]) for r in document["rejections"]}
        assert got == CASES[name]
        assert all(isinstance(r["row"], int) and r["row"] >= 1 for r in document["rejections"])
        assert f"rows read {document['rows_read']}" in captured.out
        for rule in {rule for _, _, rule in CASES[name]}:
            assert rule in captured.out


def test_corpus_is_complete() -> None:
    files = {p.name for p in FIXTURES.iterdir() if p.suffix in (".csv", ".xlsx")}
    assert files == set(CASES) | set(UNUSABLE)
    assert np.all([(FIXTURES / f).stat().st_size < 10_000 for f in files])
