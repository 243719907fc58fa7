"""Publishing a study: never lost, never half-written, one writer at a time.

A publication (``tables/``, ``figures/``, ``disclosure/``, ``report.html``,
``manifest.json``) is built in a private staging folder beside the output folder
(same file system, mode 0700). Every file and folder in it is fsynced, and it is
swapped in only once its manifest is written: on Linux with one
``renameat2(RENAME_EXCHANGE)``, so the output folder's path names a complete
publication at every instant (the earlier one, then the new one); elsewhere with two
renames, undone if the second fails and repaired by the next run if the process dies
in between. A failure, ``kill -9`` or a full disk before the swap leaves the earlier
publication byte-identical; the staging folder is removed on the way out, or by the
next run into the same folder.

An output folder is replaced only when it is a publication of this tool: it holds a
``manifest.json`` whose output list names every file in it. Anything else is refused,
never cleaned (``--out .`` must not wipe a working tree).

One writer per output folder: :class:`FolderLock` takes an ``flock`` on
``.<name>.lock`` beside it and records pid, host, start time and command; a second
run is refused at once, naming the holder. The kernel releases the lock when its
holder dies, so a killed run never leaves a folder locked.

Firm-level intermediates (the assets' Parquet files, the simulated demo inputs) live
in a :class:`PrivateScratch` folder under the instance folder
(``.dagster_home/scratch/``, mode 0700), never in the world-readable system temporary
directory. It is removed on every exit path (``finally``; SIGTERM and SIGINT are
turned into an exception by :func:`terminate_cleanly`); after ``kill -9`` the next run
removes it, proving its owner dead by taking the owner's lock.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: Environment variable naming the instance folder (also read by ``dagster.yaml``).
INSTANCE_ENV = "CLUSTER_IMPACT_INSTANCE"
MANIFEST_NAME = "manifest.json"
PRIVATE = 0o700
_OWNER = ".owner.lock"
#: A scratch folder without an owner lock is a run killed between creating it and
#: locking it (microseconds); it is removed only when older than this.
_UNOWNED_GRACE_SECONDS = 15 * 60


class OutputFolderError(ValueError):
    """The output folder cannot receive a publication (one line naming folder and rule)."""


class OutputFolderLocked(OutputFolderError):
    """Another run holds the output folder's lock."""

    def __init__(self, message: str, holder: LockHolder | None = None) -> None:
        super().__init__(message)
        self.holder = holder


class DisclosureLeakError(ValueError):
    """The disclosure audit recovered a protected value from the staged publication."""

    def __init__(self, message: str, summary: str = "") -> None:
        super().__init__(message)
        self.summary = summary


def instance_dir() -> Path:
    """The instance folder: ``$CLUSTER_IMPACT_INSTANCE`` or the project's ``.dagster_home/``."""
    return Path(os.environ.get(INSTANCE_ENV) or PROJECT_ROOT / ".dagster_home").absolute()


def make_private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) with the last component private (0700)."""
    path = Path(path)
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            os.mkdir(path, PRIVATE)
        os.chmod(path, PRIVATE)  # mkdir's mode is cut by the umask, never widened
    return path


# --- locks ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class LockHolder:
    """Who holds a lock, as recorded in its lock file."""

    pid: int | None = None
    host: str | None = None
    started: str | None = None
    command: str | None = None

    def describe(self) -> str:
        if self.pid is None and self.command is None:
            return "another run (starting up: it has not recorded itself yet)"
        parts = [f"pid {self.pid}"]
        if self.host:
            parts.append(f"on {self.host}")
        if self.started:
            parts.append(f"since {self.started}")
        text = " ".join(parts)
        return text + (f", command '{self.command}'" if self.command else "")


def _read_holder(fd: int) -> LockHolder:
    try:
        raw = os.pread(fd, 8192, 0).decode("utf-8", "replace")
        data = json.loads(raw) if raw.strip() else {}
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    pid = data.get("pid")
    return LockHolder(pid=pid if isinstance(pid, int) else None, host=data.get("host"),
                      started=data.get("started"), command=data.get("command"))


def current_command() -> str:
    """This process's command line, for lock files and messages."""
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    return " ".join([name, *sys.argv[1:]])[:500]


