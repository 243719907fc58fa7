"""Determinism and auditability: byte-identical reruns and ``cluster-impact reproduce``.

The code's provenance (commit, dirty flag) is pinned for this module: the runs and
reproductions below compare outputs, and the working tree of whoever runs the tests
may have uncommitted changes. The forged-manifest tests (issue 12, item 11) vary it.
"""

from __future__ import annotations

import filecmp
import json
import shutil
from pathlib import Path

import pytest
import yaml

import cluster_impact.reproduce
import study.manifest
from cluster_impact.cli import main
from cluster_impact.reproduce import table_cell_changes
from cluster_impact.runner import run_study
from data_contracts import synthetic
from study.manifest import read_manifest

SMALL_STUDY = Path(__file__).resolve().parents[1] / "fixtures" / "studies" / "small.yaml"
PINNED_CODE = {"git_commit": "1" * 40, "dirty": False}


@pytest.fixture(scope="module", autouse=True)
def pinned_code():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(study.manifest, "code_state", lambda root=None: dict(PINNED_CODE))
        yield patch


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("determinism")
    return [run_study(SMALL_STUDY, base / name / "out", storage_dir=base / name / "storage") for name in "ab"]


def test_two_runs_publish_byte_identical_files(two_runs):
    a, b = two_runs
    files_a = sorted(p.relative_to(a.out_dir) for p in a.out_dir.rglob("*") if p.is_file() and p.name != "manifest.json")
    files_b = sorted(p.relative_to(b.out_dir) for p in b.out_dir.rglob("*") if p.is_file() and p.name != "manifest.json")
    assert files_a == files_b and files_a
    _, mismatch, errors = filecmp.cmpfiles(a.out_dir, b.out_dir, [str(f) for f in files_a], shallow=False)
    assert mismatch == [] and errors == []
    assert a.manifest["outputs"] == b.manifest["outputs"]
    assert a.manifest["inputs"] == b.manifest["inputs"]


@pytest.fixture(scope="module")
def file_study(tmp_path_factory):
    """A study reading input files (as researchers receive them), run once."""
    base = tmp_path_factory.mktemp("audit")
    spec = yaml.safe_load(SMALL_STUDY.read_text(encoding="utf-8"))
    demo = spec["inputs"].pop("demo")
    population = synthetic.simulate_population(synthetic.SimulationConfig(
        seed=demo["seed"], n_firms=demo["n_firms"], member_share=demo["member_share"]))
    paths = synthetic.write_raw_files(population, base / "inputs")
    spec["inputs"]["files"] = {k: str(Path(paths[k]).relative_to(base)) for k in ("accounts", "membership", "deflators")}
    study = base / "study.yaml"
    study.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    run = run_study(study, base / "published", storage_dir=base / "storage")
    return base, study, run


def test_reproduce_fresh_manifest_exits_zero(file_study, capsys):
    _, _, run = file_study
    assert main(["reproduce", str(run.manifest_path)]) == 0
    assert "Reproduced: all" in capsys.readouterr().out


def test_reproduce_catches_a_table_edited_by_hand(file_study, tmp_path, capsys):
    _, _, run = file_study
    copy = tmp_path / "published"
    shutil.copytree(run.out_dir, copy)
    table = copy / "tables" / "main_effect.csv"
    text = table.read_text(encoding="utf-8")
    lines = text.splitlines()
    cells = lines[1].split(",")
    cells[2] = "0.999***"
    lines[1] = ",".join(cells)
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["reproduce", str(copy / "manifest.json")]) == 1
    out = capsys.readouterr().out
    assert "edited after the run" in out and "tables/main_effect.csv" in out
    assert "0.999***" in out


def test_reproduce_names_a_changed_seed(file_study, tmp_path, capsys):
    _, study, run = file_study
    spec = yaml.safe_load(study.read_text(encoding="utf-8"))
    spec["seed"] = spec["seed"] + 1
    changed = study.parent / "study_changed_seed.yaml"
    changed.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    assert main(["reproduce", str(run.manifest_path), "--study", str(changed)]) == 1
    out = capsys.readouterr().out
    assert f"seed: {spec['seed'] - 1} -> {spec['seed']}" in out


def test_changed_input_is_refused_then_diffed_on_request(file_study, tmp_path, capsys):
    base, study, run = file_study
    altered = tmp_path / "inputs"
    shutil.copytree(base / "inputs", altered)
    accounts = next(altered.glob("accounts*"))
    lines = accounts.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    va_col = header.index("9900")
    # Raise the gross margin (rubric 9900) of every tenth filing by half: a change in
    # the input values that must move the published estimates.
    for i in range(1, len(lines), 10):
        cells = lines[i].split(",")
        if cells[va_col]:
            cells[va_col] = str(int(float(cells[va_col]) * 1.5))
        lines[i] = ",".join(cells)
    accounts.write_text("\n".join(lines) + "\n", encoding="utf-8")

    assert main(["reproduce", str(run.manifest_path), "--inputs", str(altered)]) == 1
    err = capsys.readouterr().err
    assert "refusing to reproduce" in err and accounts.name in err

    assert main(["reproduce", str(run.manifest_path), "--inputs", str(altered), "--allow-changed-inputs"]) == 1
    out = capsys.readouterr().out
    assert "inputs differ from the manifest" in out
    assert "tables/main_effect.csv: row 'Cluster membership'" in out


