"""Belgian enterprise numbers (KBO/BCE ondernemingsnummer): normalisation and checks.

An enterprise number has ten digits, the first 0 or 1, and the last two digits equal
``97 - (first eight digits mod 97)`` (study design, section 2). Files spell it as
``BE0123.456.789``, ``BE 0123 456 789``, ``0123456789`` or the old nine-digit form
``123456789``; all become the canonical ``0123.456.789``. Numbers whose first digit is
2-8 identify establishment units, not enterprises, and are rejected.

Two entry points share one definition of the rules:

* :func:`normalise_enterprise_number` checks one value with ``python-stdnum``
  (``stdnum.be.vat``), the reference implementation of the Belgian check;
* :func:`normalise_enterprise_numbers` does the same for a whole column with
  vectorised Arrow string kernels, because calling stdnum once per filing would be a
  Python loop over millions of rows. The property tests assert that both agree on
  arbitrary input.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from stdnum import exceptions as stdnum_errors
from stdnum.be import vat as be_vat

from data_contracts.errors import InvalidEnterpriseNumber

#: Rule names (as they appear in the quarantine) for a rejected enterprise number.
RULE_MISSING = "required_missing"
RULE_FORMAT = "enterprise_number_format"
RULE_ESTABLISHMENT = "enterprise_number_establishment_unit"
RULE_CHECKSUM = "enterprise_number_checksum"

#: Pattern of the canonical spelling.
CANONICAL_PATTERN = r"^[01]\d{3}\.\d{3}\.\d{3}$"

_SEPARATORS = r"[ ./\-]"


def _canonical_spelling(digits: str) -> str:
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"


def normalise_enterprise_number(value: object) -> str:
    """Return the canonical ``0123.456.789`` spelling of one enterprise number.

    Parameters
    ----------
    value : object
        Any common spelling (``BE 0123.456.789``, ``0123456789``, ``123456789``).

    Returns
    -------
    str
        The canonical spelling.

    Raises
    ------
    InvalidEnterpriseNumber
        With ``rule`` one of ``required_missing``, ``enterprise_number_format``,
        ``enterprise_number_establishment_unit`` (first digit 2-8) or
        ``enterprise_number_checksum`` (mod-97 check fails).
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        raise InvalidEnterpriseNumber(value, RULE_MISSING)
    text = str(value).strip()
    if text == "":
        raise InvalidEnterpriseNumber(value, RULE_MISSING)
    try:
        digits = be_vat.validate(text)
    except stdnum_errors.InvalidComponent:
        compact = be_vat.compact(text)
        rule = RULE_ESTABLISHMENT if compact[:1] in set("2345678") else RULE_FORMAT
        raise InvalidEnterpriseNumber(value, rule) from None
    except stdnum_errors.InvalidChecksum:
        raise InvalidEnterpriseNumber(value, RULE_CHECKSUM) from None
    except stdnum_errors.ValidationError:
        raise InvalidEnterpriseNumber(value, RULE_FORMAT) from None
    return _canonical_spelling(digits)


def normalise_enterprise_numbers(values: pd.Series | pa.Array | pa.ChunkedArray, *,
                                 text_dtype: str = "object") -> tuple[pd.Series, pd.Series]:
    """Normalise a column of enterprise numbers without a Python loop.

    Parameters
    ----------
    values : pandas.Series or pyarrow array of str
        Raw spellings; null and empty strings count as missing.
    text_dtype : {"object", "string[pyarrow]"}
        Dtype of the returned canonical spellings.

    Returns
    -------
    canonical : pandas.Series of object
        Canonical spelling, ``None`` where the value is rejected.
    rule : pandas.Series of object
        ``None`` where accepted, else the rule name (see
        :func:`normalise_enterprise_number`).
    """
    index = values.index if isinstance(values, pd.Series) else None
    if isinstance(values, pd.Series):
        arr = pa.array(values.astype("string"), type=pa.string())
    else:
        arr = values.cast(pa.string())
    text = pc.utf8_upper(pc.utf8_trim_whitespace(arr))
    missing = pc.fill_null(pc.equal(text, ""), True)
    # Same compaction as stdnum.be.vat.compact: drop separators, the BE prefix and "(0)".
    compact = pc.replace_substring_regex(text, _SEPARATORS, "")
    compact = pc.replace_substring_regex(compact, r"^BE", "")
    compact = pc.replace_substring_regex(compact, r"^\(0\)", "0")
    nine = pc.equal(pc.utf8_length(compact), 9)
    compact = pc.if_else(nine, pc.binary_join_element_wise("0", compact, ""), compact)
    ten_digits = pc.fill_null(pc.match_substring_regex(compact, r"^\d{10}$"), False)
    first = pc.utf8_slice_codeunits(compact, 0, 1)
    establishment = pc.fill_null(pc.is_in(first, value_set=pa.array(list("2345678"))), False)
    enterprise_lead = pc.fill_null(pc.is_in(first, value_set=pa.array(["0", "1"])), False)

    n = len(compact)
    if isinstance(compact, pa.ChunkedArray):
        compact = compact.combine_chunks()
    safe = pc.if_else(ten_digits, compact, "0000000000")
    as_int = np.asarray(pc.cast(safe, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)
    body, check = as_int // 100, as_int % 100
    checksum_ok = ((body + check) % 97 == 0) & (as_int > 0)

    ten = np.asarray(ten_digits.to_numpy(zero_copy_only=False), dtype=bool)
    est = np.asarray(establishment.to_numpy(zero_copy_only=False), dtype=bool)
    lead = np.asarray(enterprise_lead.to_numpy(zero_copy_only=False), dtype=bool)
    miss = np.asarray(missing.to_numpy(zero_copy_only=False), dtype=bool)

    rule = np.full(n, None, dtype=object)
    rule[~miss & ten & lead & ~checksum_ok] = RULE_CHECKSUM
    rule[~miss & ten & est] = RULE_ESTABLISHMENT
    rule[~miss & ten & ~lead & ~est] = RULE_FORMAT
    rule[~miss & ~ten] = RULE_FORMAT
    rule[~miss & ten & (as_int == 0)] = RULE_FORMAT
    rule[miss] = RULE_MISSING
    ok = pd.isna(rule)
    formatted = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(compact, 0, 4),
        pc.utf8_slice_codeunits(compact, 4, 7),
        pc.utf8_slice_codeunits(compact, 7, 10),
        ".",
    )
    canonical = pc.if_else(pa.array(np.asarray(ok, dtype=bool)), formatted, pa.scalar(None, pa.string()))
    text = pd.arrays.ArrowStringArray(pa.chunked_array([canonical]))
    out = pd.Series(text, index=index)
    if text_dtype == "object":
        out = out.astype(object).where(out.notna(), None)
    return out, pd.Series(rule, index=index, dtype=object)