class FolderLock:
    """An exclusive ``flock`` on a lock file that records who holds it.

    Parameters
    ----------
    path : Path
        The lock file (created if absent; removed on release).
    what : str
        What the lock protects, for the refusal message.
    command : str, optional
        Recorded in the lock file (default: this process's command line).

    Raises
    ------
    OutputFolderLocked
        On :meth:`acquire`, at once, when another process holds the lock.
    """

    def __init__(self, path: str | Path, *, what: str = "folder", command: str | None = None) -> None:
        self.path = Path(path)
        self.what = what
        self.command = command if command is not None else current_command()
        self._fd: int | None = None

    def acquire(self) -> FolderLock:
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(fd)
                os.close(fd)
                raise OutputFolderLocked(
                    f"{self.what} is in use by {holder.describe()} (lock {self.path}); wait for that run to "
                    "finish or choose another folder", holder) from None
            except BaseException:
                os.close(fd)
                raise
            # The holder we waited on may have removed the file on release: then our lock is on
            # an orphaned inode, and a third process could lock a new file at the same path.
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        record = {"pid": os.getpid(), "host": socket.gethostname(),
                  "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "command": self.command}
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(record) + "\n").encode("utf-8"), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)  # while still locked, so nobody locks the orphaned inode
        os.close(self._fd)
        self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self.release()


# --- durability ------------------------------------------------------------------------------

def fsync_path(path: str | Path) -> None:
    """fsync one file or folder (a folder's fsync makes its entries durable)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: str | Path) -> None:
    """fsync every file and folder under ``root``, children before parents, then ``root``."""
    for folder, dirs, files in os.walk(root, topdown=False):
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                fsync_path(path)
        for name in dirs:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                fsync_path(path)
    fsync_path(root)


def write_durably(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` and fsync it (raises on a short write or a full disk)."""
    path = Path(path)
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return path


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> None:
    """Atomically swap two paths (Linux ``renameat2(RENAME_EXCHANGE)``).

    Raises ``NotImplementedError`` where the call or the flag is unavailable.
    """
    if not sys.platform.startswith("linux"):
        raise NotImplementedError("renameat2 is Linux-only")
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError) as exc:  # glibc < 2.28, musl without it
        raise NotImplementedError(str(exc)) from exc
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) != 0:
        err = ctypes.get_errno()
        if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise NotImplementedError(os.strerror(err))
        raise OSError(err, os.strerror(err), str(b))


# --- output folders ----------------------------------------------------------------------------

def lock_path(out_dir: str | Path) -> Path:
    """The output folder's lock file: ``.<name>.lock`` beside it."""
    out_dir = Path(out_dir)
    return out_dir.parent / f".{out_dir.name}.lock"


def _sibling_prefixes(out_dir: Path) -> tuple[str, str]:
    return f".{out_dir.name}.staging-", f".{out_dir.name}.previous-"


def read_output_list(out_dir: str | Path) -> list[str] | None:
    """The outputs a publication's manifest lists, or None if there is no manifest of this tool.

    A manifest of this tool is a JSON object with an integer ``manifest_version`` and an
    ``outputs`` object mapping relative paths (no ``..``, not absolute) to SHA-256 digests.
    """
    path = Path(out_dir) / MANIFEST_NAME
    if not path.is_file() or path.is_symlink():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("manifest_version"), int):
        return None
    outputs = manifest.get("outputs")
    if not isinstance(outputs, dict):
        return None
    listed = []
    for rel in outputs:
        parts = Path(rel).parts
        if not isinstance(rel, str) or Path(rel).is_absolute() or ".." in parts or not parts:
            return None
        listed.append(Path(rel).as_posix())
    return listed