def test_table_cell_changes_names_row_and_column():
    old = "Statistic,(1) A,(2) B\nCluster membership,0.020***,0.030\n"
    new = "Statistic,(1) A,(2) B\nCluster membership,0.021***,0.030\n"
    (change,) = table_cell_changes("t.csv", old, new)
    assert (change.row, change.column, change.old, change.new) == ("Cluster membership", "(1) A", "0.020***", "0.021***")


def test_manifest_records_provenance(two_runs):
    manifest = read_manifest(two_runs[0].manifest_path)
    for key in ("study", "inputs", "seeds", "code", "lock_file_sha256", "python", "platform", "packages",
                "dagster_run_id", "disclosure_audit", "weaker_disclosure_thresholds", "outputs"):
        assert key in manifest
    assert manifest["disclosure_audit"]["ok"] is True and manifest["weaker_disclosure_thresholds"] == []
    assert len(manifest["study"]["sha256"]) == 64
    assert manifest["seeds"]["study"] == yaml.safe_load(SMALL_STUDY.read_text())["seed"]


# --- issue 12, item 11: the code's provenance and the manifest's own integrity -------------------------

def _forged_copy(run, tmp_path, edit) -> Path:
    """A copy of the publication whose manifest ``edit(manifest)`` changes in place."""
    copy = tmp_path / "published"
    shutil.copytree(run.out_dir, copy)
    manifest = read_manifest(copy / "manifest.json")
    edit(manifest)
    (copy / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return copy / "manifest.json"


def _forge_provenance(manifest: dict) -> None:
    manifest["code"] = {"git_commit": "d" * 40, "dirty": True}
    manifest["lock_file_sha256"] = "0" * 64
    manifest["packages"].update(numpy="0.0.1", dagster="0.0.2")


def _forge_commit_and_output_hash(manifest: dict) -> None:
    manifest["code"]["git_commit"] = "d" * 40
    manifest["outputs"]["tables/main_effect.csv"] = "0" * 64


def _no_compute(*_args, **_kwargs):
    raise AssertionError("the code check must refuse before any compute")


def test_forged_provenance_is_refused_before_compute_naming_each_difference(file_study, tmp_path, capsys,
                                                                            monkeypatch):
    _, _, run = file_study
    forged = _forged_copy(run, tmp_path, _forge_provenance)
    monkeypatch.setattr(cluster_impact.reproduce, "run_study", _no_compute)
    assert main(["reproduce", str(forged)]) == 1
    captured = capsys.readouterr()
    err = captured.err
    assert "refusing to reproduce: the running code is not the code the manifest records" in err
    assert f"commit: the manifest records {'d' * 40}, the running code is {'1' * 40}" in err
    assert "the published run's tree had uncommitted changes" in err
    assert f"uv.lock: the manifest records SHA-256 {'0' * 64}" in err
    assert "package numpy: the manifest records 0.0.1" in err and "package dagster: the manifest records 0.0.2" in err
    assert "Reproduced" not in captured.out + err and "Traceback" not in err


def test_a_dirty_running_tree_is_a_failure(file_study, pinned_code, capsys, monkeypatch):
    _, _, run = file_study
    monkeypatch.setattr(study.manifest, "code_state", lambda root=None: {**PINNED_CODE, "dirty": True})
    monkeypatch.setattr(cluster_impact.reproduce, "run_study", _no_compute)
    assert main(["reproduce", str(run.manifest_path)]) == 1
    assert "the running tree has uncommitted changes (dirty: True)" in capsys.readouterr().err


def test_an_edited_manifest_hash_is_not_reported_as_an_edited_table(file_study, tmp_path, capsys):
    """The manifest's hash of main_effect.csv is forged (and its commit): with --allow-different-code the
    study is recomputed, which gives the published file's bytes, so it is the manifest that lies."""
    _, _, run = file_study
    forged = _forged_copy(run, tmp_path, _forge_commit_and_output_hash)
    assert main(["reproduce", str(forged), "--allow-different-code"]) == 1
    out = capsys.readouterr().out
    assert "manifest does not match its outputs" in out
    assert f"tables/main_effect.csv: the manifest records SHA-256 {'0' * 16}..." in out
    assert "edited after the run" not in out and "changed numbers" not in out
    assert "the running code differs from the manifest's (allowed by --allow-different-code)" in out
    assert f"commit: the manifest records {'d' * 40}" in out
