"""Run a pandera contract over typed rows and quarantine the failures.

The typed frame is indexed by row *position* in the raw table; pandera's lazy
validation reports each failing (position, column, check) and the check's error text
is already the quarantine rule name (see :mod:`data_contracts.contracts`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from data_contracts.contracts import RULE_MISSING
from data_contracts.parsing import text_objects
from data_contracts.quarantine import Quarantine

_PANDERA_RULES = {"not_nullable": RULE_MISSING}


def quarantine_violations(frame: pd.DataFrame, schema: pa.DataFrameSchema, quarantine: Quarantine,
                          frame_check_column: dict[str, str] | None = None,
                          derived_from: dict[str, str] | None = None) -> None:
    """Validate ``frame`` lazily and add every failing cell to ``quarantine``.

    Parameters
    ----------
    frame : DataFrame
        Typed rows, index = position in the raw table.
    frame_check_column : dict, optional
        For frame-wide checks (e.g. ``leave_before_join``), the column to report.
    derived_from : dict, optional
        Columns computed from another column (``{"year": "closing_date"}``): a row
        whose source cell is already rejected is not reported again for the derived
        one (an impossible closing date is one defect, not also a missing year).

    A failing column that is not in the file (a derived one) is reported with its
    computed value (year 1850, not an empty value).
    """
    try:
        with warnings.catch_warnings():
            # pandera's own failure-case concatenation triggers a pandas FutureWarning
            warnings.simplefilter("ignore", FutureWarning)
            schema.validate(frame, lazy=True, inplace=True)  # inplace: no copy of the frame
        return
    except SchemaErrors as exc:
        cases = exc.failure_cases
    frame_check_column = frame_check_column or {}
    if cases["index"].isna().any():  # dtype or column-level failure: a reader bug
        raise RuntimeError(f"contract {schema.name!r} failed on the whole frame: "
                           f"{cases[cases['index'].isna()].to_dict('records')}")
    cases = cases.copy()
    cases["rule"] = cases["check"].astype(str).map(lambda c: _PANDERA_RULES.get(c, c))
    # A frame-wide check reports every column of a failing row; report one column.
    framewide = cases["rule"].isin(list(frame_check_column))
    cases.loc[framewide, "column"] = cases.loc[framewide, "rule"].map(frame_check_column)
    for (column, rule), group in cases.groupby(["column", "rule"], dropna=False, sort=False):
        if not isinstance(column, str):
            column = None
        positions = np.unique(group["index"].astype(np.int64).to_numpy())
        if column is not None:
            positions = positions[~quarantine.cell_rejected(column)[positions]]
            source = (derived_from or {}).get(column)
            if source is not None:
                positions = positions[~quarantine.cell_rejected(source)[positions]]
        values = None
        if column is not None and column not in quarantine.table.column_names and column in frame.columns:
            values = _shown(frame[column].to_numpy()[positions])
        quarantine.add(positions, column, rule, values)


def _shown(values: np.ndarray) -> np.ndarray:
    """Computed values as text for the quarantine (whole floats without ``.0``; NaN empty)."""
    series = pd.Series(values)
    out = series.astype(str).to_numpy(dtype=object)
    if np.issubdtype(series.dtype, np.floating):
        whole = np.isfinite(values) & (np.mod(values, 1) == 0) & (np.abs(values) < 2.0**53)
        out[whole] = pd.Series(values[whole]).astype(np.int64).astype(str).to_numpy(dtype=object)
    out[series.isna().to_numpy()] = None
    return out


def finalise_accepted(frame: pd.DataFrame, schema: pa.DataFrameSchema,
                      key: Sequence[str] | None) -> pd.DataFrame:
    """Accepted rows in their published form, checked against the full contract.

    Text goes from the readers' Arrow strings to plain ``object`` columns (what the
    exported schemas declare). Every row already passed the contract's checks in
    :func:`quarantine_violations`; here the dtypes, a head/tail sample of the checks
    and the uniqueness key are verified, so the guard costs little on millions of
    rows. A failure is a bug in the reader, not bad input.
    """
    text = [n for n, c in schema.columns.items() if str(c.dtype) == "str" and frame[n].dtype != object]
    if text:
        frame = frame.assign(**{n: text_objects(frame[n].array) for n in text})
    if list(frame.columns) != list(schema.columns):
        frame = frame[list(schema.columns)]
    schema.validate(frame, head=2000, tail=2000, inplace=True)
    if key and frame.duplicated(list(key)).any():
        raise RuntimeError(f"{schema.name}: accepted rows are not unique on {', '.join(key)}")
    return frame
