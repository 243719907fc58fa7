"""Writers of a :class:`~reports.tables.PublishedTable` to CSV, Markdown, LaTeX and XLSX.

Every writer is deterministic: the bytes depend only on the table. Text files are UTF-8
with ``\\n`` line ends; the XLSX has fixed document properties and fixed zip entry
times. :func:`write_table` checks every file it writes with
:func:`~reports.guard.assert_no_firm_identifiers`.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from tabulate import tabulate

from reports.errors import ReportError
from reports.guard import assert_no_firm_identifiers
from reports.tables import PublishedTable

#: Formats :func:`write_table` knows, with their file suffix.
FORMATS: dict[str, str] = {"csv": ".csv", "md": ".md", "tex": ".tex", "xlsx": ".xlsx"}

# Document properties written into every XLSX instead of "now" and the user name.
_FIXED_TIME = _dt.datetime(2000, 1, 1, 0, 0, 0)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_AUTHOR = "cluster-impact"


def _display_frame(table: PublishedTable, blank_repeats: bool) -> pd.DataFrame:
    """Row labels as columns; with ``blank_repeats`` an outer label is printed once per block."""
    flat = table.to_frame()
    nlev = table.frame.index.nlevels
    if blank_repeats and nlev > 1:
        for i in range(nlev - 1):
            col = flat.columns[i]
            key = flat.iloc[:, : i + 1].astype(str).agg("\x1f".join, axis=1)
            flat[col] = flat[col].where(key != key.shift(1), "")
    return flat


def to_csv(table: PublishedTable) -> str:
    """The table as CSV: one column per row-label level, then the cells, header first."""
    return table.to_frame().to_csv(index=False, lineterminator="\n")


def disclosure_to_csv(table: PublishedTable) -> str:
    """The companion disclosure frame as CSV (``top2_share`` to 4 decimals)."""
    comp = table.disclosure.copy()
    comp["n_firms"] = comp["n_firms"].map(lambda v: "" if pd.isna(v) else f"{v:.0f}")
    comp["top2_share"] = comp["top2_share"].map(lambda v: "" if pd.isna(v) else f"{v:.4f}")
    comp.insert(0, "table", table.name)
    return comp.to_csv(index=False, lineterminator="\n")


def to_markdown(table: PublishedTable) -> str:
    """Title, a pipe table and the footnote (what the Dagster UI previews)."""
    flat = _display_frame(table, blank_repeats=True)
    nlev = table.frame.index.nlevels
    align = ["left"] * nlev + ["right"] * (flat.shape[1] - nlev)
    cells = [[str(v).replace("|", r"\|") for v in row] for row in flat.to_numpy().tolist()]
    body = tabulate(
        cells,
        headers=[str(c).replace("|", r"\|") for c in flat.columns],
        tablefmt="pipe",
        disable_numparse=True,
        colalign=align,
    )
    return f"**{table.title}**\n\n{body}\n\n_{_md_escape(table.footnote)}_\n"


def _md_escape(text: str) -> str:
    return text.replace("*", r"\*").replace("_", r"\_")


_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "×": r"$\times$",
    "²": r"$^2$",
    "≥": r"$\geq$",
    "≤": r"$\leq$",
    "χ": r"$\chi$",
    "–": "--",
    "'": "'",
}
_STARRED = re.compile(r"^(.*?)(\*+)$")
_NEGATIVE = re.compile(r"^-(?=[0-9.])")


def _latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIALS.get(ch, ch) for ch in text)


def _latex_cell(text: str) -> str:
    match = _STARRED.match(text)
    core, star = (match.group(1), match.group(2)) if match else (text, "")
    core = _NEGATIVE.sub("$-$", _latex_escape(core)) if _NEGATIVE.match(core) else _latex_escape(core)
    return core + (f"$^{{{star}}}$" if star else "")


def to_latex(table: PublishedTable) -> str:
    """A booktabs ``table`` environment with caption, label and the footnote below."""
    flat = _display_frame(table, blank_repeats=True)
    nlev = table.frame.index.nlevels
    spec = "l" * nlev + "r" * (flat.shape[1] - nlev)
    header = " & ".join(_latex_escape(str(c)) for c in flat.columns) + r" \\"
    lines = [
        r"\begin{table}[htbp]",
        r"\centering",
        rf"\caption{{{_latex_escape(table.title)}}}",
        rf"\label{{tab:{table.name}}}",
        rf"\begin{{tabular}}{{{spec}}}",
        r"\toprule",
        header,
        r"\midrule",
    ]
    for row in flat.to_numpy().tolist():
        lines.append(" & ".join(_latex_cell(str(v)) for v in row) + r" \\")
    lines += [
        r"\bottomrule",
        r"\end{tabular}",
        r"\par\smallskip\begin{minipage}{\linewidth}\footnotesize",
        _latex_escape(table.footnote),
        r"\end{minipage}",
        r"\end{table}",
    ]
    return "\n".join(lines) + "\n"


def to_xlsx_bytes(table: PublishedTable) -> bytes:
    """An XLSX workbook, sheet ``table`` (title, header, cells, footnote).

    The disclosure companion is not included: its ``top2_share`` next to a published
    total reveals the two largest firms' combined size, so it goes only to the output
    checker (see :func:`write_table`). Byte-identical across runs."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    ws = wb.active
    ws.title = "table"
    flat = table.to_frame()
    ws.append([table.title])
    ws["A1"].font = Font(bold=True)
    ws.append([str(c) for c in flat.columns])
    for row in flat.to_numpy().tolist():
        ws.append([str(v) for v in row])
    ws.append([])
    ws.append([table.footnote])
    props = wb.properties
    props.creator = _AUTHOR
    props.lastModifiedBy = _AUTHOR
    props.title = table.title
    props.created = _FIXED_TIME
    props.modified = _FIXED_TIME
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()  # unlike save_workbook, leaves `modified` alone
    return _normalise_zip(raw.getvalue())


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry times and attributes, entries in original order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def write_table(
    table: PublishedTable,
    directory: str | Path,
    formats: Sequence[str] = ("csv", "md", "tex", "xlsx"),
    companion: bool = True,
    companion_directory: str | Path | None = None,
) -> list[Path]:
    """Write ``table`` as ``<directory>/<name>.<suffix>`` for each format.

    With ``companion`` the disclosure frame goes to ``<name>_disclosure.csv`` in
    ``companion_directory`` (default: ``directory``); keep that folder for the output
    checker, as ``top2_share`` beside a published total is itself sensitive. Each
    file is checked for firm identifiers after writing (and removed if one is found).

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of ``formats`` (companion last).
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ReportError(f"unknown table format(s) {', '.join(unknown)}; known: {', '.join(FORMATS)}")
    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    payloads: list[tuple[Path, bytes]] = []
    writers = {"csv": to_csv, "md": to_markdown, "tex": to_latex}
    for fmt in formats:
        path = out_dir / f"{table.name}{FORMATS[fmt]}"
        data = to_xlsx_bytes(table) if fmt == "xlsx" else writers[fmt](table).encode("utf-8")
        payloads.append((path, data))
    if companion:
        companion_dir = Path(companion_directory) if companion_directory is not None else out_dir
        companion_dir.mkdir(parents=True, exist_ok=True)
        payloads.append((companion_dir / f"{table.name}_disclosure.csv", disclosure_to_csv(table).encode("utf-8")))
    written = []
    for path, data in payloads:
        path.write_bytes(data)
        try:
            assert_no_firm_identifiers(path)
        except ReportError:
            path.unlink()
            raise
        written.append(path)
    return written
