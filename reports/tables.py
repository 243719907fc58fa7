"""The published-table object and the cell grid the builders fill.

A :class:`PublishedTable` holds text only: every number is already formatted and every
suppressed cell already shows the marker, so the writers in :mod:`reports.render` make
no decisions and all formats show the same thing.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reports.disclosure import COMPANION_COLUMNS, DisclosureRules
from reports.errors import ReportError


def _row_name(label: Hashable) -> str:
    if isinstance(label, tuple):
        return " | ".join(str(x) for x in label)
    return str(label)


@dataclass(frozen=True, eq=False)  # frames do not compare with ==; identity is enough
class PublishedTable:
    """A table ready to publish.

    Attributes
    ----------
    name
        File stem, e.g. ``"T3_main_effect"`` (letters, digits, ``_`` and ``-``).
    title
        Caption.
    frame
        Formatted cells (``str``), index = row labels (an Index or MultiIndex of
        strings), columns = column headers (strings). Suppressed cells hold the marker.
    footnote
        Text printed under the table.
    disclosure
        Companion frame, one row per cell of ``frame`` in row-major order, with columns
        ``row`` (row label, MultiIndex levels joined by ``" | "``), ``column``,
        ``n_firms``, ``top2_share`` (NaN where not applicable) and ``suppressed_reason``
        (empty string when published).
    """

    name: str
    title: str
    frame: pd.DataFrame
    footnote: str
    disclosure: pd.DataFrame

    def __post_init__(self) -> None:
        if not self.name or not all(ch.isalnum() or ch in "_-" for ch in self.name):
            raise ReportError(f"table name must be letters, digits, '_' or '-', got {self.name!r}")
        frame = self.frame.copy()
        if not frame.columns.is_unique or not frame.index.is_unique:
            raise ReportError(f"table {self.name}: row and column labels must be unique")
        bad = ~frame.map(lambda v: isinstance(v, str)).to_numpy()
        if bad.any():
            raise ReportError(f"table {self.name}: every cell must be a formatted string")
        missing = [c for c in COMPANION_COLUMNS if c not in self.disclosure.columns]
        if missing:
            raise ReportError(f"table {self.name}: companion lacks column(s) {', '.join(missing)}")
        object.__setattr__(self, "frame", frame)
        object.__setattr__(self, "disclosure", self.disclosure.loc[:, list(COMPANION_COLUMNS)].reset_index(drop=True))

    @property
    def n_suppressed(self) -> int:
        """Number of suppressed cells."""
        return int((self.disclosure["suppressed_reason"] != "").sum())

    def to_frame(self) -> pd.DataFrame:
        """The table as a flat frame: row-label columns then the cells (what CSV holds)."""
        flat = self.frame.copy()
        names = [n if n else ("" if flat.index.nlevels == 1 else f"level_{i}") for i, n in enumerate(flat.index.names)]
        flat.index = flat.index.set_names(names)
        return flat.reset_index()

    def summary(self) -> str:
        """Title, the table as Markdown and the footnote."""
        from reports.render import to_markdown

        return to_markdown(self)


class CellGrid:
    """Collects formatted cells with their disclosure statistics, then applies the marker.

    Builders add rows one at a time; cells not given a reason are published. Row order
    is insertion order and column order is fixed at construction, so output is stable.
    """

    def __init__(self, columns: Sequence[str], index_names: Sequence[str] | None = None) -> None:
        self.columns = [str(c) for c in columns]
        if len(set(self.columns)) != len(self.columns):
            raise ReportError("column headers must be unique")
        self.index_names = list(index_names) if index_names else [""]
        self._rows: list[Hashable] = []
        self._text: dict[Hashable, dict[str, str]] = {}
        self._meta: list[tuple[Hashable, str, float, float, str]] = []

    def add_row(
        self,
        label: Hashable,
        values: Mapping[str, str],
        n_firms: Mapping[str, float] | float | None = None,
        top2_share: Mapping[str, float] | float | None = None,
        reason: Mapping[str, str] | str = "",
    ) -> None:
        """Add one row; ``n_firms``, ``top2_share`` and ``reason`` are per column or scalars."""
        if label in self._text:
            raise ReportError(f"duplicate row label {label!r}")
        unknown = set(values) - set(self.columns)
        if unknown:
            raise ReportError(f"unknown column(s) {sorted(unknown)} in row {label!r}")
        self._rows.append(label)
        self._text[label] = {c: str(values.get(c, "")) for c in self.columns}
        for c in self.columns:
            n = n_firms.get(c, np.nan) if isinstance(n_firms, Mapping) else n_firms
            s = top2_share.get(c, np.nan) if isinstance(top2_share, Mapping) else top2_share
            r = reason.get(c, "") if isinstance(reason, Mapping) else reason
            self._meta.append((label, c, np.nan if n is None else float(n), np.nan if s is None else float(s), r or ""))

    def build(self, name: str, title: str, footnote: str, rules: DisclosureRules) -> PublishedTable:
        """Apply the marker to every cell with a reason and return the table."""
        meta = pd.DataFrame(self._meta, columns=["_label", "column", "n_firms", "top2_share", "suppressed_reason"])
        # a suppressed cell that would have been empty anyway still shows the marker,
        # so a reader sees that something was withheld
        for label, column, reason in zip(meta["_label"], meta["column"], meta["suppressed_reason"]):
            if reason:
                self._text[label][column] = rules.marker
        if self.index_names and len(self.index_names) > 1:
            index = pd.MultiIndex.from_tuples(self._rows, names=self.index_names)
        else:
            index = pd.Index(self._rows, name=self.index_names[0], dtype=object)
        frame = pd.DataFrame([self._text[r] for r in self._rows], index=index, columns=self.columns, dtype=object)
        meta.insert(0, "row", meta.pop("_label").map(_row_name))
        return PublishedTable(name=name, title=title, frame=frame, footnote=footnote, disclosure=meta)
