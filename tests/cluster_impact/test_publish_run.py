"""A whole study run under attack: publications never lost, one writer, nothing left in /tmp.

Issue 12, items 5, 6 and 8 and the exit-code rules, on the real pipeline. Every test
starts from an earlier publication in the output folder and checks, after the
attack, that it is byte-identical, that nothing lies beside it (staging folders,
lock files), that no firm-level file is left in the system temporary directory (each
test points ``TMPDIR`` at its own folder) and that the private scratch folder is gone.
The publishing mechanics alone are attacked in ``tests/study/test_publishing.py``.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

import study.manifest
import study.publication
from cluster_impact.cli import main
from cluster_impact.runner import RECONCILIATION_FILE, REJECTED_ROWS_FILE, run_study
from data_contracts import synthetic
from reports.audit import AuditResult, Leak
from study.manifest import build_manifest, read_manifest, write_manifest
from study.publishing import PrivateScratch, Publication, lock_path

SMALL_STUDY = Path(__file__).resolve().parents[1] / "fixtures" / "studies" / "small.yaml"
REPO = Path(__file__).resolve().parents[2]


# --- helpers ------------------------------------------------------------------------------------

def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def beside(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name != out.name)


def firm_level_files(folder: Path) -> list[str]:
    """Files in ``folder`` (the test's system temporary directory) a run may have left."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


@pytest.fixture
def earlier(tmp_path) -> Path:
    """An earlier publication of this tool in ``published/out`` (manifest last, as a run writes it)."""
    out = tmp_path / "published" / "out"
    with Publication(out) as pub:
        (pub.staging / "tables").mkdir()
        (pub.staging / "tables" / "main_effect.csv").write_text("Statistic,(1)\nCluster membership,0.025***\n")
        (pub.staging / "figures").mkdir()
        (pub.staging / "figures" / "event_study.svg").write_text("<svg>" + "x" * 5000 + "</svg>")
        (pub.staging / "report.html").write_text("<html>earlier</html>")
        write_manifest(build_manifest(out_dir=pub.staging, study_file=SMALL_STUDY, study_name="small",
                                      seeds={"study": 1}, inputs=[], run_id="earlier"), pub.staging)
        pub.commit()
    return out


@pytest.fixture
def system_tmp(tmp_path, monkeypatch) -> Path:
    """The system temporary directory as this process (and its children) see it."""
    folder = tmp_path / "system_tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def assert_untouched(out: Path, before: dict[str, bytes], instance: Path, system_tmp: Path) -> None:
    assert snapshot(out) == before
    assert beside(out) == []
    assert firm_level_files(system_tmp) == []
    scratch = instance / "scratch"
    assert not scratch.exists() or list(scratch.iterdir()) == []


@pytest.fixture(scope="module")
def population():
    spec = yaml.safe_load(SMALL_STUDY.read_text(encoding="utf-8"))
    demo = spec["inputs"]["demo"]
    return synthetic.simulate_population(synthetic.SimulationConfig(
        seed=demo["seed"], n_firms=demo["n_firms"], member_share=demo["member_share"]))


def file_study(folder: Path, population, *, defects: dict | None = None, **changes) -> Path:
    """The small study reading input files written into ``folder`` (with ``defects``)."""
    spec = yaml.safe_load(SMALL_STUDY.read_text(encoding="utf-8"))
    spec["inputs"].pop("demo")
    paths = synthetic.write_raw_files(population, folder / "inputs", defects=defects, seed=3)
    spec["inputs"]["files"] = {k: str(Path(paths[k]).relative_to(folder)) for k in ("accounts", "membership", "deflators")}
    for dotted, value in changes.items():
        section, key = dotted.split("__")
        spec[section][key] = value
    path = folder / "study.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def cli_env(instance: Path, system_tmp: Path) -> dict[str, str]:
    return {**os.environ, "CLUSTER_IMPACT_INSTANCE": str(instance), "TMPDIR": str(system_tmp), "MPLBACKEND": "Agg"}


def start_run(out: Path, instance: Path, system_tmp: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cluster_impact.cli", "run", "--study", str(SMALL_STUDY),
                             "--out", str(out)], env=cli_env(instance, system_tmp), cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(condition, proc: subprocess.Popen, what: str, timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(f"the run ended before {what}: {proc.communicate()[1][-2000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


# --- item 5: a failure, kill -9 or full disk mid-run ------------------------------------------------

def test_an_asset_failing_after_publishing_leaves_the_earlier_publication(earlier, private_instance, system_tmp,
                                                                           monkeypatch):
    before = snapshot(earlier)
    real = study.publication.publish_table
    written = []

    def publish_then_fail(table, out_dir, checker_dir):
        written.extend(real(table, out_dir, checker_dir))  # the first published table is on disk...
        raise RuntimeError("injected failure in a publication asset")  # ...then the asset dies

    monkeypatch.setattr(study.publication, "publish_table", publish_then_fail)
    with pytest.raises(RuntimeError, match="injected failure"):
        run_study(SMALL_STUDY, earlier)
    assert written and all(".staging-" in str(p) for p in written)  # written, never where readers look
    assert not any(p.exists() for p in written)
    assert_untouched(earlier, before, private_instance, system_tmp)


def test_a_full_disk_while_writing_a_table_exits_3_and_leaves_the_earlier_publication(
        earlier, private_instance, system_tmp, monkeypatch, capsys):
    before = snapshot(earlier)
    real = study.publication.write_table

    def truncate_then_enospc(table, out_dir, companion_directory):
        paths = real(table, out_dir, companion_directory=companion_directory)
        with open(paths[0], "r+b") as handle:  # what a full disk leaves: a truncated file...
            handle.truncate(max(1, paths[0].stat().st_size // 2))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(paths[0]))  # ...and the error

    monkeypatch.setattr(study.publication, "write_table", truncate_then_enospc)
    assert main(["run", "--study", str(SMALL_STUDY), "--out", str(earlier)]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert "No space left on device" in err[-1] and "traceback in" in err[-1] and "Traceback" not in "\n".join(err)
    log = Path(err[-1].rsplit("traceback in ", 1)[1].rstrip(")"))
    assert "Traceback" in log.read_text(encoding="utf-8") and log.parent.parent == private_instance / "runs"
    assert_untouched(earlier, before, private_instance, system_tmp)


def test_kill_9_mid_run_leaves_the_earlier_publication_and_nothing_in_tmp(earlier, private_instance, system_tmp):
    before = snapshot(earlier)
    proc = start_run(earlier, private_instance, system_tmp)
    scratch = private_instance / "scratch"
    wait_for(lambda: any(earlier.parent.glob(".out.staging-*/tables/*.csv"))
             and any(scratch.glob("run-*/assets/*.parquet")), proc, "a published table and firm-level Parquet")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    proc.stdout.close()
    proc.stderr.close()
    assert snapshot(earlier) == before
    assert firm_level_files(system_tmp) == []
    # The firm-level intermediates are where kill -9 left them: in the private scratch folder.
    (left,) = scratch.iterdir()
    assert stat.S_IMODE(left.stat().st_mode) == 0o700 and any(left.rglob("*.parquet"))
    # The next run proves their owner dead and removes them, and the half-built publication.
    with PrivateScratch():
        assert not left.exists()
    with Publication(earlier):
        pass
    assert_untouched(earlier, before, private_instance, system_tmp)


# --- item 6: two runs into one folder -------------------------------------------------------------------

def test_a_second_run_is_refused_at_once_and_sigterm_cleans_the_first(earlier, private_instance, system_tmp):
    before = snapshot(earlier)
    first = start_run(earlier, private_instance, system_tmp)
    lock = lock_path(earlier)
    scratch = private_instance / "scratch"
    wait_for(lambda: lock.exists() and f'"pid": {first.pid}' in lock.read_text()
             and any(scratch.glob("run-*/assets/*.parquet")), first, "the first run to hold the lock and compute")
    second = subprocess.run([sys.executable, "-m", "cluster_impact.cli", "run", "--study", str(SMALL_STUDY),
                             "--out", str(earlier)], env=cli_env(private_instance, system_tmp), cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    assert second.returncode == 1
    (line,) = second.stderr.strip().splitlines()  # refused before it started: one line, no progress
    assert f"pid {first.pid}" in line and "in use by" in line and f"--out {earlier}" in line
    assert first.poll() is None  # the first run is unharmed

    first.send_signal(signal.SIGTERM)
    _, err = first.communicate(timeout=300)
    assert first.returncode in (128 + signal.SIGINT, 128 + signal.SIGTERM), err[-2000:]
    assert "interrupted; nothing was published" in err and "Traceback" not in err
    assert_untouched(earlier, before, private_instance, system_tmp)


# --- item 8 and exit code 1: refused inputs -----------------------------------------------------------

def test_refused_inputs_print_the_reconciliation_and_keep_the_rejected_rows(
        tmp_path, population, earlier, private_instance, system_tmp, capsys):
    before = snapshot(earlier)
    study_file = file_study(tmp_path, population, defects={"negative_employment": 0.03, "wrong_type": 0.01},
                            validation__max_rejected_share=0.01)
    assert main(["run", "--study", str(study_file), "--out", str(earlier)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    error = err[-1]
    assert error.startswith("cluster-impact run: validated_accounts (accounts.csv): check "
                            "rejected_share_within_threshold failed") and "threshold = 0.01" in error
    recon = [line.strip() for line in err if "read," in line]
    accounts = next(line for line in recon if line.startswith("accounts.csv"))
    assert "rejected (by rule:" in accounts
    kept = Path(next(line for line in err if "rejected rows (confidential" in line).rsplit(": ", 1)[1])
    assert kept.parent.parent == private_instance / "runs" and kept.name == REJECTED_ROWS_FILE
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    rejected = pd.read_csv(kept)
    assert {"file", "row", "column", "rule", "value"} <= set(rejected.columns) and len(rejected) > 100
    document = json.loads((kept.parent / RECONCILIATION_FILE).read_text())
    by_kind = {item["kind"]: item for item in document["inputs"]}
    read = by_kind["accounts"]
    assert read["rows"] == read["rows_accepted"] + read["rows_rejected"] and read["rows_rejected"] > 0
    assert sum(read["rejected_by_rule"].values()) >= read["rows_rejected"]
    assert_untouched(earlier, before, private_instance, system_tmp)


def test_an_unusable_input_file_is_one_line_naming_it(tmp_path, population, earlier, private_instance,
                                                      system_tmp, capsys):
    before = snapshot(earlier)
    study_file = file_study(tmp_path, population)
    accounts = next((tmp_path / "inputs").glob("accounts*"))
    accounts.write_bytes("enterprise_number,year\n".encode("utf-16"))  # a UTF-16 export
    assert main(["run", "--study", str(study_file), "--out", str(earlier)]) == 1
    (line,) = [x for x in capsys.readouterr().err.strip().splitlines() if x.startswith("cluster-impact run:")]
    assert accounts.name in line and "Traceback" not in line
    assert_untouched(earlier, before, private_instance, system_tmp)


def test_an_internal_error_is_exit_3_with_the_traceback_in_the_log(tmp_path, earlier, private_instance,
                                                                  system_tmp, monkeypatch, capsys):
    before = snapshot(earlier)

    def bug(_spec):
        return {}["missing"]  # a KeyError deep in the code: a bug, not the user's input

    monkeypatch.setattr("study.inputs.demo_simulation_config", bug)
    monkeypatch.setattr("pipelines.defs.ingest.assets.demo_simulation_config", bug)
    assert main(["run", "--study", str(SMALL_STUDY), "--out", str(earlier)]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("cluster-impact run: internal error: KeyError: 'missing' (traceback in ")
    assert not any(line.startswith("Traceback") for line in err)
    assert_untouched(earlier, before, private_instance, system_tmp)
    assert main(["run", "--debug", "--study", str(SMALL_STUDY), "--out", str(earlier)]) == 3
    assert "Traceback (most recent call last)" in capsys.readouterr().err


# --- a whole publication, and one the audit refuses -------------------------------------------------

def test_a_run_replaces_the_earlier_publication_with_an_audited_manifest(tmp_path, earlier, private_instance,
                                                                        system_tmp, capsys):
    spec = yaml.safe_load(SMALL_STUDY.read_text(encoding="utf-8"))
    spec["disclosure"]["dominance_top2_share"] = 0.9  # weaker than the design's 0.85: allowed, but said
    study_file = tmp_path / "weaker.yaml"
    study_file.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    assert main(["run", "--study", str(study_file), "--out", str(earlier)]) == 0
    out = capsys.readouterr().out
    assert "accounts.csv: " in out and " read, " in out and "rejected rows (confidential" in out
    assert "disclosure audit: no leak" in out
    manifest = read_manifest(earlier / "manifest.json")
    assert manifest["dagster_run_id"] != "earlier" and "tables/main_effect.csv" in manifest["outputs"]
    assert set(snapshot(earlier)) == {*manifest["outputs"], "manifest.json"}  # nothing of the earlier one left
    assert manifest["disclosure_audit"]["ok"] is True and manifest["disclosure_audit"]["suppressed_cells"] > 0
    (weaker,) = manifest["weaker_disclosure_thresholds"]
    assert weaker["key"] == "disclosure.dominance_top2_share" and weaker["value"] == 0.9
    for item in manifest["inputs"]:
        assert item["rows"] == item["rows_accepted"] + item["rows_rejected"]
        assert isinstance(item["rejected_by_rule"], dict)
    assert beside(earlier) == [] and firm_level_files(system_tmp) == []
    assert list((private_instance / "scratch").iterdir()) == []
    # nothing confidential in the publication: the rejected rows and logs are in the run folder
    assert not any(name.endswith((".log", REJECTED_ROWS_FILE)) for name in snapshot(earlier))


def test_a_leak_found_by_the_audit_refuses_the_publication(earlier, private_instance, system_tmp, monkeypatch,
                                                           capsys):
    before = snapshot(earlier)
    leak = Leak(table="M3_weight", row="B | 2024", column="Members' FTE", lower=99.0, upper=101.0,
                kind="differencing", how="All clusters minus the shown clusters")

    def leaking_audit(folder):
        assert ".staging-" in str(folder)  # the audit reads the staged tables, before any release
        return AuditResult(out_dir=Path(folder), leaks=(leak,), tables=("M3_weight",), not_audited=(),
                           n_suppressed=1, n_relations=1)

    monkeypatch.setattr(study.manifest, "audit_publication", leaking_audit)
    assert main(["run", "--study", str(SMALL_STUDY), "--out", str(earlier)]) == 1
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith("cluster-impact run: disclosure audit: 1 protected value(s) can be recovered")
    assert "M3_weight: B | 2024 / Members' FTE" in line and "not released" in line and "details in" in line
    assert_untouched(earlier, before, private_instance, system_tmp)
