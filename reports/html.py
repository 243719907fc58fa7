"""One self-contained HTML report: tables, figures (base64 PNG), footnotes, run manifest.

The page has no external resources (no scripts, fonts or stylesheets), so it opens
from disk without a server, and it is deterministic: the same inputs give the same
bytes. The text is checked for firm identifiers before it is returned.
"""

from __future__ import annotations

import base64
import html as _html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from reports.errors import ReportError
from reports.guard import assert_no_firm_identifiers
from reports.tables import PublishedTable

_CSS = """
body{font-family:"DejaVu Sans",Arial,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.4}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:1px solid #ccc}
table.pub{border-collapse:collapse;margin:0.6rem 0;font-size:0.88rem}
table.pub th,table.pub td{padding:0.15rem 0.6rem}
table.pub thead th{border-top:2px solid #222;border-bottom:1px solid #222;text-align:right}
table.pub thead th.stub{text-align:left}
table.pub tbody tr:last-child td{border-bottom:2px solid #222}
table.pub td{text-align:right;font-variant-numeric:tabular-nums}
table.pub td.stub{text-align:left}
p.note{font-size:0.82rem;color:#444;max-width:60rem}
figure{margin:1rem 0}figure img{max-width:100%}figcaption{font-size:0.85rem;color:#444}
dl.manifest{display:grid;grid-template-columns:max-content auto;gap:0.2rem 1rem;font-size:0.85rem}
dl.manifest dt{font-weight:bold}dl.manifest dd{margin:0;font-family:monospace;word-break:break-all}
"""


@dataclass(frozen=True)
class ReportFigure:
    """A figure of the report: anchor ``name``, ``caption`` and the PNG bytes."""

    name: str
    caption: str
    png: bytes

    def __post_init__(self) -> None:
        if not self.png.startswith(b"\x89PNG"):
            raise ReportError(f"figure {self.name}: png must be PNG bytes")

    @classmethod
    def from_figure(cls, name: str, caption: str, fig: object) -> "ReportFigure":
        """Render a matplotlib figure with :func:`reports.figures.figure_bytes`."""
        from reports.figures import figure_bytes

        return cls(name=name, caption=caption, png=figure_bytes(fig, "png"))  # type: ignore[arg-type]


def _esc(value: object) -> str:
    return _html.escape(str(value), quote=True)


def table_to_html(table: PublishedTable) -> str:
    """A ``<table>`` with stub columns on the left and repeated outer labels blanked."""
    from reports.render import _display_frame

    flat = _display_frame(table, blank_repeats=True)
    nlev = table.frame.index.nlevels
    head = "".join(
        f'<th class="stub">{_esc(c)}</th>' if i < nlev else f"<th>{_esc(c)}</th>" for i, c in enumerate(flat.columns)
    )
    rows = []
    for row in flat.to_numpy().tolist():
        cells = "".join(
            f'<td class="stub">{_esc(v)}</td>' if i < nlev else f"<td>{_esc(v)}</td>" for i, v in enumerate(row)
        )
        rows.append(f"<tr>{cells}</tr>")
    return f'<table class="pub"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _manifest_html(manifest: Mapping[str, object]) -> str:
    items = []
    for key, value in manifest.items():
        if isinstance(value, Mapping):
            text = "; ".join(f"{k}={v}" for k, v in value.items())
        elif isinstance(value, (list, tuple)):
            text = ", ".join(map(str, value))
        else:
            text = str(value)
        items.append(f"<dt>{_esc(key)}</dt><dd>{_esc(text)}</dd>")
    return f'<dl class="manifest">{"".join(items)}</dl>'


def build_html_report(
    title: str,
    tables: Sequence[PublishedTable],
    figures: Sequence[ReportFigure] = (),
    manifest: Mapping[str, object] | None = None,
    introduction: str = "",
) -> str:
    """The whole report as one HTML string.

    Parameters
    ----------
    title
        Page title and heading.
    tables
        Published tables, shown in order with their footnotes and suppression counts.
    figures
        Figures, shown after the tables, PNG embedded as ``data:`` URIs.
    manifest
        Run-manifest summary (spec hash, code commit, input hashes, seeds...), shown as
        a key/value list in insertion order; nested mappings are flattened to one line.
    introduction
        A paragraph of plain text under the heading.

    Raises
    ------
    ReportError
        On duplicated table or figure names; :class:`~reports.errors.FirmIdentifierError`
        if anything in the page looks like an enterprise number.
    """
    names = [t.name for t in tables] + [f.name for f in figures]
    if len(set(names)) != len(names):
        raise ReportError("report: table and figure names must be unique")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_esc(title)}</h1>",
    ]
    if introduction:
        parts.append(f"<p>{_esc(introduction)}</p>")
    toc = "".join(f'<li><a href="#{_esc(n)}">{_esc(n)}</a></li>' for n in names)
    parts.append(f"<nav><ul>{toc}</ul></nav>")
    for table in tables:
        parts.append(f'<section id="{_esc(table.name)}"><h2>{_esc(table.name)}: {_esc(table.title)}</h2>')
        parts.append(table_to_html(table))
        parts.append(f'<p class="note">{_esc(table.footnote)}</p>')
        parts.append(f'<p class="note">Suppressed cells: {table.n_suppressed}.</p></section>')
    for fig in figures:
        data = base64.b64encode(fig.png).decode("ascii")
        parts.append(
            f'<section id="{_esc(fig.name)}"><h2>{_esc(fig.name)}</h2><figure>'
            f'<img alt="{_esc(fig.caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{_esc(fig.caption)}</figcaption></figure></section>"
        )
    if manifest:
        parts.append(f'<section id="manifest"><h2>Run manifest</h2>{_manifest_html(manifest)}</section>')
    parts.append("</body></html>")
    page = "\n".join(parts) + "\n"
    assert_no_firm_identifiers(page)
    return page


def write_html_report(path: str | Path, *args: object, **kwargs: object) -> Path:
    """Write :func:`build_html_report` (same arguments after ``path``) to ``path``."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(build_html_report(*args, **kwargs), encoding="utf-8", newline="\n")  # type: ignore[arg-type]
    assert_no_firm_identifiers(out)
    return out


def table_metadata(table: PublishedTable) -> dict[str, object]:
    """Plain values for the table's Dagster asset metadata (the pipeline wraps them):
    ``preview`` (Markdown), ``title``, ``footnote``, ``n_rows``, ``n_columns``,
    ``n_suppressed``."""
    from reports.render import to_markdown

    return {
        "preview": to_markdown(table),
        "title": table.title,
        "footnote": table.footnote,
        "n_rows": int(table.frame.shape[0]),
        "n_columns": int(table.frame.shape[1]),
        "n_suppressed": table.n_suppressed,
    }