def foreign_entries(out_dir: str | Path) -> list[str]:
    """Entries of ``out_dir`` that its manifest does not list (all of them without a manifest).

    Folders are named with a trailing ``/``; symbolic links are foreign even under a
    listed name (a publication holds regular files only).
    """
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return []
    entries: list[tuple[str, bool, bool]] = []  # (relative path, is folder, is regular file)
    for folder, dirs, files in os.walk(out_dir):
        rel_folder = Path(folder).relative_to(out_dir)
        for name in sorted(dirs):
            path = Path(folder) / name
            entries.append(((rel_folder / name).as_posix(), not path.is_symlink(), False))
        for name in sorted(files):
            path = Path(folder) / name
            entries.append(((rel_folder / name).as_posix(), False, path.is_file() and not path.is_symlink()))
    if not entries:
        return []
    listed = read_output_list(out_dir)
    if listed is None:
        return sorted(rel + ("/" if is_dir else "") for rel, is_dir, _ in entries if "/" not in rel)
    allowed_files = set(listed) | {MANIFEST_NAME}
    allowed_dirs = {parent.as_posix() for rel in listed for parent in Path(rel).parents if parent != Path(".")}
    foreign = []
    for rel, is_dir, is_file in entries:
        ok = (is_dir and rel in allowed_dirs) or (is_file and rel in allowed_files)
        if not ok:
            foreign.append(rel + ("/" if is_dir else ""))
    return sorted(foreign)


def _names(items: list[str], limit: int = 5) -> str:
    return ", ".join(items[:limit]) + (f", ... ({len(items)} in all)" if len(items) > limit else "")


def check_output_folder(out_dir: str | Path) -> None:
    """Refuse an output folder this tool must not write into; one line naming the rule.

    Raises
    ------
    OutputFolderError
        The folder is the file-system root or a file, cannot be written (or its parent,
        where the staging folder and the lock go, cannot), or holds entries that are
        not a publication of this tool (:func:`foreign_entries`).
    """
    out_dir = Path(out_dir)
    if out_dir == out_dir.parent or not out_dir.name:
        raise OutputFolderError(f"output folder {out_dir}: the file-system root cannot be an output folder")
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputFolderError(f"output folder {out_dir}: it is a file, not a folder")
    if out_dir.is_dir() and not os.access(out_dir, os.W_OK | os.X_OK):
        raise OutputFolderError(f"output folder {out_dir}: not writable (permission denied)")
    parent = next((p for p in out_dir.parents if p.exists()), None)
    if parent is not None and not os.access(parent, os.W_OK | os.X_OK):
        raise OutputFolderError(
            f"output folder {out_dir}: its parent folder {parent} is not writable (permission denied); the "
            "publication is staged and locked beside the output folder")
    foreign = foreign_entries(out_dir)
    if foreign:
        why = ("not listed in its manifest.json" if read_output_list(out_dir) is not None
               else "no manifest.json of cluster-impact lists them")
        raise OutputFolderError(
            f"output folder {out_dir} holds files that are not study outputs ({why}): {_names(foreign)}; "
            "they are never removed: choose a new or empty folder, or move them away")


def _recover_stale_siblings(out_dir: Path) -> list[Path]:
    """Under the folder's lock: remove what dead runs left beside it, restore a lost publication.

    A staging folder is an unfinished (or, after an exchange, the replaced) publication;
    a ``previous`` folder is the earlier publication moved aside by the two-rename swap.
    If the process died between the two renames, the output folder is missing and the
    previous publication is put back.
    """
    staging_prefix, previous_prefix = _sibling_prefixes(out_dir)
    removed = []
    for entry in sorted(out_dir.parent.iterdir()):
        if entry.name.startswith(previous_prefix) and entry.is_dir() and not entry.is_symlink():
            if not out_dir.exists():
                os.rename(entry, out_dir)
                fsync_path(out_dir.parent)
            else:
                shutil.rmtree(entry)
                removed.append(entry)
        elif entry.name.startswith(staging_prefix) and entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
            removed.append(entry)
    return removed


def _default_folder_mode() -> int:
    # The umask can only be read by setting it; the study runs single-threaded here.
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o777 & ~mask


