"""The real readers on the demo generator's raw files, with every known defect injected.

The generator logs each defect with the data row it hit and whether a correct reader
must reject that row; the quarantine must match the log exactly (wide layout) or
reject exactly the logged filings (long layout, where one bad rubric row rejects its
whole filing).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

import data_contracts as dc

from data_contracts import synthetic
from data_contracts.synthetic import defects as defects_module
from data_contracts.synthetic import writers

ACCOUNT_RATES = {name: 0.01 for name in defects_module.ACCOUNT_DEFECTS}
MEMBER_RATES = {"bad_check_digit": 0.05, "other_spelling": 0.05, "missing_required": 0.05,
                "leave_before_join": 0.05}
EXPECTED_RULE = {
    "bad_check_digit": {"enterprise_number_checksum"},
    "duplicate_filing": {"superseded_filing"},
    "negative_employment": {"negative_value"},
    "unknown_nace": {"nace_unknown_division"},
    "missing_required": {"required_missing"},
    "wrong_type": {"not_a_number"},
    "leave_before_join": {"leave_before_join"},
}


@pytest.fixture(scope="module")
def population():  # type: ignore[no-untyped-def]
    return synthetic.simulate_population(dataclasses.replace(synthetic.DEMO, n_firms=400, seed=5))


def _check_wide(result: dc.IngestResult, log: pd.DataFrame) -> None:
    r = result.report
    assert r.rows_read == r.rows_accepted + r.rows_rejected
    must_reject = log[log["rejected"].astype(bool)]
    got = result.rejected
    assert set(got["row"]) == set(must_reject["row"])
    for row in must_reject.itertuples(index=False):
        records = got[got["row"] == row.row]
        rules = set(records["rule"])
        assert rules & EXPECTED_RULE[row.defect], (row, records)
        if row.defect != "duplicate_filing":
            assert row.column in set(records["column"]), (row, records)
    # Respelled enterprise numbers are accepted and normalised.
    respelled = log[log["defect"] == "other_spelling"]["row"]
    assert set(respelled) <= set(result.accepted.index) | set(got["row"])
    assert result.accepted["enterprise_number"].str.match(r"^[01]\d{3}\.\d{3}\.\d{3}$").all()


@pytest.mark.parametrize(("options", "membership_format"), [
    ({}, "csv"),
    ({"separator": ";", "decimal": ",", "encoding": "latin-1"}, "xlsx"),
    ({"accounts_format": "parquet", "deposit_dates": True}, "parquet"),
])
def test_wide_files_with_defects_match_the_defect_log(population, tmp_path: Path, options, membership_format) -> None:  # type: ignore[no-untyped-def]
    rates = {**ACCOUNT_RATES, **MEMBER_RATES}  # shared names: the membership rate applies to both files
    if membership_format == "xlsx":
        rates["extra_header_row"] = 1.0
    paths = writers.write_raw_files(population, tmp_path, defects=rates, seed=3,
                                    membership_format=membership_format, **options)
    log = writers.read_defect_log(paths["defects"])
    accounts = dc.read_accounts(paths["accounts"])
    _check_wide(accounts, log[log["kind"] == "accounts"])
    membership = dc.read_membership(paths["membership"])
    _check_wide(membership, log[(log["kind"] == "membership") & (log["row"] > 0)])
    if membership_format == "xlsx":
        assert membership.report.header_line == 2
    deflators = dc.read_deflators(paths["deflators"])
    assert deflators.report.rows_rejected == 0
    if options.get("separator") == ";":
        # Latin-1 text without accented letters is byte-identical to UTF-8.
        encoding = "utf-8" if paths["accounts"].read_bytes().isascii() else "latin-1"
        assert (accounts.report.delimiter, accounts.report.decimal, accounts.report.encoding) == (";", ",", encoding)
    # The clean rows give the same panel inputs as the clean population.
    clean = dc.read_accounts(writers.write_raw_files(population, tmp_path / "clean")["accounts"]).accepted
    key = ["enterprise_number", "year"]
    merged = accounts.accepted.merge(clean, on=key, suffixes=("", "_clean"))
    assert len(merged) == len(accounts.accepted)  # every accepted filing is a real one
    unchanged = ~merged["enterprise_number"].isin(
        accounts.accepted.loc[accounts.accepted.index.isin(log.loc[log["defect"] == "duplicate_filing", "related_row"]),
                              "enterprise_number"])
    pd.testing.assert_series_equal(merged.loc[unchanged, "22/27"], merged.loc[unchanged, "22/27_clean"],
                                   check_names=False)


def test_long_files_with_defects_reject_exactly_the_logged_filings(population, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    paths = writers.write_raw_files(population, tmp_path, defects=ACCOUNT_RATES, seed=4, accounts_layout="long")
    log = writers.read_defect_log(paths["defects"])
    log = log[log["kind"] == "accounts"]
    result = dc.read_accounts(paths["accounts"])
    r = result.report
    assert r.layout == "long" and r.rows_read == r.rows_accepted + r.rows_rejected
    bad_rows = log.loc[log["rejected"].astype(bool), "row"]
    assert set(bad_rows) <= set(result.rejected["row"])
    wide = dc.read_accounts(writers.write_raw_files(population, tmp_path / "wide", defects=ACCOUNT_RATES,
                                                    seed=4)["accounts"])
    # Same filings survive in both layouts.
    key = ["enterprise_number", "year"]
    pd.testing.assert_frame_equal(
        result.accepted.sort_values(key).reset_index(drop=True),
        wide.accepted.sort_values(key).reset_index(drop=True))
