"""Publications that are never lost or half-written, one writer per folder (issue 12, items 5-6).

Each attack of the issue on the publishing mechanics, without Dagster: a failure,
``kill -9`` or a full disk while a publication is built leaves the earlier one
byte-identical; a folder holding files this tool did not write is refused, not
cleaned; a second writer is refused at once, naming the first; firm-level scratch
is private and does not outlive its run. The same attacks on a whole study run are
in ``tests/cluster_impact/test_publish_run.py``.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from study import publishing
from study.manifest import build_manifest, write_manifest
from study.publishing import (
    FolderLock,
    OutputFolderError,
    OutputFolderLocked,
    PrivateScratch,
    Publication,
    check_output_folder,
    clean_stale_scratch,
    foreign_entries,
    lock_path,
    new_run_records,
)

SMALL_STUDY = Path(__file__).resolve().parents[1] / "fixtures" / "studies" / "small.yaml"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes (the byte-identical check)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def publish(out: Path, files: dict[str, str]) -> None:
    """Publish ``files`` into ``out`` through the real mechanics (manifest written last)."""
    with Publication(out) as pub:
        for rel, text in files.items():
            (pub.staging / rel).parent.mkdir(parents=True, exist_ok=True)
            (pub.staging / rel).write_text(text, encoding="utf-8")
        write_manifest(build_manifest(out_dir=pub.staging, study_file=SMALL_STUDY, study_name="small",
                                      seeds={"study": 1}, inputs=[], run_id="r"), pub.staging)
        pub.commit()


def siblings(out: Path) -> list[str]:
    """What lies beside the output folder apart from it (staging, previous, lock)."""
    return sorted(p.name for p in out.parent.iterdir() if p.name != out.name)


@pytest.fixture
def earlier(tmp_path) -> Path:
    out = tmp_path / "published" / "out"
    publish(out, {"tables/main_effect.csv": "Statistic,(1)\nCluster membership,0.025***\n",
                  "figures/event_study.svg": "<svg>" + "x" * 5000 + "</svg>", "report.html": "<html/>"})
    return out


# --- item 5: atomic publication ---------------------------------------------------------------

def test_commit_replaces_the_earlier_publication_and_leaves_nothing_beside_it(earlier):
    before = snapshot(earlier)
    publish(earlier, {"tables/main_effect.csv": "Statistic,(1)\nCluster membership,0.030***\n"})
    after = snapshot(earlier)
    assert set(after) == {"tables/main_effect.csv", "manifest.json"}
    assert after["tables/main_effect.csv"] != before["tables/main_effect.csv"]
    assert siblings(earlier) == []  # no staging, no previous, no lock file
    manifest = json.loads(after["manifest.json"])
    assert list(manifest["outputs"]) == ["tables/main_effect.csv"]
    assert stat.S_IMODE(earlier.stat().st_mode) & 0o055  # readable again once released


def test_a_failure_while_building_leaves_the_earlier_publication_byte_identical(earlier):
    before = snapshot(earlier)
    with pytest.raises(RuntimeError, match="estimator failed"):
        with Publication(earlier) as pub:
            assert stat.S_IMODE(pub.staging.stat().st_mode) == 0o700  # private while it is built
            assert pub.staging.parent == earlier.parent  # same file system: the swap is a rename
            (pub.staging / "tables").mkdir()
            (pub.staging / "tables" / "main_effect.csv").write_text("half", encoding="utf-8")
            raise RuntimeError("estimator failed")
    assert snapshot(earlier) == before
    assert siblings(earlier) == []


def _enospc(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_while_writing_the_manifest_leaves_the_earlier_publication(earlier, monkeypatch):
    before = snapshot(earlier)
    real_write_text = Path.write_text

    def write_half_then_fail(self, data, *args, **kwargs):
        if self.name == "manifest.json":
            real_write_text(self, data[: len(data) // 2], *args, **kwargs)  # the truncated file of a full disk
            _enospc()
        return real_write_text(self, data, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", write_half_then_fail)
    with pytest.raises(OSError) as info:
        publish(earlier, {"tables/main_effect.csv": "new"})
    assert info.value.errno == errno.ENOSPC
    assert snapshot(earlier) == before and siblings(earlier) == []


def test_a_full_disk_while_syncing_leaves_the_earlier_publication(earlier, monkeypatch):
    before = snapshot(earlier)
    monkeypatch.setattr(publishing.os, "fsync", _enospc)
    with pytest.raises(OSError):
        publish(earlier, {"tables/main_effect.csv": "new"})
    assert snapshot(earlier) == before and siblings(earlier) == []


def test_commit_is_refused_without_a_manifest(earlier):
    before = snapshot(earlier)
    with pytest.raises(RuntimeError, match="no manifest.json"):
        with Publication(earlier) as pub:
            (pub.staging / "report.html").write_text("new", encoding="utf-8")
            pub.commit()
    assert snapshot(earlier) == before


def test_two_rename_swap_where_exchange_is_unavailable(earlier, monkeypatch):
    def unavailable(a, b):
        raise NotImplementedError("no renameat2")

    monkeypatch.setattr(publishing, "_exchange", unavailable)
    publish(earlier, {"report.html": "second"})
    assert snapshot(earlier)["report.html"] == b"second" and siblings(earlier) == []


def test_a_run_killed_between_the_two_renames_gets_the_earlier_publication_back(earlier, monkeypatch):
    before = snapshot(earlier)
    real_rename = os.rename
    calls = []

    def die_on_second_rename(src, dst):
        calls.append((src, dst))
        if len(calls) >= 2:
            raise SystemExit("killed")  # the process is dead: neither this rename nor the undo happens
        return real_rename(src, dst)

    monkeypatch.setattr(publishing, "_exchange", lambda a, b: (_ for _ in ()).throw(NotImplementedError()))
    monkeypatch.setattr(publishing.os, "rename", die_on_second_rename)
    pub = Publication(earlier).__enter__()
    (pub.staging / "report.html").write_text("new", encoding="utf-8")
    write_manifest(build_manifest(out_dir=pub.staging, study_file=SMALL_STUDY, study_name="s", seeds={},
                                  inputs=[], run_id=None), pub.staging)
    with pytest.raises(SystemExit):
        pub.commit()
    monkeypatch.setattr(publishing.os, "rename", real_rename)
    pub.lock.release()  # the kernel's job when the process dies
    assert not earlier.exists()  # the window the next run repairs
    with Publication(earlier):
        assert snapshot(earlier) == before  # restored under the lock, before anything else
    assert snapshot(earlier) == before and siblings(earlier) == []


_BUILDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from study.publishing import Publication
    with Publication(sys.argv[1]) as pub:
        (pub.staging / "tables").mkdir()
        (pub.staging / "tables" / "main_effect.csv").write_text("half-written", encoding="utf-8")
        print(pub.staging, flush=True)
        time.sleep(600)
""")


