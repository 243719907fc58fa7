"""Text and HTML rendering of results summaries (``summary()``, ``_repr_html_``).

A summary is a title, a list of labelled facts (design, sample, inference), tables
and notes; the same pieces give the console text and the notebook HTML, so the two
never say different things. Numbers are rounded to 4 decimals as R ``did`` prints them.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

import pandas as pd


def fmt(value: object, digits: int = 4) -> str:
    """A number as printed in tables: fixed decimals, ``NA`` for missing, ints as ints."""
    if value is None:
        return "NA"
    if isinstance(value, bool):
        return str(value)
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(f):
        return "NA"
    if math.isinf(f):
        return "Inf" if f > 0 else "-Inf"
    if float(f).is_integer() and not isinstance(value, float):
        return str(int(f))
    if abs(f) >= 1e7:
        return f"{f:.{digits}g}"
    text = f"{f:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.0000"


def fmt_p(p: float) -> str:
    """A p-value: 4 decimals, ``<0.0001`` below that."""
    if p is None or not math.isfinite(p):
        return "NA"
    return "<0.0001" if p < 1e-4 else f"{p:.4f}"


def stars(lower: float, upper: float) -> str:
    """R did's significance mark: ``*`` when the interval does not cover 0."""
    if lower is None or upper is None or not (math.isfinite(lower) and math.isfinite(upper)):
        return ""
    return "*" if (upper < 0 or lower > 0) else ""


def _left_first(frame: pd.DataFrame) -> pd.DataFrame:
    """Left-align the first (label) column, as R prints row labels."""
    first = frame.columns[0]
    cells = frame[first].astype(str)
    width = max(cells.str.len().max(), len(str(first)))
    out = frame.copy()
    out[first] = cells.str.ljust(width)
    return out.rename(columns={first: str(first).ljust(width)})


@dataclass(frozen=True)
class Display:
    """The pieces of a results summary."""

    title: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        width = max(len(k) for k, _ in self.facts) if self.facts else 0
        lines = [self.title, "=" * len(self.title)]
        lines += [f"{k + ':':<{width + 1}}  {v}" for k, v in self.facts]
        for caption, frame in self.tables:
            lines += ["", caption] if caption else [""]
            lines.append(_left_first(frame).to_string(index=False) if len(frame) else "  (none)")
        if self.notes:
            lines.append("---")
            lines += self.notes
        return "\n".join(lines)

    def html(self) -> str:
        esc = html.escape
        parts = [f"<div class=\"tfp-summary\"><h4>{esc(self.title)}</h4>"]
        if self.facts:
            rows = "".join(f"<tr><th style=\"text-align:left\">{esc(k)}</th><td style=\"text-align:left\">"
                           f"{esc(v)}</td></tr>" for k, v in self.facts)
            parts.append(f"<table>{rows}</table>")
        for caption, frame in self.tables:
            if caption:
                parts.append(f"<p><b>{esc(caption)}</b></p>")
            parts.append(frame.to_html(index=False, escape=True, border=0))
        parts += [f"<p><small>{esc(n)}</small></p>" for n in self.notes]
        parts.append("</div>")
        return "".join(parts)


def formatted(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every numeric cell formatted by :func:`fmt` (for display only)."""
    return frame.apply(lambda col: col.map(fmt) if pd.api.types.is_numeric_dtype(col) else col.astype(str))
