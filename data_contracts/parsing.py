"""Vectorised parsing of text cells into typed columns.

Each parser takes an Arrow string column and returns the typed values plus a boolean
mask of cells that are present but unparseable (empty cells are missing, not
invalid: nullability is a contract rule, checked later).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

RULE_NOT_A_NUMBER = "not_a_number"
RULE_NOT_AN_INTEGER = "not_an_integer"
RULE_NOT_A_DATE = "not_a_date"
RULE_IMPOSSIBLE_DATE = "impossible_date"
RULE_NOT_A_FLAG = "not_a_flag"

_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
# A dot used as thousands separator in a decimal-comma file: 1.234.567,89
_DOT_GROUPED = r"^[+-]?\d{1,3}(\.\d{3})+(,\d*)?$"
# A comma used as thousands separator in a decimal-point file: 1,234,567.89
_COMMA_GROUPED = r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$"
_DATE_FORMATS: tuple[tuple[str, str], ...] = (
    (r"^\d{4}-\d{2}-\d{2}", "%Y-%m-%d"),
    (r"^\d{2}/\d{2}/\d{4}$", "%d/%m/%Y"),
    (r"^\d{2}-\d{2}-\d{4}$", "%d-%m-%Y"),
    (r"^\d{2}\.\d{2}\.\d{4}$", "%d.%m.%Y"),
)
_FLAG_TRUE = ("1", "true", "yes", "y", "ja", "oui", "t")
_FLAG_FALSE = ("0", "false", "no", "n", "nee", "non", "f")


def map_unique(arr: pa.Array | pa.ChunkedArray, fn):  # type: ignore[no-untyped-def]
    """Apply a column function to the distinct values only, then broadcast back.

    Raw columns repeat a few values many times (16 years per enterprise number, a
    handful of closing dates, models and regions), so normalising the dictionary of
    distinct values and taking by index is much cheaper than normalising every cell.
    ``fn`` gets a string array (with one trailing null standing for missing cells)
    and returns a tuple of pyarrow arrays, numpy arrays or pandas Series/arrays of
    the same length; the same tuple comes back at full length.
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    encoded = pc.dictionary_encode(arr)
    dictionary = pa.concat_arrays([encoded.dictionary.cast(pa.string()), pa.nulls(1, pa.string())])
    null_code = len(dictionary) - 1
    indices = pc.fill_null(encoded.indices.cast(pa.int64()), null_code)
    idx = np.asarray(indices.to_numpy(zero_copy_only=False))
    out = []
    for part in fn(dictionary):
        if isinstance(part, (pa.Array, pa.ChunkedArray)):
            out.append(pc.take(part, indices))
        elif isinstance(part, pd.Series):
            out.append(pd.Series(part.array.take(idx)))
        elif isinstance(part, pd.api.extensions.ExtensionArray):
            out.append(part.take(idx))
        else:
            out.append(np.asarray(part)[idx])
    return tuple(out)


