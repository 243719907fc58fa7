"""Quarantine: every rejected row with file, data row, column, rule and value.

Rows are never dropped silently: each rejection is one record, and a row may carry
several (one per violated rule). Counts of *rows* (not records) reconcile with the
rows read: ``rows_read == rows_accepted + rows_rejected``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from data_contracts.errors import MAX_MESSAGE_CHARS

REJECTED_COLUMNS: tuple[str, ...] = ("file", "row", "column", "rule", "value")


def _capped(values: np.ndarray) -> np.ndarray:
    """Values as written, each cut to :data:`MAX_MESSAGE_CHARS` characters (ellipsis).

    A malformed record's value is its whole line: a 200 MB line of commas must not be
    stored, printed in a report or written to the quarantine file whole.
    """
    out = pd.Series(values, dtype=object)
    lengths = out.str.len()
    long = (lengths > MAX_MESSAGE_CHARS).to_numpy(dtype=bool, na_value=False)
    if long.any():
        out[long] = out[long].str.slice(0, MAX_MESSAGE_CHARS - 1) + "…"
    return out.to_numpy()


def empty_rejections() -> pd.DataFrame:
    """An empty quarantine frame with the right dtypes."""
    return pd.DataFrame({
        "file": pd.Series(dtype=object), "row": pd.Series(dtype="int64"),
        "column": pd.Series(dtype=object), "rule": pd.Series(dtype=object),
        "value": pd.Series(dtype=object),
    })


class Quarantine:
    """Collects rejections for the rows of one raw table (positions 0..n-1)."""

    def __init__(self, path: str, rows: np.ndarray, table: pa.Table) -> None:
        self.path = path
        self.rows = rows
        self.table = table
        self.rejected = np.zeros(len(rows), dtype=bool)
        self.cells: dict[str, np.ndarray] = {}
        self._parts: list[pd.DataFrame] = []

    def raw_values(self, column: str, positions: np.ndarray) -> np.ndarray:
        """The cells as written in the file at the given positions (None if absent)."""
        if column not in self.table.column_names or len(positions) == 0:
            return np.full(len(positions), None, dtype=object)
        taken = self.table.column(column).take(pa.array(positions, type=pa.int64()))
        return np.asarray(taken.to_numpy(zero_copy_only=False), dtype=object)

    def add(self, mask_or_positions: np.ndarray, column: str | None, rule: str | np.ndarray,
            values: np.ndarray | None = None) -> None:
        """Reject rows (boolean mask or integer positions) for one rule on one column."""
        positions = np.asarray(mask_or_positions)
        if positions.dtype == bool:
            positions = np.flatnonzero(positions)
        positions = positions.astype(np.int64)
        if len(positions) == 0:
            return
        if values is None:
            values = self.raw_values(column, positions) if column else np.full(len(positions), None, dtype=object)
        self.rejected[positions] = True
        if column:
            self.cells.setdefault(column, np.zeros(len(self.rows), dtype=bool))[positions] = True
        self._parts.append(pd.DataFrame({
            "file": self.path, "row": self.rows[positions], "column": column,
            "rule": rule, "value": _capped(values),
        }))

    def cell_rejected(self, column: str) -> np.ndarray:
        """Positions already rejected for this column (so one bad cell gives one record)."""
        return self.cells.get(column, np.zeros(len(self.rows), dtype=bool))

    def add_records(self, rows: np.ndarray, column: str | None, rule: str, values: np.ndarray) -> None:
        """Records for rows that are not in the table (e.g. malformed CSV records)."""
        if len(rows) == 0:
            return
        self._parts.append(pd.DataFrame({
            "file": self.path, "row": np.asarray(rows, dtype=np.int64), "column": column,
            "rule": rule, "value": _capped(values),
        }))

    def frame(self) -> pd.DataFrame:
        """All rejection records, sorted by row."""
        if not self._parts:
            return empty_rejections()
        out = pd.concat(self._parts, ignore_index=True)
        out["row"] = out["row"].astype("int64")
        return out.sort_values(["row", "column"], kind="stable", na_position="last").reset_index(drop=True)
