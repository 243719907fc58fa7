"""Run manifests: what an auditor needs to regenerate every published number.

A manifest records the SHA-256 and row reconciliation of every input file (rows read,
accepted, rejected by rule), the study file and its hash, the code commit (and
whether the tree was dirty), the lock file hash, Python, platform and package
versions, seeds, the Dagster run id, the disclosure audit of the publication, the
disclosure thresholds weaker than the study design's, and the SHA-256 of every
published output. It is JSON with sorted keys, written as ``manifest.json`` at the
top of the output folder; :mod:`study.publishing` recognises a folder as a
publication of this tool by it.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from reports.audit import audit_publication
from study.hashing import sha256_file
from study.publishing import MANIFEST_NAME, DisclosureLeakError
from study.spec import WeakerThreshold

MANIFEST_VERSION = 2
PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Packages whose versions can change a published number.
RECORDED_PACKAGES: tuple[str, ...] = (
    "cluster-impact", "numpy", "pandas", "pyarrow", "scipy", "statsmodels", "linearmodels",
    "scikit-learn", "matplotlib", "seaborn", "dagster", "pandera",
)

__all__ = [
    "MANIFEST_NAME", "MANIFEST_VERSION", "build_manifest", "code_state", "disclosure_audit_record", "input_records", "output_hashes",
    "package_versions", "published_files", "read_manifest", "sha256_file", "write_manifest",
]


def _git(root: Path, *args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, check=True, timeout=20
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


def code_state(root: str | Path = PROJECT_ROOT) -> dict[str, Any]:
    """The git commit of the project and whether its tree had uncommitted changes to tracked files."""
    root = Path(root)
    commit = _git(root, "rev-parse", "HEAD")
    status = _git(root, "status", "--porcelain", "--untracked-files=no")
    return {"git_commit": commit, "dirty": None if status is None else bool(status)}


def lock_file_hash(root: str | Path = PROJECT_ROOT) -> str | None:
    lock = Path(root) / "uv.lock"
    return sha256_file(lock) if lock.exists() else None


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
        (p for p in Path(out_dir).rglob("*") if p.is_file() and p.relative_to(out_dir).as_posix() != MANIFEST_NAME),
        key=lambda p: p.relative_to(out_dir).as_posix(),
    )


def output_hashes(out_dir: Path) -> dict[str, str]:
    return {p.relative_to(out_dir).as_posix(): sha256_file(p) for p in published_files(out_dir)}


def input_records(raw: pd.DataFrame, reconciliation: pd.DataFrame, rejected: pd.DataFrame) -> list[dict[str, Any]]:
    """One record per input file: identity and row reconciliation.

    Parameters
    ----------
    raw : DataFrame
        The ``raw_inputs`` asset: ``kind``, ``name``, ``sha256``, ``bytes``.
    reconciliation : DataFrame
        The ``input_reconciliation`` asset: ``kind``, ``rows_read``, ``rows_accepted``,
        ``rows_rejected``.
    rejected : DataFrame
        The ``rejected_rows`` asset (``file``, ``row``, ``rule``, one record per
        violation): rows rejected by each rule are counted once per rule, so a row
        that breaks two rules counts under both.

    Returns
    -------
    list of dict
        ``kind``, ``name``, ``sha256``, ``bytes``, ``rows`` (read), ``rows_accepted``,
        ``rows_rejected``, ``rejected_by_rule`` (rule -> rows), in file order.
    """
    frame = raw.merge(reconciliation[["kind", "rows_read", "rows_accepted", "rows_rejected"]], on="kind",
                      how="left", validate="one_to_one")
    by_rule: dict[str, dict[str, int]] = {}
    if len(rejected):
        names = rejected["file"].astype(str).map(lambda f: Path(f).name)
        counts = (rejected.assign(_name=names).groupby(["_name", "rule"], dropna=False)["row"].nunique())
        for (name, rule), n in counts.items():
            by_rule.setdefault(str(name), {})[str(rule)] = int(n)
    records = []
    for r in frame.itertuples(index=False):
        read = None if pd.isna(r.rows_read) else int(r.rows_read)
        records.append({
            "kind": r.kind, "name": r.name, "sha256": r.sha256, "bytes": int(r.bytes),
            "rows": read,
            "rows_accepted": None if pd.isna(r.rows_accepted) else int(r.rows_accepted),
            "rows_rejected": None if pd.isna(r.rows_rejected) else int(r.rows_rejected),
            "rejected_by_rule": dict(sorted(by_rule.get(r.name, {}).items())),
        })
    return records


def disclosure_audit_record(folder: str | Path) -> dict[str, Any]:
    """Run the disclosure self-audit on a staged publication; refuse it on a leak.

    Returns
    -------
    dict
        The audit's record for the manifest: ``ok``, ``leaks``, ``suppressed_cells``,
        ``relations``, ``tables``, ``not_audited``, ``notes``.

    Raises
    ------
    DisclosureLeakError
        A suppressed cell (or order statistic) is recovered within its protection
        interval from the published tables; the message names the first leak, and
        ``summary`` lists them all.
    """
    result = audit_publication(folder)
    if not result.ok:
        first = result.leaks[0].describe()
        first = first if len(first) <= 300 else first[:299] + "…"
        raise DisclosureLeakError(
            f"disclosure audit: {len(result.leaks)} protected value(s) can be recovered from the published "
            f"tables, first: {first}; the publication was not released", result.summary())
    return {
        "ok": True,
        "leaks": 0,
        "suppressed_cells": int(result.n_suppressed),
        "relations": int(result.n_relations),
        "tables": list(result.tables),
        "not_audited": list(result.not_audited),
        "notes": list(result.notes),
    }



def build_manifest(
    *,
    out_dir: Path,
    study_file: Path,
    study_name: str,
    seeds: Mapping[str, int],
    inputs: list[Mapping[str, Any]],
    run_id: str | None,
    disclosure_audit: Mapping[str, Any] | None = None,
    weaker_thresholds: Sequence[WeakerThreshold] = (),
) -> dict[str, Any]:
    """Assemble the manifest of a finished run (outputs already written into ``out_dir``,
    which is the staging folder while a publication is built)."""
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
        "lock_file_sha256": lock_file_hash(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": package_versions(),
        "dagster_run_id": run_id,
        "disclosure_audit": dict(disclosure_audit) if disclosure_audit is not None else None,
        "weaker_disclosure_thresholds": [
            {"key": t.key, "value": t.value, "default": t.default, "note": t.note} for t in weaker_thresholds
        ],
        "outputs": output_hashes(out_dir),
    }


def write_manifest(manifest: Mapping[str, Any], out_dir: Path) -> Path:
    path = Path(out_dir) / MANIFEST_NAME
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def read_manifest(path: str | Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))