def _np(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(arr.to_numpy(zero_copy_only=False))


def _bool(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def clean_text(arr: pa.ChunkedArray) -> pa.ChunkedArray:
    """Trim whitespace; empty becomes null."""
    text = pc.utf8_trim_whitespace(arr)
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def count_decimal_marks(arr: pa.ChunkedArray) -> tuple[int, int]:
    """Cells whose decimal mark must be a comma / a dot, among the first 200,000 rows.

    A cell's decimal mark is its last separator (``1.234,5`` -> comma, ``1,234.5`` ->
    dot); a separator that occurs twice is a thousands separator (``1.234.567`` ->
    comma decimals).
    """
    sample = clean_text(arr.slice(0, 200_000))
    n_comma = _np(pc.fill_null(pc.count_substring(sample, ","), 0))
    n_dot = _np(pc.fill_null(pc.count_substring(sample, "."), 0))
    reverse = pc.utf8_reverse(sample)
    last_comma = _np(pc.fill_null(pc.find_substring(reverse, ","), -1))  # distance from the end
    last_dot = _np(pc.fill_null(pc.find_substring(reverse, "."), -1))
    both = (n_comma == 1) & (n_dot == 1)
    comma = (n_dot >= 2) | ((n_comma == 1) & (n_dot == 0)) | (both & (last_comma < last_dot))
    dot = (n_comma >= 2) | ((n_dot == 1) & (n_comma == 0)) | (both & (last_dot < last_comma))
    return int(comma.sum()), int(dot.sum())


def parse_numbers(arr: pa.ChunkedArray, decimal: str = ".") -> tuple[np.ndarray, np.ndarray]:
    """Parse amounts; the other mark is accepted as a thousands separator when it groups
    digits by three (``1.234.567,89`` with ``decimal=","``, ``1,234,567.89`` with ``"."``).

    Fast path: Arrow's own string-to-double cast over the whole column; only a column
    holding an unparseable cell goes through the (slower) regular-expression check that
    tells which cells are bad.
    """
    if decimal == ".":
        try:  # fastest path: no cleaning needed
            out = _np(pc.fill_null(pc.cast(arr, pa.float64()), np.nan)).astype(np.float64)
            if np.isfinite(out[_bool(pc.is_valid(arr))]).all():
                return out, np.zeros(len(out), dtype=bool)
        except pa.ArrowInvalid:
            pass
    text = clean_text(arr)
    if decimal == ",":
        if pc.any(pc.match_substring(text, ".")).as_py():
            grouped = pc.fill_null(pc.match_substring_regex(text, _DOT_GROUPED), False)
            text = pc.if_else(grouped, pc.replace_substring(text, ".", ""), text)
        text = pc.replace_substring(text, ",", ".")
    present = _bool(pc.is_valid(text))
    try:
        out = _np(pc.fill_null(pc.cast(text, pa.float64()), np.nan)).astype(np.float64)
        if np.isfinite(out[present]).all():
            return out, np.zeros(len(out), dtype=bool)
    except pa.ArrowInvalid:
        pass
    if decimal == ".":
        grouped = pc.fill_null(pc.match_substring_regex(text, _COMMA_GROUPED), False)
        text = pc.if_else(grouped, pc.replace_substring(text, ",", ""), text)
    ok = pc.fill_null(pc.match_substring_regex(text, _NUMBER), False)
    values = pc.cast(pc.if_else(ok, text, pa.scalar(None, pa.string())), pa.float64())
    out = _np(pc.fill_null(values, np.nan)).astype(np.float64)
    invalid = present & ~_bool(ok)
    return out, invalid


def parse_integers(arr: pa.ChunkedArray, decimal: str = ".") -> tuple[np.ndarray, np.ndarray]:
    """Parse whole numbers (``12``, ``12.0``); returns float64 with NaN for missing."""
    values, invalid = parse_numbers(arr, decimal)
    fractional = np.isfinite(values) & (values != np.round(values))
    values = np.where(fractional, np.nan, values)
    return values, invalid | fractional


def parse_dates(arr: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Parse ISO (``2020-12-31``, time part ignored) or day-first (``31/12/2020``) dates.

    Returns the dates and, per cell, the rule it breaks (``None`` where it parsed or
    is empty): ``not_a_date`` for text in no accepted form, ``impossible_date`` for a
    day that its month does not have (``2019-02-31``, ``31/02/2019``, ``29/02/2019``).
    Arrow's ``strptime`` rolls such days over into the next month (2019-03-03); a
    rolled-over closing date lands in the same accounting year as the genuine filing
    and, being further down the file, would supersede it. So every parsed date is
    written back in its own format and must give the text it came from.

    Works on the distinct values (:func:`map_unique`): a file has few closing dates.
    """
    return map_unique(arr, _parse_distinct_dates)


def _parse_distinct_dates(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    text = clean_text(values)
    result = pa.nulls(len(text), pa.timestamp("ns"))
    impossible = np.zeros(len(text), dtype=bool)
    for pattern, fmt in _DATE_FORMATS:
        match = pc.fill_null(pc.match_substring_regex(text, pattern), False)
        if not pc.any(match).as_py():
            continue
        part = pc.utf8_slice_codeunits(text, 0, 10) if fmt == "%Y-%m-%d" else text
        part = pc.if_else(match, part, pa.scalar(None, pa.string()))
        parsed = pc.strptime(part, format=fmt, unit="ns", error_is_null=True)
        # Round trip: a rolled-over day (31/02 -> 03/03) does not print back as written.
        rolled = _bool(pc.not_equal(pc.strftime(parsed, format=fmt), part))
        impossible |= rolled
        parsed = pc.if_else(pa.array(rolled), pa.scalar(None, pa.timestamp("ns")), parsed)
        result = pc.coalesce(result, parsed)
    present = _bool(pc.is_valid(text))
    parsed_ok = _bool(pc.is_valid(result))
    values_out = _np(result).astype("datetime64[ns]")
    rule = np.full(len(text), None, dtype=object)
    rule[present & ~parsed_ok] = RULE_NOT_A_DATE
    rule[impossible] = RULE_IMPOSSIBLE_DATE
    return values_out, rule


def parse_flags(arr: pa.ChunkedArray) -> tuple[pd.Series, np.ndarray]:
    """Parse 0/1 (and true/false, ja/nee, oui/non) into a nullable boolean."""
    values, invalid = map_unique(arr, _parse_distinct_flags)
    return pd.Series(values), invalid


def _parse_distinct_flags(arr: pa.Array) -> tuple[pd.arrays.BooleanArray, np.ndarray]:
    text = pc.utf8_lower(clean_text(arr))
    text = pc.replace_substring_regex(text, r"^(\d)\.0+$", r"\1")
    is_true = _bool(pc.is_in(text, value_set=pa.array(_FLAG_TRUE)))
    is_false = _bool(pc.is_in(text, value_set=pa.array(_FLAG_FALSE)))
    present = _bool(pc.is_valid(text))
    values = pd.array(np.where(is_true, True, False), dtype="boolean")
    values[~(is_true | is_false)] = pd.NA
    return values, present & ~(is_true | is_false)


def text_array(values: pa.Array | pa.ChunkedArray) -> pd.arrays.ArrowStringArray:
    """Wrap Arrow strings as a pandas string[pyarrow] array without copying to objects.

    The readers keep text in Arrow until the contract has run: pandera's checks on
    Arrow-backed strings are vectorised, on object columns they loop in Python.
    """
    if isinstance(values, pa.Array):
        values = pa.chunked_array([values])
    return pd.arrays.ArrowStringArray(values)


def text_objects(values: object) -> np.ndarray:
    """Text as an object array whose repeated values share one Python string.

    Converting Arrow strings cell by cell would create millions of identical string
    objects (gigabytes for a 6-million-row file); taking from the dictionary of
    distinct values costs one pointer per cell.
    """
    if isinstance(values, pd.arrays.ArrowStringArray):
        values = values._pa_array  # the underlying ChunkedArray
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        return np.asarray(values, dtype=object)
    encoded = pc.dictionary_encode(values)
    dictionary = np.array(encoded.dictionary.to_pylist() + [None], dtype=object)
    indices = _np(pc.fill_null(encoded.indices.cast(pa.int64()), len(dictionary) - 1))
    return dictionary[indices]


def normalise_category(arr: pa.ChunkedArray, aliases: dict[str, str]) -> pd.arrays.ArrowStringArray:
    """Map spellings to canonical categories by a case-insensitive alias table.

    Unknown spellings pass through unchanged so that the contract's allowed-set check
    rejects them with the value as written.
    """
    (mapped,) = map_unique(arr, lambda d: (_category_distinct(d, aliases),))
    return text_array(mapped)


def _category_distinct(arr: pa.Array, aliases: dict[str, str]) -> pa.Array:
    text = clean_text(arr)
    key = pc.utf8_lower(text)
    keys = pa.array(list(aliases), type=pa.string())
    position = pc.index_in(key, value_set=keys)
    mapped = pc.take(pa.array(list(aliases.values()), type=pa.string()), position)
    return pc.coalesce(mapped, text)
