"""Immutable results of ingesting one file."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import pandas as pd

from data_contracts.errors import DataContractError


@dataclass(frozen=True)
class IngestReport:
    """What happened to one input file.

    ``rows_read`` counts data records after the header (blank lines excluded);
    ``rows_accepted + rows_rejected == rows_read`` is asserted on construction.
    """

    file: str
    kind: str
    file_format: str
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str | None = None
    header_line: int = 1
    layout: str | None = None
    extra_columns: tuple[str, ...] = ()
    absent_optional_columns: tuple[str, ...] = ()
    rejections_by_rule: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    records_accepted: int | None = None

    def __post_init__(self) -> None:
        if self.rows_read != self.rows_accepted + self.rows_rejected:
            raise DataContractError(
                f"{self.file}: row reconciliation failed: read {self.rows_read} != accepted "
                f"{self.rows_accepted} + rejected {self.rows_rejected}"
            )

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dictionary."""
        out = asdict(self)
        out["extra_columns"] = list(self.extra_columns)
        out["absent_optional_columns"] = list(self.absent_optional_columns)
        out["notes"] = list(self.notes)
        return out


@dataclass(frozen=True)
class IngestResult:
    """Validated content of one file plus its quarantine.

    Attributes
    ----------
    accepted : DataFrame
        Canonical frame satisfying the kind's contract (``ACCOUNTS_SCHEMA`` ...);
        its index, named ``row``, is the 1-based data row of the file (for long-format
        accounts, the first row of the filing).
    rejected : DataFrame
        One record per violation: ``file``, ``row``, ``column``, ``rule``, ``value``.
    extra : DataFrame
        Columns not in the canonical layout, as text, indexed by ``row``.
    report : IngestReport
    """

    accepted: pd.DataFrame
    rejected: pd.DataFrame
    extra: pd.DataFrame
    report: IngestReport

    def summary(self) -> str:
        """Human-readable report: counts, then each violated rule with examples."""
        r = self.report
        lines = [
            f"{r.file} ({r.kind}, {r.file_format}"
            + (f", encoding {r.encoding}, delimiter {r.delimiter!r}, decimal {r.decimal!r}" if r.file_format == "csv" else "")
            + (f", layout {r.layout}" if r.layout else "") + ")",
            f"rows read {r.rows_read}, accepted {r.rows_accepted}, rejected {r.rows_rejected}",
        ]
        if r.records_accepted is not None:
            lines.append(f"records accepted (filings / spells / series rows): {r.records_accepted}")
        if r.header_line != 1:
            lines.append(f"header found on line {r.header_line}")
        if r.extra_columns:
            lines.append("extra columns kept aside: " + ", ".join(r.extra_columns))
        if r.absent_optional_columns:
            lines.append("optional columns absent (treated as not reported): " + ", ".join(r.absent_optional_columns))
        for note in r.notes:
            lines.append(f"note: {note}")
        if len(self.rejected):
            lines.append("rules violated:")
            for (rule, column), group in self.rejected.groupby(["rule", "column"], dropna=False, sort=True):
                examples = ", ".join(f"row {row}: {value!r}" for row, value in
                                     zip(group["row"].head(3), group["value"].head(3)))
                where = column if isinstance(column, str) else "whole row"
                lines.append(f"  {rule} [{where}] x{len(group)}: {examples}")
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """The report as a one-row tidy frame (for a reconciliation table over files)."""
        d = self.report.to_dict()
        d["extra_columns"] = ";".join(self.report.extra_columns)
        d["absent_optional_columns"] = ";".join(self.report.absent_optional_columns)
        d["rejections_by_rule"] = ";".join(f"{k}={v}" for k, v in self.report.rejections_by_rule.items())
        d["notes"] = " | ".join(self.report.notes)
        return pd.DataFrame([d])

    def to_json_dict(self, usable: bool = True) -> dict[str, object]:
        """The ``cluster-impact validate --json`` document."""
        r = self.report
        return {
            "file": r.file, "kind": r.kind, "usable": usable, "encoding": r.encoding,
            "delimiter": r.delimiter, "rows_read": r.rows_read, "rows_accepted": r.rows_accepted,
            "rows_rejected": r.rows_rejected,
            "rejections": [
                {"row": int(row), "column": column, "rule": rule, "value": value}
                for row, column, rule, value in self.rejected[["row", "column", "rule", "value"]]
                .itertuples(index=False, name=None)
            ],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_json_dict(), ensure_ascii=False, indent=2, default=str)
