"""The shipped NACE-BEL 2008 division list and code normalisation."""

from __future__ import annotations

import pandas as pd
import pytest

from data_contracts import NACE_CODES_SCHEMA, nace_divisions, normalise_nace_codes
from data_contracts.nace import RULE_FORMAT, RULE_UNKNOWN_DIVISION, division_section


def test_division_list_is_the_official_88_divisions_and_satisfies_its_contract() -> None:
    table = nace_divisions()
    NACE_CODES_SCHEMA.validate(table)
    assert len(table) == 88
    assert table["division"].is_unique
    # Gaps of NACE Rev. 2: no division 04, 34, 40, 44, 48, 54, 57, 67, 76, 83, 89.
    for missing in ("04", "34", "40", "44", "48", "54", "57", "67", "76", "83", "89"):
        assert missing not in set(table["division"])
    sections = division_section(pd.Series(["01", "10", "33", "64", "70", "84", "97", "99"]))
    assert sections.tolist() == ["A", "C", "C", "K", "M", "O", "T", "U"]
    assert table.groupby("section").size().to_dict()["C"] == 24


@pytest.mark.parametrize(("raw", "canonical"), [
    ("62.010", "62.010"), ("62010", "62.010"), (" 46.900 ", "46.900"), ("1.110", "01.110"),
    ("01.110", "01.110"),
])
def test_accepted_spellings(raw: str, canonical: str) -> None:
    out, rule = normalise_nace_codes(pd.Series([raw]))
    assert out.iloc[0] == canonical and rule.iloc[0] is None


@pytest.mark.parametrize(("raw", "rule"), [
    ("04.100", RULE_UNKNOWN_DIVISION), ("00.000", RULE_UNKNOWN_DIVISION), ("89.999", RULE_UNKNOWN_DIVISION),
    ("6201", RULE_FORMAT), ("62.01", RULE_FORMAT), ("62.0100", RULE_FORMAT), ("C62", RULE_FORMAT),
    ("abc", RULE_FORMAT),
])
def test_rejected_codes(raw: str, rule: str) -> None:
    out, got = normalise_nace_codes(pd.Series([raw]))
    assert out.iloc[0] is None and got.iloc[0] == rule


def test_missing_code_is_not_a_format_rule() -> None:
    out, rule = normalise_nace_codes(pd.Series(["", None], dtype=object))
    assert out.isna().all() and rule.isna().all()
