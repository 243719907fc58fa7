"""Steps shared by the three readers: decimal mark, extra columns, the final result."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from data_contracts.parsing import count_decimal_marks
from data_contracts.quarantine import Quarantine
from data_contracts.results import IngestReport, IngestResult
from data_contracts.tabular import RawTable

RULE_WRONG_FIELD_COUNT = "wrong_field_count"


def detect_decimal(raw: RawTable, numeric_columns: Iterable[str]) -> str:
    """``","`` if more numeric cells use a decimal comma than a decimal point.

    With no evidence either way, a semicolon-separated file is taken to use the
    decimal comma (the Belgian spreadsheet convention); integers parse the same
    under both marks.
    """
    commas = dots = 0
    for column in numeric_columns:
        if column in raw.table.column_names:
            c, d = count_decimal_marks(raw.table.column(column))
            commas, dots = commas + c, dots + d
    if commas > dots:
        return ","
    if commas == dots == 0 and raw.delimiter == ";":
        return ","
    return "."


def start_quarantine(raw: RawTable) -> Quarantine:
    """A quarantine that already holds the malformed records of the file."""
    quarantine = Quarantine(raw.path, raw.rows, raw.table)
    for column, group in raw.malformed.groupby("column", sort=False):
        quarantine.add_records(group["row"].to_numpy(), str(column), RULE_WRONG_FIELD_COUNT,
                               group["text"].to_numpy())
    return quarantine


def extra_columns(raw: RawTable, known: Sequence[str]) -> tuple[tuple[str, ...], pd.DataFrame]:
    """Columns outside the canonical layout, kept aside as text indexed by data row."""
    names = tuple(c for c in raw.table.column_names if c not in set(known))
    extra = raw.table.select(list(names)).to_pandas() if names else pd.DataFrame(index=range(len(raw.rows)))
    extra.index = pd.Index(raw.rows, name="row")
    return names, extra


def finish(raw: RawTable, kind: str, quarantine: Quarantine, accepted: pd.DataFrame,
           extra: pd.DataFrame, extra_names: tuple[str, ...], *, decimal: str | None,
           layout: str | None = None, absent: Sequence[str] = (), notes: Sequence[str] = (),
           records_accepted: int | None = None) -> IngestResult:
    """Assemble the result; the report's constructor asserts the row reconciliation."""
    rejected = quarantine.frame()
    rows_rejected = int(quarantine.rejected.sum()) + len(raw.malformed)
    rows_accepted = int((~quarantine.rejected).sum())
    by_rule = {str(k): int(v) for k, v in rejected["rule"].value_counts().sort_index().items()}
    report = IngestReport(
        file=raw.path, kind=kind, file_format=raw.file_format, rows_read=raw.rows_read,
        rows_accepted=rows_accepted, rows_rejected=rows_rejected, encoding=raw.encoding,
        delimiter=raw.delimiter, decimal=decimal, header_line=raw.header_line, layout=layout,
        extra_columns=extra_names, absent_optional_columns=tuple(absent),
        rejections_by_rule=by_rule, notes=tuple(notes) + raw.notes,
        records_accepted=records_accepted,
    )
    return IngestResult(accepted=accepted, rejected=rejected, extra=extra, report=report)


def positions_frame(n: int) -> pd.DataFrame:
    """An empty frame indexed by raw-table positions."""
    return pd.DataFrame(index=pd.RangeIndex(n))


def as_int64(values: np.ndarray) -> np.ndarray:
    """Whole-number floats (validated, no NaN) to int64."""
    return np.asarray(values, dtype=np.float64).astype(np.int64)
