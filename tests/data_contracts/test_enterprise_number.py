"""Enterprise-number normalisation: examples, and the vectorised path agrees with stdnum."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.be import vat

from data_contracts import InvalidEnterpriseNumber, normalise_enterprise_number, normalise_enterprise_numbers
from data_contracts.enterprise_number import (
    RULE_CHECKSUM, RULE_ESTABLISHMENT, RULE_FORMAT, RULE_MISSING,
)


@pytest.mark.parametrize("spelling", [
    "BE0403.170.701", "BE 0403.170.701", "be0403170701", "0403.170.701", "0403170701",
    "403170701", "0403 170 701", "0403-170-701", " 0403170701 ", "(0)403170701",
])
def test_every_common_spelling_becomes_canonical(spelling: str) -> None:
    assert normalise_enterprise_number(spelling) == "0403.170.701"
    canonical, rule = normalise_enterprise_numbers(pd.Series([spelling]))
    assert canonical.iloc[0] == "0403.170.701" and rule.iloc[0] is None


@pytest.mark.parametrize(("value", "rule"), [
    ("0403170702", RULE_CHECKSUM),          # mod-97 fails
    ("2123456789", RULE_ESTABLISHMENT),      # establishment unit (first digit 2-8)
    ("8123456789", RULE_ESTABLISHMENT),
    ("9403170701", RULE_FORMAT),             # first digit 9: neither enterprise nor establishment
    ("04031707", RULE_FORMAT),               # too short
    ("04031707011", RULE_FORMAT),            # too long
    ("0403I70701", RULE_FORMAT),             # letter
    ("0000000000", RULE_FORMAT),
    ("", RULE_MISSING),
    (None, RULE_MISSING),
])
def test_rejections_name_their_rule(value: object, rule: str) -> None:
    with pytest.raises(InvalidEnterpriseNumber) as info:
        normalise_enterprise_number(value)
    assert info.value.rule == rule
    assert isinstance(info.value, ValueError)
    canonical, rules = normalise_enterprise_numbers(pd.Series([value], dtype=object))
    assert canonical.iloc[0] is None and rules.iloc[0] == rule


def _scalar(value: str) -> tuple[str | None, str | None]:
    try:
        return normalise_enterprise_number(value), None
    except InvalidEnterpriseNumber as exc:
        return None, exc.rule


bodies = st.integers(min_value=1, max_value=19_999_999)


@st.composite
def spellings(draw: st.DrawFn) -> str:
    """Valid or corrupted enterprise numbers in the spellings found in files."""
    body = draw(bodies)
    check = 97 - body % 97 if draw(st.booleans()) else draw(st.integers(0, 99))
    digits = f"{body:08d}{check:02d}"
    if draw(st.booleans()) and draw(st.booleans()):
        digits = str(draw(st.integers(2, 9))) + digits[1:]
    form = draw(st.sampled_from(["plain", "dots", "be", "be_space", "nine", "spaces"]))
    text = {
        "plain": digits, "dots": f"{digits[:4]}.{digits[4:7]}.{digits[7:]}",
        "be": f"BE{digits}", "be_space": f"BE {digits[:4]}.{digits[4:7]}.{digits[7:]}",
        "nine": digits[1:] if digits[0] == "0" else digits, "spaces": f" {digits[:4]} {digits[4:]} ",
    }[form]
    return text


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(spellings(), st.text(max_size=14)), min_size=1, max_size=30))
def test_vectorised_normalisation_agrees_with_stdnum(values: list[str]) -> None:
    canonical, rules = normalise_enterprise_numbers(pd.Series(values, dtype=object))
    for value, got, rule in zip(values, canonical, rules):
        assert (got, rule) == _scalar(value), value


@settings(max_examples=300, deadline=None)
@given(bodies)
def test_valid_numbers_pass_stdnum_and_keep_their_digits(body: int) -> None:
    digits = f"{body:08d}{97 - body % 97:02d}"
    canonical = normalise_enterprise_number(digits)
    assert vat.is_valid(digits)
    assert canonical.replace(".", "") == digits
    assert normalise_enterprise_number(canonical) == canonical  # idempotent
