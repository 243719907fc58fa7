"""``cluster-impact report ...`` through the project's CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import cluster_impact.cli as project_cli
from cluster_impact.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reports"


@pytest.fixture(autouse=True)
def _with_reports_cli(monkeypatch):
    # cluster_impact.cli lists the contributing modules; add ours if it is not there yet
    if "reports.cli" not in project_cli._COMMAND_MODULES:
        monkeypatch.setattr(project_cli, "_COMMAND_MODULES", (*project_cli._COMMAND_MODULES, "reports.cli"))


def test_main_table_command_writes_the_golden_table(tmp_path, capsys):
    out = tmp_path / "published"
    code = main(
        [
            "report",
            "main-table",
            "--columns",
            str(FIXTURES / "main_table_columns.json"),
            "--out",
            str(out),
            "--sample",
            "Simulated golden study, 1,500 firms, 2014-2020",
            "--estimator",
            "TFP: ACF by NACE 2-digit industry; effects as labelled",
        ]
    )
    assert code == 0
    assert (out / "T3_main_effect.csv").read_text(encoding="utf-8") == (
        FIXTURES / "T3_main_effect_golden.csv"
    ).read_text(encoding="utf-8")
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [
            "T3_main_effect.csv",
            "T3_main_effect.md",
            "T3_main_effect.tex",
            "T3_main_effect.xlsx",
            "T3_main_effect_disclosure.csv",
        ]
    )
    assert "T3_main_effect.csv" in capsys.readouterr().out


def test_check_command(tmp_path, capsys):
    (tmp_path / "ok.csv").write_text("a,1\n")
    assert main(["report", "check", str(tmp_path)]) == 0
    (tmp_path / "leak.csv").write_text("a,0417497106\n")
    assert main(["report", "check", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "leak.csv" in err and "Traceback" not in err
    assert main(["report", "check", str(tmp_path), "--json", "-"]) == 1
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["ok"] is False and "leak.csv" in document["error"] and captured.err.count("\n") == 1
    (tmp_path / "leak.csv").unlink()
    assert main(["report", "check", str(tmp_path), "--json", "-"]) == 0
    assert json.loads(capsys.readouterr().out) == {"ok": True, "paths": [str(tmp_path)], "error": None}


@pytest.mark.parametrize(
    "content, message",
    [("{not json", "not valid JSON"), ('{"a": 1}', "expected a list"), ('[{"label": "A"}]', "missing")],
)
def test_main_table_command_bad_input(tmp_path, capsys, content, message):
    spec = tmp_path / "cols.json"
    spec.write_text(content)
    assert main(["report", "main-table", "--columns", str(spec), "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_yaml_specs_and_formats(tmp_path):
    columns = json.loads((FIXTURES / "main_table_columns.json").read_text(encoding="utf-8"))["columns"]
    import yaml

    spec = tmp_path / "cols.yaml"
    spec.write_text(yaml.safe_dump({"columns": columns}, allow_unicode=True), encoding="utf-8")
    assert main(["report", "main-table", "--columns", str(spec), "--out", str(tmp_path / "o"), "--formats", "md"]) == 0
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["T3_main_effect.md", "T3_main_effect_disclosure.csv"]
