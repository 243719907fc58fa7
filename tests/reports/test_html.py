"""The self-contained HTML report."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from reports.errors import FirmIdentifierError, ReportError
from reports.figures import love_plot_figure
from reports.html import ReportFigure, build_html_report, table_metadata, write_html_report
from reports.impact_tables import build_main_table
from reports.notes import StudyNotes

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"
NOTES = StudyNotes(sample="Simulated golden study", estimator="TFP: ACF")


@pytest.fixture(scope="module")
def parts():
    columns = json.loads((FIXTURES / "main_table_columns.json").read_text(encoding="utf-8"))["columns"]
    table = build_main_table(columns, NOTES)
    balance = pd.DataFrame(
        {"variable": ["a", "b"] * 2, "sample": ["before"] * 2 + ["after"] * 2, "std_diff": [0.3, -0.2, 0.01, 0.02]}
    )
    figure = ReportFigure.from_figure("F6_love_plot", "Balance before and after matching", love_plot_figure(balance))
    manifest = {
        "study": "demo",
        "spec_sha256": "ab" * 32,
        "seeds": {"study": 20170101},
        "packages": ["numpy 2.4", "pandas 2.3"],
    }
    return table, figure, manifest


def test_report_is_self_contained_and_complete(parts):
    table, figure, manifest = parts
    page = build_html_report("Cluster impact", [table], [figure], manifest, introduction="Demo study.")
    assert page.startswith("<!DOCTYPE html>")
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing fetched from elsewhere
    assert "<script" not in page
    assert "0.084***" in page and table.footnote.split(".")[0] in page
    assert "Suppressed cells: 7." in page
    img = re.search(r'src="data:image/png;base64,([^"]+)"', page)
    assert img and base64.b64decode(img.group(1)) == figure.png
    assert "spec_sha256" in page and "study=20170101" in page
    assert '<a href="#T3_main_effect">' in page


def test_report_is_deterministic(tmp_path, parts):
    table, figure, manifest = parts
    a = write_html_report(tmp_path / "a.html", "Cluster impact", [table], [figure], manifest)
    b = write_html_report(tmp_path / "b.html", "Cluster impact", [table], [figure], manifest)
    assert a.read_bytes() == b.read_bytes()


def test_report_refuses_identifiers_and_duplicates(parts):
    table, figure, _ = parts
    with pytest.raises(FirmIdentifierError):
        build_html_report("R", [table], [], {"note": "firm BE0417497106"})
    with pytest.raises(ReportError, match="unique"):
        build_html_report("R", [table, table])
    with pytest.raises(ReportError, match="PNG"):
        ReportFigure("x", "y", b"GIF89a")


def test_table_metadata_for_the_ui(parts):
    table, _, _ = parts
    meta = table_metadata(table)
    assert meta["preview"].startswith("**Effect of cluster membership")
    assert (meta["n_rows"], meta["n_columns"], meta["n_suppressed"]) == (10, 6, 7)
