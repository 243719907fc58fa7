"""Run manifests: what an auditor needs to regenerate every published number.

A manifest records the SHA-256 and row count of every input file, the study file
and its hash, the code commit (and whether the tree was dirty), the lock file hash,
Python, platform and package versions, seeds, the Dagster run id and the SHA-256 of
every published output. It is JSON with sorted keys, written as ``manifest.json`` at
the top of the output folder.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from study.hashing import sha256_file

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Packages whose versions can change a published number.
RECORDED_PACKAGES: tuple[str, ...] = (
    "cluster-impact", "numpy", "pandas", "pyarrow", "scipy", "statsmodels", "linearmodels",
    "scikit-learn", "matplotlib", "seaborn", "dagster", "pandera",
)


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True, timeout=20
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


def code_state() -> dict[str, Any]:
    """The git commit of the project and whether its tree had uncommitted changes."""
    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain", "--untracked-files=no")
    return {"git_commit": commit, "dirty": None if status is None else bool(status)}


def package_versions(names: Iterable[str] = RECORDED_PACKAGES) -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def published_files(out_dir: Path) -> list[Path]:
    """Every file under the output folder except the manifest, in a stable order."""
    return sorted(
        (p for p in out_dir.rglob("*") if p.is_file() and p.name != MANIFEST_NAME),
        key=lambda p: p.relative_to(out_dir).as_posix(),
    )


def output_hashes(out_dir: Path) -> dict[str, str]:
    return {p.relative_to(out_dir).as_posix(): sha256_file(p) for p in published_files(out_dir)}


def build_manifest(
    *,
    out_dir: Path,
    study_file: Path,
    study_name: str,
    seeds: Mapping[str, int],
    inputs: list[Mapping[str, Any]],
    run_id: str | None,
) -> dict[str, Any]:
    """Assemble the manifest of a finished run (outputs already written)."""
    lock = PROJECT_ROOT / "uv.lock"
    return {
        "manifest_version": MANIFEST_VERSION,
        "study": {
            "name": study_name,
            "path": str(study_file.resolve()),
            "sha256": sha256_file(study_file),
            "content": study_file.read_text(encoding="utf-8"),
        },
        "inputs": sorted((dict(i) for i in inputs), key=lambda i: i["name"]),
        "seeds": dict(sorted(seeds.items())),
        "code": code_state(),
        "lock_file_sha256": sha256_file(lock) if lock.exists() else None,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": package_versions(),
        "dagster_run_id": run_id,
        "outputs": output_hashes(out_dir),
    }


def write_manifest(manifest: Mapping[str, Any], out_dir: Path) -> Path:
    path = out_dir / MANIFEST_NAME
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def read_manifest(path: str | Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))
