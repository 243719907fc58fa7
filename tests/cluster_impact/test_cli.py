"""The ``cluster-impact`` command line lists every subcommand."""

import json
import subprocess
from pathlib import Path
import sys

import pytest

from cluster_impact.cli import main

SUBCOMMANDS = ("run", "reproduce", "validate", "simulate", "tfp", "match", "did", "report")


def test_help_lists_every_subcommand(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for name in SUBCOMMANDS:
        assert name in out, name


def test_console_script_is_installed():
    # The console script is what README command 1 calls.
    result = subprocess.run([sys.executable, "-m", "cluster_impact.cli", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "reproduce" in result.stdout


def test_no_subcommand_prints_help_and_fails(capsys):
    assert main([]) == 2
    assert "usage: cluster-impact" in capsys.readouterr().out


def test_run_refuses_a_bad_study_before_compute(tmp_path, capsys):
    study = tmp_path / "bad.yaml"
    study.write_text("name: x\ninputs: {demo: {seed: 1}}\ntfp: {method: magic}\n", encoding="utf-8")
    assert main(["run", "--study", str(study), "--out", str(tmp_path / "out")]) == 1
    assert "tfp.method" in capsys.readouterr().err


def test_run_refuses_an_output_folder_with_foreign_files(tmp_path, capsys):
    keep = tmp_path / "precious.txt"
    keep.write_text("not a study output", encoding="utf-8")
    assert main(["run", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "not study outputs" in err and "precious.txt" in err and "Traceback" not in err
    assert keep.read_text(encoding="utf-8") == "not a study output"


def test_help_does_not_import_the_estimators():
    """Start-up: ``--help`` lists every command without importing pandas, Dagster or any package."""
    code = (
        "import sys, contextlib, io\n"
        "from cluster_impact.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n        main(['--help'])\n    except SystemExit:\n        pass\n"
        "heavy = [m for m in ('pandas', 'numpy', 'dagster', 'statsmodels', 'did', 'tfp', 'matching') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == "", result.stdout + result.stderr


def test_lazy_help_lines_match_what_each_package_registers():
    from cluster_impact.cli import _COMMAND_MODULES, build_parser

    parser = build_parser(load_all=True)
    action = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    registered = {choice.dest: choice.help for choice in action._choices_actions}
    declared = {cmd: help_line for commands in _COMMAND_MODULES.values() for cmd, help_line in commands.items()}
    assert registered == declared


def test_only_the_named_command_is_loaded():
    code = (
        "import sys\n"
        "from cluster_impact.cli import build_parser\n"
        "build_parser(['did', 'att-gt', '--help'])\n"
        "print('did.cli' in sys.modules, 'tfp' in sys.modules, 'dagster' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.split() == ["True", "False", "False"], result.stderr


def test_run_prints_progress_and_json(tmp_path, capsys, monkeypatch):
    """The handler's console and JSON, with the study run replaced by a stub (the real run is
    exercised by tests/pipelines and test_progress)."""
    import warnings

    import cluster_impact.runner as runner

    def fake_run_study(study, out, *, storage_dir=None, logger=None, records_dir=None, command=None):
        out = tmp_path / "out"
        (out / "tables").mkdir(parents=True, exist_ok=True)
        (out / "tables" / "T1.csv").write_text("a\n1\n")
        # an earlier publication of this tool, so the second run may replace it
        (out / "manifest.json").write_text(json.dumps({"manifest_version": 2, "outputs": {"tables/T1.csv": "0"}}))
        warnings.warn("cohort 2017: 3 members cannot be matched")
        warnings.warn("cohort 2017: 3 members cannot be matched")
        assert logger is not None
        return runner.StudyRun(out_dir=out, manifest_path=out / "manifest.json", run_id="r1", manifest={})

    monkeypatch.setattr(runner, "run_study", fake_run_study)
    storage = tmp_path / "storage"
    assert main(["run", "--out", str(tmp_path / "out"), "--storage", str(storage), "--json", "-"]) == 0
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["run_id"] == "r1" and document["files"] == {"tables": ["T1.csv"]}
    assert document["warnings"] == ["cohort 2017: 3 members cannot be matched"]
    assert captured.err.count("warning: cohort 2017") == 1 and "warnings.warn" not in captured.err
    log = Path(document["log_file"])
    assert log.parent.parent == storage / "runs" and "cohort 2017" in log.read_text(encoding="utf-8")
    assert main(["run", "--out", str(tmp_path / "out"), "--storage", str(storage)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Study published to") and "tables/: 1 files (T1.csv)" in out and "log: " in out
