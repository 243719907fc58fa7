"""Write a whole published set: every table in every format, figures, one HTML report."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from reports.errors import ReportError
from reports.figures import figure_bytes, save_figure
from reports.guard import assert_no_firm_identifiers
from reports.html import ReportFigure, write_html_report
from reports.render import FORMATS, write_table
from reports.tables import PublishedTable


@dataclass(frozen=True)
class PublishedSet:
    """What :func:`publish` wrote: ``files`` (sorted, relative to ``root``) and their SHA-256."""

    root: Path
    files: tuple[str, ...]
    sha256: Mapping[str, str]

    def to_manifest(self) -> dict[str, str]:
        """``{relative path: sha256}`` for the run manifest."""
        return dict(self.sha256)


def publish(
    out_dir: str | Path,
    tables: Sequence[PublishedTable],
    figures: Mapping[str, tuple[str, Figure]] | None = None,
    manifest: Mapping[str, object] | None = None,
    title: str = "Innovation-cluster membership and firm productivity",
    introduction: str = "",
    formats: Sequence[str] = tuple(FORMATS),
) -> PublishedSet:
    """Publish tables, figures and the HTML report under ``out_dir``.

    Layout: ``tables/<name>.{csv,md,tex,xlsx}`` and ``tables/<name>_disclosure.csv``,
    ``figures/<name>.{png,svg}``, ``report.html``. The whole folder is then scanned
    with :func:`~reports.guard.assert_no_firm_identifiers`.

    Parameters
    ----------
    figures
        ``{name: (caption, matplotlib Figure)}``, e.g. ``{"F1_tfp_index": ("TFP of
        members vs all firms", fig)}``.
    manifest
        Run-manifest summary shown at the end of the report.
    """
    root = Path(out_dir)
    figures = dict(figures or {})
    names = [t.name for t in tables]
    if len(set(names)) != len(names):
        raise ReportError("publish: table names must be unique")
    for table in tables:
        write_table(table, root / "tables", formats=formats)
    report_figures = []
    for name, (caption, fig) in figures.items():
        save_figure(fig, root / "figures" / name)
        report_figures.append(ReportFigure(name=name, caption=caption, png=figure_bytes(fig, "png")))
    write_html_report(root / "report.html", title, list(tables), report_figures, manifest, introduction)
    assert_no_firm_identifiers(root)
    files = tuple(sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()))
    digests = {f: hashlib.sha256((root / f).read_bytes()).hexdigest() for f in files}
    return PublishedSet(root=root, files=files, sha256=digests)