def preflight_output_folder(out_dir: str | Path) -> None:
    """Refuse at once an output folder that :class:`Publication` would refuse.

    For a command line that should answer before it loads the pipeline: checks the
    folder and that no run holds its lock (taking and releasing it). The run itself
    takes the lock again; this check is only the early answer.
    """
    out_dir = Path(out_dir).resolve()
    check_output_folder(out_dir)
    if lock_path(out_dir).parent.is_dir():
        with contextlib.suppress(PermissionError):
            FolderLock(lock_path(out_dir), what=f"output folder {out_dir}").acquire().release()


class Publication:
    """Stage a publication beside ``out_dir`` and swap it in atomically (a context manager).

    On entry the output folder is checked (:func:`check_output_folder`), its lock
    taken, what dead runs left beside it cleaned, and a private staging folder
    created: write everything into :attr:`staging`, the manifest last, then call
    :meth:`commit`. Leaving the block without a commit (an exception, SIGTERM) removes
    the staging folder and leaves the output folder untouched.

    Parameters
    ----------
    out_dir : path
        The output folder (created by the swap if absent).
    command : str, optional
        Recorded in the lock file.

    Examples
    --------
    >>> with Publication("outputs") as pub:                     # doctest: +SKIP
    ...     write_tables(pub.staging / "tables")
    ...     write_manifest(build_manifest(out_dir=pub.staging, ...), pub.staging)
    ...     pub.commit()
    """

    def __init__(self, out_dir: str | Path, *, command: str | None = None) -> None:
        self.out_dir = Path(out_dir).resolve()
        self.command = command
        self.staging: Path | None = None
        self.committed = False
        self.lock = FolderLock(lock_path(self.out_dir), what=f"output folder {self.out_dir}", command=command)

    def __enter__(self) -> Publication:
        out = self.out_dir
        check_output_folder(out)  # refuse at once, before waiting on anything
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            self.lock.acquire()
        except PermissionError as exc:
            raise OutputFolderError(f"output folder {out}: cannot create {exc.filename} (permission denied)") from None
        try:
            check_output_folder(out)  # again: the folder may have changed while unlocked
            _recover_stale_siblings(out)
            staging_prefix, _ = _sibling_prefixes(out)
            self.staging = Path(tempfile.mkdtemp(prefix=staging_prefix, dir=out.parent))  # mode 0700
        except BaseException:
            self.lock.release()
            raise
        return self

    def commit(self) -> Path:
        """Make the staged publication durable and swap it in; returns the output folder.

        Raises
        ------
        RuntimeError
            The staging folder has no manifest (a publication is swapped in only with one).
        """
        if self.staging is None or self.committed:
            raise RuntimeError("nothing staged to commit")
        if not (self.staging / MANIFEST_NAME).is_file():
            raise RuntimeError(f"refusing to publish {self.staging}: it has no {MANIFEST_NAME}")
        out = self.out_dir
        fsync_tree(self.staging)
        mode = (out.stat().st_mode & 0o7777) if out.is_dir() else _default_folder_mode()
        os.chmod(self.staging, mode)  # the publication is meant to be read; staging was private
        leftover = self._swap(self.staging, out)
        fsync_path(out.parent)
        self.committed = True
        self.staging = None
        if leftover is not None:
            shutil.rmtree(leftover, ignore_errors=True)
        return out

    @staticmethod
    def _swap(new: Path, out: Path) -> Path | None:
        """Put ``new`` at ``out``; return the folder now holding the earlier publication."""
        if not out.exists():
            os.rename(new, out)
            return None
        try:
            _exchange(new, out)
            return new  # the exchange left the earlier publication at the staging path
        except NotImplementedError:
            pass
        _, previous_prefix = _sibling_prefixes(out)
        previous = out.parent / f"{previous_prefix}{new.name.rsplit('-', 1)[-1]}"
        os.rename(out, previous)
        try:
            os.rename(new, out)
        except BaseException:
            os.rename(previous, out)
            raise
        return previous

    def __exit__(self, *exc_info: object) -> None:
        try:
            if self.staging is not None and not self.committed:
                shutil.rmtree(self.staging, ignore_errors=True)
                self.staging = None
        finally:
            self.lock.release()


