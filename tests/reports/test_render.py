"""Writers: CSV, Markdown, LaTeX booktabs, XLSX; determinism and the identifier guard."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from reports.disclosure import DisclosureRules
from reports.errors import FirmIdentifierError, ReportError
from reports.impact_tables import build_main_table, build_robustness_table
from reports.notes import StudyNotes
from reports.render import to_csv, to_latex, to_markdown, to_xlsx_bytes, write_table
from reports.tables import CellGrid, PublishedTable

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"
NOTES = StudyNotes(sample="Simulated golden study", estimator="TFP: ACF")


@pytest.fixture(scope="module")
def main_table() -> PublishedTable:
    columns = json.loads((FIXTURES / "main_table_columns.json").read_text(encoding="utf-8"))["columns"]
    return build_main_table(columns, NOTES)


@pytest.fixture(scope="module")
def grouped_table() -> PublishedTable:
    effects = pd.DataFrame(
        {
            "dimension": ["TFP estimator", "TFP estimator", "Sample"],
            "variant": ["OLS", "ACF", "Balanced panel"],
            "estimate": [0.04, -0.028, 0.03],
            "se": [0.01, 0.011, 0.012],
            "n_obs": [10500, 10500, 7000],
            "n_firms": [1500, 1500, 1000],
            "n_members": [212, 212, 150],
            "residual_df": [9000, 9000, 6000],
        }
    )
    return build_robustness_table(effects, NOTES)


def test_csv_round_trips(main_table):
    back = pd.read_csv(io.StringIO(to_csv(main_table)), dtype=str, keep_default_na=False)
    assert back.columns[0] == "Statistic"
    assert back.iloc[:, 1:].to_numpy().tolist() == main_table.frame.to_numpy().tolist()


def test_markdown(main_table, grouped_table):
    md = to_markdown(main_table)
    assert md.startswith("**Effect of cluster membership on total factor productivity**")
    assert "| Cluster membership" in md and "0.084***" in md
    assert "Cells marked x are suppressed" in md
    md2 = to_markdown(grouped_table)
    # the outer label is printed once per block
    assert md2.count("TFP estimator") == 1


def test_latex_booktabs(main_table, grouped_table):
    tex = to_latex(main_table)
    for token in (r"\toprule", r"\midrule", r"\bottomrule", r"\caption{", r"\label{tab:T3_main_effect}"):
        assert token in tex
    assert r"0.084$^{***}$" in tex
    assert r"Industry $\times$ year FE" in tex
    assert r"Within R$^2$" in tex
    assert r"Effect in \%" in tex
    assert r"\begin{tabular}{lrrrrrr}" in tex
    assert r"$-$0.028$^{**}$" in to_latex(grouped_table)


def test_xlsx_is_byte_identical_across_runs_and_readable(main_table):
    first = to_xlsx_bytes(main_table)
    time.sleep(2.1)  # zip entry times have two-second resolution
    second = to_xlsx_bytes(main_table)
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        core = z.read("docProps/core.xml").decode()
    assert "2000-01-01T00:00:00Z" in core and "cluster-impact" in core
    sheet = pd.read_excel(io.BytesIO(first), sheet_name="table", header=None, dtype=str)
    assert sheet.iloc[0, 0] == main_table.title
    assert sheet.iloc[1].tolist() == ["Statistic", *main_table.frame.columns]
    assert sheet.iloc[2, 1] == "0.084***"
    # The companion (top2_share) is for the output checker only, never in a publishable file.
    assert pd.ExcelFile(io.BytesIO(first)).sheet_names == ["table"]


def test_write_table_writes_every_format_deterministically(tmp_path, main_table):
    a = write_table(main_table, tmp_path / "a")
    b = write_table(main_table, tmp_path / "b")
    assert [p.name for p in a] == [
        "T3_main_effect.csv",
        "T3_main_effect.md",
        "T3_main_effect.tex",
        "T3_main_effect.xlsx",
        "T3_main_effect_disclosure.csv",
    ]
    for pa, pb in zip(a, b):
        assert pa.read_bytes() == pb.read_bytes()
    assert b"\r\n" not in a[0].read_bytes()


def test_write_table_refuses_a_file_with_an_enterprise_number(tmp_path):
    grid = CellGrid(["Value"])
    grid.add_row("BE0417.497.106", {"Value": "1"})
    table = grid.build("leaky", "Leaky", "A footnote.", DisclosureRules())
    with pytest.raises(FirmIdentifierError):
        write_table(table, tmp_path, formats=["csv"])
    assert not (tmp_path / "leaky.csv").exists()


def test_unknown_format(tmp_path, main_table):
    with pytest.raises(ReportError, match="unknown table format"):
        write_table(main_table, tmp_path, formats=["pdf"])


def test_published_table_validates_its_cells():
    comp = pd.DataFrame(columns=["row", "column", "n_firms", "top2_share", "suppressed_reason"])
    with pytest.raises(ReportError, match="formatted string"):
        PublishedTable("t", "T", pd.DataFrame({"a": [1.0]}), "", comp)
    with pytest.raises(ReportError, match="table name"):
        PublishedTable("bad name", "T", pd.DataFrame({"a": ["1"]}), "", comp)


def test_bytes_are_identical_in_a_fresh_interpreter(main_table):
    """Another process (other hash seed, fresh caches) writes the same XLSX and figure bytes."""
    import hashlib
    import os
    import subprocess
    import sys

    from reports.figures import figure_bytes, love_plot_figure

    balance = "pd.DataFrame({'variable': ['a', 'b'] * 2, 'sample': ['before'] * 2 + ['after'] * 2, 'std_diff': [0.3, -0.2, 0.01, 0.02]})"
    script = (
        "import hashlib, json, sys; import pandas as pd\n"
        "from reports.impact_tables import build_main_table\n"
        "from reports.notes import StudyNotes\n"
        "from reports.render import to_xlsx_bytes\n"
        "from reports.figures import figure_bytes, love_plot_figure\n"
        f"cols = json.loads(open({str(FIXTURES / 'main_table_columns.json')!r}, encoding='utf-8').read())['columns']\n"
        "t = build_main_table(cols, StudyNotes(sample='Simulated golden study', estimator='TFP: ACF'))\n"
        f"f = love_plot_figure({balance})\n"
        "print(hashlib.sha256(to_xlsx_bytes(t)).hexdigest(), hashlib.sha256(figure_bytes(f, 'svg')).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env)
    xlsx_hash, svg_hash = out.stdout.split()
    assert xlsx_hash == hashlib.sha256(to_xlsx_bytes(main_table)).hexdigest()
    local = love_plot_figure(
        pd.DataFrame({"variable": ["a", "b"] * 2, "sample": ["before"] * 2 + ["after"] * 2, "std_diff": [0.3, -0.2, 0.01, 0.02]})
    )
    assert svg_hash == hashlib.sha256(figure_bytes(local, "svg")).hexdigest()


def test_companion_can_go_to_a_checker_folder(tmp_path, main_table):
    written = write_table(main_table, tmp_path / "tables", companion_directory=tmp_path / "checker")
    assert (tmp_path / "checker" / "T3_main_effect_disclosure.csv") in written
    assert not any(p.name.endswith("_disclosure.csv") for p in (tmp_path / "tables").iterdir())
