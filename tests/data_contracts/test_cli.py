"""``cluster-impact validate`` beyond the corpus: help, options, output files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cluster_impact.cli import main

from contracts_testkit import FIXTURES, wide_accounts, write_csv


def test_help_lists_validate(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0
    assert "validate" in capsys.readouterr().out


def test_validate_accounts_with_non_annual_rejection(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = wide_accounts(n_firms=1, years=(2020, 2021))
    raw.loc[1, "months"] = "18"
    path = write_csv(raw, tmp_path / "a.csv")
    out = tmp_path / "r.json"
    assert main(["validate", str(path), "--kind", "accounts", "--non-annual", "reject", "--json", str(out)]) == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["rejections"] == [{"row": 2, "column": "months", "rule": "non_annual_period", "value": "18"}]
    assert "non_annual_period [months] x1: row 2: '18'" in capsys.readouterr().out


def test_validate_excel_sheet_by_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = FIXTURES / "membership_extra_header_row.xlsx"
    assert main(["validate", str(path), "--kind", "membership", "--sheet", "Leden"]) == 0
    assert "rows read 4, accepted 3, rejected 1" in capsys.readouterr().out
    assert main(["validate", str(path), "--kind", "membership", "--sheet", "Missing"]) == 1
    assert "unusable file" in capsys.readouterr().err


def test_unwritable_json_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(wide_accounts(n_firms=1), tmp_path / "a.csv")
    code = main(["validate", str(path), "--kind", "accounts", "--json", str(tmp_path / "no" / "r.json")])
    assert code == 1 and "cannot write" in capsys.readouterr().err


def test_json_dash_writes_the_report_to_standard_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(wide_accounts(n_firms=1, years=(2020, 2021)), tmp_path / "a.csv")
    assert main(["validate", str(path), "--kind", "accounts", "--json", "-"]) == 0
    document = json.loads(capsys.readouterr().out)  # only the JSON: the text report is not printed
    assert document["usable"] is True and document["rows_read"] == 2
    assert main(["validate", str(tmp_path / "missing.csv"), "--kind", "accounts", "--json", "-"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["usable"] is False and "unusable file" in captured.err