def _start(code: str, *args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **kwargs)


def test_kill_9_while_building_leaves_the_earlier_publication_and_the_next_run_cleans_up(earlier):
    before = snapshot(earlier)
    proc = _start(_BUILDER, str(earlier))
    staging = Path(proc.stdout.readline().strip())
    assert staging.is_dir()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert snapshot(earlier) == before
    assert staging.exists()  # nothing ran on the way out...
    with Publication(earlier):  # ...so the next run into the folder removes it, under the lock
        assert not staging.exists()
    assert snapshot(earlier) == before and siblings(earlier) == []


def test_sigterm_while_building_removes_the_staging_folder(earlier):
    before = snapshot(earlier)
    code = _BUILDER.replace("with Publication", "from study.publishing import terminate_cleanly\n"
                                                "with terminate_cleanly(), Publication")
    proc = _start(code, str(earlier))
    staging = Path(proc.stdout.readline().strip())
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode != 0 and "RunInterrupted: interrupted by SIGTERM" in err
    assert not staging.exists() and snapshot(earlier) == before and siblings(earlier) == []


# --- item 5: output folders this tool did not write ---------------------------------------------

def test_a_folder_with_foreign_files_is_refused_and_left_alone(tmp_path):
    out = tmp_path / "out"
    (out / "tables").mkdir(parents=True)
    (out / "tables" / "main_effect.csv").write_text("mine?", encoding="utf-8")
    (out / "notes.txt").write_text("precious", encoding="utf-8")
    before = snapshot(out)
    with pytest.raises(OutputFolderError, match=r"no manifest.json of cluster-impact lists them\): notes.txt, tables/"):
        with Publication(out):
            pass
    assert snapshot(out) == before and siblings(out) == []


def test_files_an_earlier_manifest_does_not_list_are_refused(earlier):
    (earlier / "tables" / "extra.csv").write_text("someone's table", encoding="utf-8")
    (earlier / "notes").mkdir()
    os.symlink("/etc/passwd", earlier / "figures" / "link.svg")
    assert foreign_entries(earlier) == ["figures/link.svg", "notes/", "tables/extra.csv"]
    with pytest.raises(OutputFolderError) as info:
        check_output_folder(earlier)
    message = str(info.value)
    assert "\n" not in message and "not listed in its manifest.json" in message and "tables/extra.csv" in message


def test_a_manifest_that_is_not_ours_does_not_make_a_folder_ours(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"outputs": {"../../etc/passwd": "x"}, "manifest_version": 2}))
    (out / "data.csv").write_text("1", encoding="utf-8")
    with pytest.raises(OutputFolderError, match="no manifest.json of cluster-impact"):
        check_output_folder(out)


