"""NACE-BEL 2008 activity codes: the shipped code list and code normalisation.

Choice documented here (issue #6): NACE-BEL 2008 has about 1,100 five-digit subclasses,
which change with national revisions and are not freely redistributable as one clean
table. We ship the 88 official two-digit *divisions* of NACE Rev. 2 (identical in
NACE-BEL 2008) with their section letter and title (``data/nace_bel_2008_divisions.csv``),
and validate a firm's code by its shape ``NN.NNN`` plus its division being in that
list. A five-digit code that has the right shape and a valid division but does not
exist as a subclass is therefore accepted; the division, which is all the pipeline
uses (industry, deflators, sample exclusions), is always valid.

Spellings accepted: ``62.010``, ``62010``, and ``1.110`` (a code of divisions 01-09
whose leading zero a spreadsheet dropped), all to ``NN.NNN``. A bare four-digit
``6201`` is rejected as ambiguous (NACE class 62.01 or subclass 06.201?).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

RULE_FORMAT = "nace_format"
RULE_UNKNOWN_DIVISION = "nace_unknown_division"

#: Canonical NACE-BEL 2008 spelling.
CANONICAL_PATTERN = r"^\d{2}\.\d{3}$"


@lru_cache(maxsize=1)
def nace_divisions() -> pd.DataFrame:
    """The NACE-BEL 2008 (= NACE Rev. 2) divisions: ``division``, ``section``, ``title``.

    Returns
    -------
    pandas.DataFrame
        88 rows, ``division`` as two-digit strings (``"01"`` ... ``"99"``).
    """
    path = resources.files("data_contracts") / "data" / "nace_bel_2008_divisions.csv"
    with path.open("r", encoding="utf-8") as handle:
        table = pd.read_csv(handle, dtype=str, keep_default_na=False)
    return table


def division_section(divisions: pd.Series) -> pd.Series:
    """Map two-digit division codes to their NACE section letter (NaN if unknown)."""
    table = nace_divisions()
    return divisions.map(pd.Series(table["section"].to_numpy(), index=table["division"]))


def normalise_nace_codes(values: pa.Array | pa.ChunkedArray | pd.Series, *,
                         text_dtype: str = "object") -> tuple[pd.Series, pd.Series]:
    """Normalise NACE-BEL codes to ``NN.NNN`` and check the division.

    Returns
    -------
    canonical : pandas.Series of object
        ``None`` where rejected or missing.
    rule : pandas.Series of object
        ``None`` (accepted or missing) or ``nace_format`` / ``nace_unknown_division``.
        Missing codes are not a rule here; nullability is the contract's job.
    """
    index = values.index if isinstance(values, pd.Series) else None
    arr = pa.array(values.astype("string"), type=pa.string()) if isinstance(values, pd.Series) else values
    text = pc.utf8_trim_whitespace(arr)
    missing = np.asarray(pc.fill_null(pc.equal(text, ""), True).to_numpy(zero_copy_only=False), dtype=bool)
    # "N.NNN" (leading zero lost in a spreadsheet) -> "0N.NNN"; a bare four-digit "NNNN"
    # is ambiguous with a NACE class ("6201") and stays a format error.
    text = pc.replace_substring_regex(text, r"^(\d)\.(\d{3})$", r"0\1.\2")
    shape_ok = pc.fill_null(pc.match_substring_regex(text, r"^\d{2}\.?\d{3}$"), False)
    digits = pc.replace_substring(text, ".", "")
    canonical = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(digits, 0, 2), pc.utf8_slice_codeunits(digits, 2, 5), "."
    )
    division = pc.utf8_slice_codeunits(digits, 0, 2)
    known = pc.fill_null(pc.is_in(division, value_set=pa.array(nace_divisions()["division"].tolist())), False)
    shape = np.asarray(shape_ok.to_numpy(zero_copy_only=False), dtype=bool)
    known_np = np.asarray(known.to_numpy(zero_copy_only=False), dtype=bool)
    rule = np.full(len(missing), None, dtype=object)
    rule[~missing & shape & ~known_np] = RULE_UNKNOWN_DIVISION
    rule[~missing & ~shape] = RULE_FORMAT
    ok = ~missing & shape & known_np
    kept = pc.if_else(pa.array(ok), canonical, pa.scalar(None, pa.string()))
    if isinstance(kept, pa.Array):
        kept = pa.chunked_array([kept])
    out = pd.Series(pd.arrays.ArrowStringArray(kept), index=index)
    if text_dtype == "object":
        out = out.astype(object).where(out.notna(), None)
    return out, pd.Series(rule, index=index, dtype=object)
