"""Enterprise numbers: valid check digits and the spellings seen in files."""

from __future__ import annotations

import re

import numpy as np
import pytest
from stdnum.be import vat

from data_contracts.synthetic.enterprise_numbers import (
    COMPANY_BODY_RANGE, check_digits, draw_bodies, format_numbers, parse_canonical,
)
from data_contracts.synthetic.errors import SyntheticDataError


@pytest.fixture()
def bodies():
    return draw_bodies(np.random.default_rng(1), 500, COMPANY_BODY_RANGE)


def test_check_digits_follow_mod97():
    body = np.array([4_031_707, 12_345_678])
    assert check_digits(body).tolist() == [97 - 4_031_707 % 97, 97 - 12_345_678 % 97]


def test_canonical_numbers_are_valid_and_well_formed(bodies):
    numbers = format_numbers(bodies)
    assert len(set(numbers)) == len(numbers)
    assert all(re.fullmatch(r"[01]\d{3}\.\d{3}\.\d{3}", n) for n in numbers)
    assert all(vat.is_valid(n) for n in numbers)
    assert np.array_equal(parse_canonical(numbers), bodies)


@pytest.mark.parametrize("spelling, pattern", [
    ("be", r"BE[01]\d{3}\.\d{3}\.\d{3}"),
    ("be_space", r"BE [01]\d{3}\.\d{3}\.\d{3}"),
    ("digits", r"[01]\d{9}"),
])
def test_other_spellings_normalise_to_the_same_number(bodies, spelling, pattern):
    spelled = format_numbers(bodies, spelling=spelling)
    assert all(re.fullmatch(pattern, s) for s in spelled)
    assert [vat.compact(s) for s in spelled] == [vat.compact(c) for c in format_numbers(bodies)]


def test_nine_digit_form_drops_the_leading_zero(bodies):
    zero = bodies[bodies < 10_000_000]
    nine = format_numbers(zero, spelling="nine_digits")
    assert all(len(s) == 9 for s in nine)
    assert [vat.compact(s) for s in nine] == [vat.compact(c) for c in format_numbers(zero)]


def test_corrupted_check_digits_fail_validation(bodies):
    wrong = (check_digits(bodies) % 97) + 1
    assert not any(vat.is_valid(s) for s in format_numbers(bodies, check=wrong))


def test_unknown_spelling_is_rejected(bodies):
    with pytest.raises(SyntheticDataError, match="spelling"):
        format_numbers(bodies, spelling="fancy")