@pytest.mark.parametrize("case", ["root", "file"])
def test_impossible_output_folders_are_one_line(tmp_path, case):
    out = Path("/") if case == "root" else tmp_path / "a_file"
    if case == "file":
        out.write_text("x", encoding="utf-8")
    with pytest.raises(OutputFolderError) as info:
        check_output_folder(out)
    assert "\n" not in str(info.value) and str(out) in str(info.value)


def test_an_empty_or_new_folder_is_accepted(tmp_path):
    (tmp_path / "empty").mkdir()
    for out in (tmp_path / "empty", tmp_path / "new" / "deeper"):
        publish(out, {"report.html": "x"})
        assert (out / "manifest.json").is_file()


# --- item 6: one writer per output folder -----------------------------------------------------------

_HOLDER = textwrap.dedent("""
    import sys, time
    from study.publishing import Publication
    with Publication(sys.argv[1], command="cluster-impact run --out first") as pub:
        print(pub.staging, flush=True)
        time.sleep(600)
""")


def test_a_second_writer_is_refused_at_once_naming_the_first(earlier):
    before = snapshot(earlier)
    first = _start(_HOLDER, str(earlier))
    try:
        first.stdout.readline()
        started = time.monotonic()
        with pytest.raises(OutputFolderLocked) as info:
            with Publication(earlier):
                pass
        assert time.monotonic() - started < 5  # at once, not after waiting
        message = str(info.value)
        assert f"pid {first.pid}" in message and "cluster-impact run --out first" in message
        assert str(lock_path(earlier)) in message and "\n" not in message
        assert info.value.holder.pid == first.pid
        with pytest.raises(OutputFolderLocked):
            publishing.preflight_output_folder(earlier)
    finally:
        first.kill()
        first.wait(timeout=30)
    assert snapshot(earlier) == before
    publish(earlier, {"report.html": "after the first died"})  # the kernel released its lock
    assert snapshot(earlier)["report.html"] == b"after the first died"


def test_lock_file_records_pid_host_start_and_command(tmp_path):
    path = tmp_path / ".out.lock"
    with FolderLock(path, command="cluster-impact run --out out"):
        record = json.loads(path.read_text(encoding="utf-8"))
        assert record["pid"] == os.getpid() and record["host"] and record["started"]
        assert record["command"] == "cluster-impact run --out out"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not path.exists()


# --- firm-level scratch -------------------------------------------------------------------------------

def test_scratch_is_private_and_removed_on_every_exit(tmp_path):
    root = tmp_path / "instance" / "scratch"
    with pytest.raises(ValueError):
        with PrivateScratch(root) as scratch:
            assert stat.S_IMODE(scratch.stat().st_mode) == 0o700 and stat.S_IMODE(root.stat().st_mode) == 0o700
            (scratch / "assets").mkdir()
            (scratch / "assets" / "validated_accounts.parquet").write_bytes(b"firm-level")
            raise ValueError("run failed")
    assert list(root.iterdir()) == []


_SCRATCH_OWNER = textwrap.dedent("""
    import sys, time
    from study.publishing import PrivateScratch
    with PrivateScratch(sys.argv[1]) as scratch:
        (scratch / "firm_tfp.parquet").write_bytes(b"firm-level")
        print(scratch, flush=True)
        time.sleep(600)
""")


def test_scratch_of_a_killed_run_is_removed_by_the_next_and_a_live_one_is_kept(tmp_path):
    root = tmp_path / "scratch"
    dead, alive = _start(_SCRATCH_OWNER, str(root)), _start(_SCRATCH_OWNER, str(root))
    try:
        dead_dir, alive_dir = Path(dead.stdout.readline().strip()), Path(alive.stdout.readline().strip())
        assert clean_stale_scratch(root) == []  # both owners alive
        dead.send_signal(signal.SIGKILL)
        dead.wait(timeout=30)
        assert dead_dir.exists()  # kill -9 ran no cleanup
        with PrivateScratch(root) as mine:
            assert not dead_dir.exists() and alive_dir.exists() and mine.exists()
    finally:
        alive.kill()
        alive.wait(timeout=30)


def test_run_records_are_private_and_never_in_the_output_folder(tmp_path):
    first, second = new_run_records(tmp_path, "small study"), new_run_records(tmp_path, "small study")
    assert first != second and first.parent == second.parent == tmp_path / "runs"
    assert first.name.endswith("small_study")
    for path in (tmp_path / "runs", first):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700


def test_instance_folder_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(publishing.INSTANCE_ENV, str(tmp_path / "inst"))
    assert publishing.instance_dir() == tmp_path / "inst"
    monkeypatch.delenv(publishing.INSTANCE_ENV)
    assert publishing.instance_dir() == publishing.PROJECT_ROOT / ".dagster_home"
