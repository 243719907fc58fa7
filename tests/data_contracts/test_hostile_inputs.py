"""Issue 12, "bad input found late or not at all": each attack reproduced, and its rule.

Impossible dates, implausible magnitudes, files that are not CSV, overlong records,
huge messages, derived values shown as written, repeated membership spells.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import data_contracts as dc
from data_contracts import tabular
from data_contracts.errors import MAX_MESSAGE_CHARS, cap_message
from data_contracts.parsing import parse_dates

from contracts_testkit import valid_number, wide_accounts, write_csv


def _rejections(result: dc.IngestResult) -> set[tuple[int, str, str]]:
    return {(int(r), c, rule) for r, c, rule in result.rejected[["row", "column", "rule"]].itertuples(index=False)}


# --- item 7: impossible dates are rejected, never rolled over -----------------------------------

def test_parse_dates_tells_impossible_days_from_unreadable_text() -> None:
    cells = ["2019-02-31", "31/02/2019", "31.04.2019", "29-02-2019", "2019-02-31T10:00:00",
             "29/02/2020", "2019-12-31", "31-12-2019", "2019-13-01", "yesterday", None]
    values, rule = parse_dates(pa.chunked_array([pa.array(cells)]))
    assert rule.tolist() == ["impossible_date"] * 5 + [None] * 3 + ["not_a_date"] * 2 + [None]
    assert pd.isna(values[:5]).all() and pd.isna(values[8:]).all()
    assert [str(v)[:10] for v in values[5:8]] == ["2020-02-29", "2019-12-31", "2019-12-31"]


@pytest.mark.parametrize("bad", ["2019-02-31", "31/02/2019"])
def test_impossible_closing_date_does_not_supersede_the_genuine_filing(tmp_path: Path, bad: str) -> None:
    # The attack: a later row for the same firm with 31 February used to roll over to
    # 3 March 2019, land in accounting year 2019 and, being further down the file,
    # replace the genuine 2019-12-31 filing (whose data were lost).
    frame = wide_accounts(n_firms=2, years=(2019,))
    attack = frame.iloc[[0]].assign(closing_date=bad, **{"70": "1"})
    path = write_csv(pd.concat([frame, attack], ignore_index=True), tmp_path / "accounts.csv")
    result = dc.read_accounts(path)
    assert _rejections(result) == {(3, "closing_date", "impossible_date")}  # one record, not also a year
    assert result.rejected["value"].tolist() == [bad]
    genuine = result.accepted.loc[1]
    assert genuine["closing_date"] == pd.Timestamp("2019-12-31") and genuine["70"] == float(frame.loc[0, "70"])
    assert "impossible_date" in dc.RULES


def test_impossible_deposit_date_is_quarantined_not_sorted_last(tmp_path: Path) -> None:
    frame = wide_accounts(n_firms=1, years=(2019,))
    frame = pd.concat([frame, frame], ignore_index=True)
    frame["deposit_date"] = ["2020-03-01", "2020-02-31"]
    result = dc.read_accounts(write_csv(frame, tmp_path / "accounts.csv"))
    assert _rejections(result) == {(2, "deposit_date", "impossible_date")}
    assert result.accepted.index.tolist() == [1]


def test_impossible_join_and_leave_dates_are_quarantined(tmp_path: Path) -> None:
    a, b = valid_number(1_234_567), valid_number(7_654_321)
    rows = [("VIL", a, "company", "2019-02-31", ""), ("SIM", b, "company", "2019-01-01", "31/02/2019"),
            ("SIM", a, "company", "2019-01-01", "")]
    path = tmp_path / "membership.csv"
    pd.DataFrame(rows, columns=list(dc.MEMBERSHIP_SCHEMA.columns)).to_csv(path, index=False)
    result = dc.read_membership(path)
    assert _rejections(result) == {(1, "join_date", "impossible_date"), (2, "leave_date", "impossible_date")}
    assert result.accepted.index.tolist() == [3]


def test_a_derived_year_is_shown_as_the_year(tmp_path: Path) -> None:
    frame = wide_accounts(n_firms=1, years=(2019,)).assign(closing_date="1850-12-31")
    result = dc.read_accounts(write_csv(frame, tmp_path / "accounts.csv"))
    assert result.rejected[["column", "rule", "value"]].values.tolist() == [["year", "below_minimum", "1850"]]


# --- item 9: implausible magnitudes -------------------------------------------------------------

@pytest.mark.parametrize(("column", "cell", "rule"), [
    ("70", "1e308", "above_maximum"), ("70", "1e15", "above_maximum"), ("22/27", "1e309", "above_maximum"),
    ("71", "-1e15", "below_minimum"), ("1003", "2000000", "above_maximum"),
])
def test_implausible_amounts_are_rejected_wide_and_long(tmp_path: Path, column: str, cell: str, rule: str) -> None:
    frame = wide_accounts(n_firms=1, years=(2019, 2020))
    frame.loc[1, column] = cell
    wide = dc.read_accounts(write_csv(frame, tmp_path / "wide.csv"))
    assert _rejections(wide) == {(2, column, rule)}
    long = frame.melt(id_vars=list(frame.columns[:7]), var_name="rubric", value_name="value")
    long = long[long["value"] != ""].reset_index(drop=True)
    result = dc.read_accounts(write_csv(long, tmp_path / "long.csv"))
    bad_row = int(long.index[(long["rubric"] == column) & (long["value"] == cell)][0]) + 1
    assert (bad_row, "value", rule) in _rejections(result)
    assert set(result.accepted["year"]) == {2019}  # the whole 2020 filing is out


def test_an_amount_at_the_ceiling_is_accepted(tmp_path: Path) -> None:
    frame = wide_accounts(n_firms=1, years=(2019,))
    frame.loc[0, "20/58"] = "1e12"
    assert dc.read_accounts(write_csv(frame, tmp_path / "a.csv")).report.rows_rejected == 0


def test_implausible_price_index_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "deflators.csv"
    pd.DataFrame({"nace2": ["62", "62"], "year": [2019, 2020], "va": ["100", "1e308"], "output": ["100", "100"],
                  "intermediate": ["100", "100"], "investment": ["100", "1e15"], "base_year": [2019, 2019],
                  "source": ["test", "test"]}).to_csv(path, index=False)
    result = dc.read_deflators(path)
    assert _rejections(result) == {(2, "va", "above_maximum"), (2, "investment", "above_maximum")}


# --- item 12: files that are not CSV, overlong records, huge messages ---------------------------

def test_utf16_file_is_named_as_such(tmp_path: Path) -> None:
    path = write_csv(wide_accounts(1), tmp_path / "accounts.csv", encoding="utf-16")
    with pytest.raises(dc.UnusableFileError, match=r"accounts\.csv: not a CSV file: the file is UTF-16 text") as info:
        dc.read_accounts(path)
    assert "\n" not in str(info.value) and "\x00" not in str(info.value)


def test_utf16_without_bom_and_binary_files_are_named(tmp_path: Path) -> None:
    path = tmp_path / "accounts.csv"
    path.write_bytes(wide_accounts(1).to_csv(index=False).encode("utf-16-le"))
    with pytest.raises(dc.UnusableFileError, match="NUL bytes"):
        dc.read_accounts(path)


def test_xlsx_renamed_to_csv_is_named_as_a_workbook(tmp_path: Path) -> None:
    workbook = tmp_path / "accounts.xlsx"
    wide_accounts(1).to_excel(workbook, index=False)
    renamed = workbook.rename(tmp_path / "accounts.csv")
    with pytest.raises(dc.UnusableFileError, match=r"accounts\.csv: not a CSV file: the file is an Excel workbook"):
        dc.read_accounts(renamed)
    other = tmp_path / "membership.csv"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("membership.csv", "cluster\n")
    with pytest.raises(dc.UnusableFileError, match="a zip archive; extract the CSV"):
        dc.read_membership(other)


@pytest.mark.parametrize(("magic", "what"), [(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Excel workbook (.xls)"),
                                             (b"PAR1", "Parquet"), (b"\x1f\x8b\x08", "gzip")])
def test_other_binary_formats_are_named(tmp_path: Path, magic: bytes, what: str) -> None:
    path = tmp_path / "deflators.csv"
    path.write_bytes(magic + bytes(range(256)) * 4)
    with pytest.raises(dc.UnusableFileError, match=what.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        dc.read_deflators(path)


def test_a_record_longer_than_the_parser_block_names_its_row(tmp_path: Path, monkeypatch) -> None:
    # The attack used a 300 MB line against 16 MB blocks; the same at 64 KB blocks.
    monkeypatch.setattr(tabular, "CSV_BLOCK_BYTES", 1 << 16)
    frame = wide_accounts(n_firms=2, years=(2019, 2020))
    text = frame.to_csv(index=False)
    lines = text.splitlines()
    lines.insert(3, "")  # a blank line is not a row
    lines.insert(4, '0400.000.086,"' + "x" * 300_000)
    path = tmp_path / "accounts.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(dc.UnusableFileError) as info:
        dc.read_accounts(path)
    message = str(info.value)
    assert "accounts.csv: cannot parse as CSV: row 3 is 300,014 bytes long" in message
    assert len(message) <= MAX_MESSAGE_CHARS and "\n" not in message


def test_a_line_of_commas_gives_capped_values_and_messages(tmp_path: Path) -> None:
    frame = wide_accounts(n_firms=1, years=(2019,))
    path = tmp_path / "accounts.csv"
    path.write_text(frame.to_csv(index=False) + "," * 2_000_000 + "\n", encoding="utf-8")
    result = dc.read_accounts(path)
    assert _rejections(result) == {(2, "1003", "wrong_field_count")}
    value = result.rejected["value"].iloc[0]
    assert len(value) == MAX_MESSAGE_CHARS and value.endswith("…")
    assert max(len(line) for line in result.summary().splitlines()) < 2 * MAX_MESSAGE_CHARS
    # A header that is one huge line: the message quotes a little of it.
    path.write_text("x" * 2_000_000, encoding="utf-8")
    with pytest.raises(dc.UnusableFileError) as info:
        dc.read_accounts(path)
    assert "required column(s) missing" in str(info.value) and len(str(info.value)) <= MAX_MESSAGE_CHARS


def test_every_data_contract_error_is_one_capped_line() -> None:
    error = dc.UnusableFileError("a.csv: " + "bad,\n" * 100_000)
    assert len(str(error)) == MAX_MESSAGE_CHARS and "\n" not in str(error) and str(error).endswith("…")
    assert cap_message("short\n message") == "short message"


# --- item 12: a firm that joins the same cluster twice ------------------------------------------

def test_repeated_and_overlapping_spells_are_kept_with_a_note(tmp_path: Path) -> None:
    a, b = valid_number(1_234_567), valid_number(7_654_321)
    rows = [("VIL", a, "company", "2018-01-01", ""), ("VIL", a, "company", "2019-05-01", "2020-12-31"),
            ("SIM", b, "company", "2018-01-01", "2018-12-31"), ("SIM", b, "company", "2020-01-01", ""),
            ("VIL", b, "company", "2019-01-01", "")]
    path = tmp_path / "membership.csv"
    pd.DataFrame(rows, columns=list(dc.MEMBERSHIP_SCHEMA.columns)).to_csv(path, index=False)
    result = dc.read_membership(path)
    assert result.report.rows_rejected == 0
    notes = [n for n in result.report.notes if "spell(s)" in n]
    assert notes == [
        "1 spell(s) overlap an earlier spell of the same firm in the same cluster (rows 2; kept: the treatment "
        "year is the first join, and a firm counts once per cluster and year)",
        "1 spell(s) rejoin a cluster the firm had left (rows 4; kept: the treatment year is the first join, "
        "and a firm counts once per cluster and year)",
    ]
    assert a not in " ".join(notes) and b not in " ".join(notes)  # row numbers, never identifiers
    timing = dc.membership_timing(result.accepted).set_index("enterprise_number")
    assert timing.loc[a, "first_join_year"] == 2018 and bool(timing.loc[a, "still_member"])
    assert timing.loc[b, "first_join_year"] == 2018 and timing.loc[b, "n_clusters"] == 2


def test_a_single_spell_per_firm_gets_no_note(tmp_path: Path) -> None:
    rows = [("VIL", valid_number(1_234_567), "company", "2018-01-01", ""),
            ("SIM", valid_number(1_234_567), "company", "2018-01-01", "")]
    path = tmp_path / "membership.csv"
    pd.DataFrame(rows, columns=list(dc.MEMBERSHIP_SCHEMA.columns)).to_csv(path, index=False)
    assert not [n for n in dc.read_membership(path).report.notes if "spell(s)" in n]


def test_rules_vocabulary_documents_every_new_rule() -> None:
    assert {"impossible_date", "above_maximum", "below_minimum"} <= set(dc.RULES)
    assert "1e12" in dc.RULES["above_maximum"]
    assert np.isclose(dc.ACCOUNTS_SCHEMA.columns["70"].checks[1].statistics["max_value"], 1e12)