# --- private scratch --------------------------------------------------------------------------

def clean_stale_scratch(root: str | Path) -> list[Path]:
    """Remove scratch folders under ``root`` whose owner is dead; returns them.

    The owner is dead when its lock can be taken: the kernel releases an ``flock`` when
    the process holding it exits, however it exits (``kill -9`` included), and a new
    process at the same pid does not hold it.
    """
    root = Path(root)
    removed: list[Path] = []
    if not root.is_dir():
        return removed
    for folder in sorted(root.iterdir()):
        if not folder.name.startswith("run-") or not folder.is_dir() or folder.is_symlink():
            continue
        owner = folder / _OWNER
        if not owner.exists():
            with contextlib.suppress(FileNotFoundError):
                if time.time() - folder.stat().st_mtime > _UNOWNED_GRACE_SECONDS:
                    shutil.rmtree(folder, ignore_errors=True)
                    removed.append(folder)
            continue
        lock = FolderLock(owner, what=f"scratch folder {folder}", command="cleanup")
        try:
            lock.acquire()
        except (OutputFolderLocked, FileNotFoundError):
            continue  # alive (or removed meanwhile)
        try:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        finally:
            lock.release()
    return removed


class PrivateScratch:
    """A private (0700) folder for one run's firm-level intermediates (a context manager).

    Created under ``root`` (default ``<instance>/scratch``) and removed on exit; the
    next run removes the folders of dead runs (:func:`clean_stale_scratch`) first.
    ``removed_stale`` lists those it removed.
    """

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else instance_dir() / "scratch"
        self.path: Path | None = None
        self.removed_stale: list[Path] = []
        self._lock: FolderLock | None = None

    def __enter__(self) -> Path:
        make_private_dir(self.root)
        self.removed_stale = clean_stale_scratch(self.root)
        self.path = Path(tempfile.mkdtemp(prefix="run-", dir=self.root))  # mode 0700
        try:
            self._lock = FolderLock(self.path / _OWNER, what=f"scratch folder {self.path}").acquire()
        except BaseException:
            shutil.rmtree(self.path, ignore_errors=True)
            raise
        return self.path

    def __exit__(self, *exc_info: object) -> None:
        try:
            if self.path is not None:
                shutil.rmtree(self.path, ignore_errors=True)
        finally:
            if self._lock is not None:
                self._lock.release()


def new_run_records(base: str | Path, label: str) -> Path:
    """A private folder ``<base>/runs/<time>-<label>/`` for one run's log and quarantine.

    These files are confidential (rejected rows hold firm-level values) and are kept
    after the run, beside its storage and never in the published folder.
    """
    runs = make_private_dir(Path(base) / "runs")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in label)[:60] or "run"
    for n in range(1, 1000):
        path = runs / (f"{stamp}-{safe}" if n == 1 else f"{stamp}-{safe}-{n}")
        try:
            os.mkdir(path, PRIVATE)
        except FileExistsError:
            continue
        os.chmod(path, PRIVATE)
        return path
    raise OutputFolderError(f"cannot create a run folder under {runs}")


# --- signals ----------------------------------------------------------------------------------

class RunInterrupted(KeyboardInterrupt):
    """SIGTERM or SIGINT arrived: unwinds the run so its ``finally`` blocks clean up."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"interrupted by {signal.Signals(signum).name}")
        self.signum = signum


@contextlib.contextmanager
def terminate_cleanly() -> Iterator[None]:
    """Within the block, SIGTERM and SIGINT raise :class:`RunInterrupted` (main thread only).

    SIGTERM's default action kills the process without running ``finally`` blocks,
    which would leave the staging and scratch folders behind. Dagster installs its own
    handlers while it executes steps (both signals interrupt the step, and the run
    then fails with an exception); this covers the rest of the run.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _raise(signum: int, _frame: Any) -> None:
        raise RunInterrupted(signum)

    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    for sig in saved:
        signal.signal(sig, _raise)
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
