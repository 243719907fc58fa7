"""``cluster-impact reproduce``: regenerate a published study from its manifest.

The auditor's question is "do these inputs and this study, run by this code, give
exactly the published numbers?". The answer is exit code 0 with one line, or exit 1
with a readable list of what differs: the code (commit, uncommitted changes, lock
file, package versions), the study file (key by key), hand edits to the published
files, a manifest that does not match its outputs, and every changed table cell
(table, row, column, old, new). Inputs whose hashes differ from the manifest, and
code that differs from the manifest's, are refused before any compute unless
allowed.

A published file whose hash differs from the manifest is classified by the
recomputation: if the code recomputes the file's bytes, the file is what the study
gives and the *manifest* was edited ("manifest does not match its outputs"); if it
recomputes the manifest's hash, the *file* was edited after the run.
"""

from __future__ import annotations

import csv
import io
import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from cluster_impact.errors import CodeMismatchError, InputMismatchError
from cluster_impact.runner import run_study
from study import manifest as manifest_module
from study.manifest import read_manifest, sha256_file
from study.publishing import PrivateScratch

__all__ = ["CellChange", "CodeMismatchError", "InputMismatchError", "Reproduction", "code_differences",
           "reproduce", "study_differences", "table_cell_changes"]


@dataclass(frozen=True)
class CellChange:
    table: str
    row: str
    column: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.table}: row '{self.row}', column '{self.column}': {self.old} -> {self.new}"


@dataclass(frozen=True)
class Reproduction:
    """Outcome of a reproduction; ``identical`` decides the exit code."""

    n_outputs: int
    code_changes: tuple[str, ...] = ()
    code_notes: tuple[str, ...] = ()
    manifest_mismatches: tuple[str, ...] = ()
    study_changes: tuple[str, ...] = ()
    input_changes: tuple[str, ...] = ()
    edited_after_run: tuple[str, ...] = ()
    changed_outputs: tuple[str, ...] = ()
    missing_outputs: tuple[str, ...] = ()
    new_outputs: tuple[str, ...] = ()
    cell_changes: tuple[CellChange, ...] = field(default_factory=tuple)

    allowed_different_code: bool = False

    @property
    def identical(self) -> bool:
        code = self.code_changes and not self.allowed_different_code
        return not (code or self.manifest_mismatches or self.study_changes or self.input_changes
                    or self.edited_after_run or self.changed_outputs or self.missing_outputs or self.new_outputs)

    def report(self) -> str:
        if self.identical:
            line = f"Reproduced: all {self.n_outputs} published outputs are byte-identical to the manifest."
            if self.code_changes:
                line += "\n  with code that differs from the manifest's (--allow-different-code):"
                line += "".join(f"\n    {item}" for item in self.code_changes)
            return line
        lines = ["NOT reproduced:"]
        sections = [
            ("the running code differs from the manifest's"
             + (" (allowed by --allow-different-code)" if self.allowed_different_code else ""), self.code_changes),
            ("manifest does not match its outputs (the manifest was edited: the published file is what the "
             "code computes)", self.manifest_mismatches),
            ("study file differs from the one in the manifest", self.study_changes),
            ("inputs differ from the manifest", self.input_changes),
            ("published files edited after the run (hash differs from the manifest)", self.edited_after_run),
            ("outputs that recompute differently", self.changed_outputs),
            ("outputs in the manifest that the run no longer produces", self.missing_outputs),
            ("outputs the run produces that the manifest does not list", self.new_outputs),
        ]
        for title, items in sections:
            if items:
                lines.append(f"  {title}:")
                lines.extend(f"    {item}" for item in items)
        if self.cell_changes:
            lines.append("  changed numbers (table, row, column: published -> recomputed):")
            lines.extend(f"    {change}" for change in self.cell_changes)
        if self.code_notes:
            lines.append("  notes:")
            lines.extend(f"    {note}" for note in self.code_notes)
        return "\n".join(lines)


def code_differences(manifest: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The running code against the manifest's record of the code that published it.

    Returns
    -------
    differences : list of str
        Each way the code may differ, one line each: the commit, uncommitted changes
        (in the published run or now: either means the code cannot be pinned to a
        commit), the lock file hash, each package version. Any of these fails a
        reproduction unless ``--allow-different-code``.
    notes : list of str
        Python and platform differences: reported, not failures (the lock file pins
        the packages; the platform string names the kernel build).
    """
    recorded_code = manifest.get("code") or {}
    running = manifest_module.code_state()
    differences = []
    if recorded_code.get("git_commit") != running["git_commit"]:
        differences.append(f"commit: the manifest records {recorded_code.get('git_commit')}, the running code is "
                           f"{running['git_commit']}")
    if recorded_code.get("dirty") is not False:
        differences.append("the published run's tree had uncommitted changes (dirty: "
                           f"{recorded_code.get('dirty')}): its code is not any commit")
    if running["dirty"] is not False:
        differences.append(f"the running tree has uncommitted changes (dirty: {running['dirty']})")
    lock = manifest_module.lock_file_hash()
    if manifest.get("lock_file_sha256") != lock:
        differences.append(f"uv.lock: the manifest records SHA-256 {manifest.get('lock_file_sha256')}, the running "
                           f"lock file has {lock}")
    recorded_packages = manifest.get("packages") or {}
    running_packages = manifest_module.package_versions(sorted(set(recorded_packages)
                                                               | set(manifest_module.RECORDED_PACKAGES)))
    for name in sorted(running_packages):
        if recorded_packages.get(name) != running_packages[name]:
            differences.append(f"package {name}: the manifest records {recorded_packages.get(name)}, the running "
                               f"environment has {running_packages[name]}")
    notes = []
    python = sys.version.split()[0]
    if manifest.get("python") != python:
        notes.append(f"Python: the manifest records {manifest.get('python')}, running {python}")
    if manifest.get("platform") != platform.platform():
        notes.append(f"platform: the manifest records {manifest.get('platform')}, running {platform.platform()}")
    return differences, notes


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, sub in value.items():
            out.update(_flatten(sub, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: value}


def study_differences(old_text: str, new_text: str) -> list[str]:
    """Key-by-key differences between two study files (``seed: 1 -> 2``)."""
    old, new = _flatten(yaml.safe_load(old_text) or {}), _flatten(yaml.safe_load(new_text) or {})
    changes = []
    for key in sorted(set(old) | set(new)):
        if old.get(key, "<absent>") != new.get(key, "<absent>"):
            changes.append(f"{key}: {old.get(key, '<absent>')} -> {new.get(key, '<absent>')}")
    return changes or ["the file's bytes differ (comments or layout only)"]


def _read_cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def table_cell_changes(name: str, old_text: str, new_text: str) -> list[CellChange]:
    """Cell-level differences between two versions of a published CSV table."""
    old, new = _read_cells(old_text), _read_cells(new_text)
    if not old or not new or old[0] != new[0] or len(old) != len(new):
        return [CellChange(name, "<table>", "<shape>", f"{len(old)} rows, header {old[:1]}",
                           f"{len(new)} rows, header {new[:1]}")]
    header = old[0]
    changes = []
    for old_row, new_row in zip(old[1:], new[1:]):
        label = old_row[0] if old_row else ""
        for j, (a, b) in enumerate(zip(old_row, new_row)):
            if a != b:
                changes.append(CellChange(name, label, header[j] if j < len(header) else str(j), a, b))
    return changes


def _check_inputs_against(manifest: dict[str, Any], allow_changed: bool, seen: list[str]):
    recorded = {i["kind"]: i for i in manifest["inputs"]}

    def check(raw: pd.DataFrame) -> None:
        problems = []
        for row in raw.itertuples(index=False):
            expected = recorded.get(row.kind)
            if expected is None:
                problems.append(f"{row.kind}: {row.name} is not in the manifest")
            elif expected["sha256"] != row.sha256:
                problems.append(f"{row.kind}: {row.name} has SHA-256 {row.sha256[:16]}..., "
                                f"the manifest records {expected['sha256'][:16]}... ({expected['name']})")
        seen.extend(problems)
        if problems and not allow_changed:
            raise InputMismatchError(
                "refusing to reproduce: the inputs are not the ones the manifest records "
                "(pass --allow-changed-inputs to recompute anyway and see what changes):\n  "
                + "\n  ".join(problems))
    return check


def reproduce(
    manifest_path: str | Path,
    *,
    inputs_dir: str | Path | None = None,
    study_file: str | Path | None = None,
    allow_changed_inputs: bool = False,
    allow_different_code: bool = False,
    work_dir: str | Path | None = None,
) -> Reproduction:
    """Re-run the study of a manifest and compare every output with it.

    Parameters
    ----------
    manifest_path
        ``manifest.json`` beside the published outputs.
    inputs_dir
        Folder holding the input files by name (default: the study's own paths;
        demo studies regenerate theirs from the recorded seed).
    study_file
        Study file to use (default: the path recorded in the manifest; if that file
        no longer exists, the study text stored in the manifest).
    allow_changed_inputs
        Recompute even when input hashes differ, to show what the change does.
    allow_different_code
        Recompute even when the running code differs from the manifest's (commit,
        uncommitted changes, lock file, package versions); the differences are
        reported but the verdict rests on the outputs.
    work_dir
        Folder for the recomputed publication (default: a private scratch folder under
        the instance folder, removed afterwards: the recomputation's intermediates are
        firm-level).

    Raises
    ------
    CodeMismatchError
        The code differs and ``allow_different_code`` is false; raised before any compute.
    InputMismatchError
        Inputs differ from the manifest and ``allow_changed_inputs`` is false; raised
        before any estimation.
    """
    manifest_path = Path(manifest_path).resolve()
    manifest = read_manifest(manifest_path)
    code_changes, code_notes = code_differences(manifest)
    if code_changes and not allow_different_code:
        raise CodeMismatchError(
            "refusing to reproduce: the running code is not the code the manifest records "
            "(check out its commit with a clean tree and `uv sync --frozen`, or pass --allow-different-code "
            "to recompute anyway):\n  " + "\n  ".join(code_changes))
    if work_dir is None:
        with PrivateScratch() as scratch:
            return reproduce(manifest_path, inputs_dir=inputs_dir, study_file=study_file,
                             allow_changed_inputs=allow_changed_inputs, allow_different_code=allow_different_code,
                             work_dir=scratch)
    published = manifest_path.parent
    work = Path(work_dir)
    recorded_study = manifest["study"]
    path = Path(study_file) if study_file is not None else Path(recorded_study["path"])
    if not path.exists():
        path = work / "study.yaml"
        path.write_text(recorded_study["content"], encoding="utf-8")
        if inputs_dir is None and (yaml.safe_load(recorded_study["content"]) or {}).get("inputs", {}).get("files"):
            raise InputMismatchError(
                f"the study file {recorded_study['path']} is gone and its input paths are relative to it: "
                "pass --inputs DIR with the input files the manifest lists (or --study FILE)")
    study_changes = []
    if sha256_file(path) != recorded_study["sha256"]:
        study_changes = study_differences(recorded_study["content"], path.read_text(encoding="utf-8"))

    recorded = manifest["outputs"]
    on_disk = {rel: sha256_file(published / rel) if (published / rel).is_file() else None for rel in recorded}

    input_changes: list[str] = []
    run = run_study(path, work / "out", input_dir=inputs_dir, records_dir=work,
                    check_inputs=_check_inputs_against(manifest, allow_changed_inputs, input_changes))
    recomputed = run.manifest["outputs"]
    # A file that differs from the manifest: edited by hand, unless the code recomputes
    # exactly the file's bytes, in which case it is the manifest that was edited.
    mismatched, edited = [], []
    for rel, digest in sorted(recorded.items()):
        if on_disk[rel] == digest:
            continue
        if on_disk[rel] is not None and recomputed.get(rel) == on_disk[rel]:
            mismatched.append(f"{rel}: the manifest records SHA-256 {digest[:16]}..., the published file and its "
                              f"recomputation are {on_disk[rel][:16]}...")
        else:
            edited.append(rel)
    changed = sorted(rel for rel in recorded if rel in recomputed and recomputed[rel] != recorded[rel]
                     and recomputed[rel] != on_disk[rel])
    cells: list[CellChange] = []
    for rel in sorted(set(changed) | set(edited)):
        if rel.endswith(".csv") and (published / rel).is_file() and (run.out_dir / rel).is_file():
            cells.extend(table_cell_changes(rel, (published / rel).read_text(encoding="utf-8"),
                                            (run.out_dir / rel).read_text(encoding="utf-8")))
    return Reproduction(
        n_outputs=len(recorded),
        code_changes=tuple(code_changes),
        code_notes=tuple(code_notes),
        allowed_different_code=allow_different_code,
        manifest_mismatches=tuple(mismatched),
        study_changes=tuple(study_changes),
        input_changes=tuple(input_changes),
        edited_after_run=tuple(edited),
        changed_outputs=tuple(changed),
        missing_outputs=tuple(sorted(set(recorded) - set(recomputed))),
        new_outputs=tuple(sorted(set(recomputed) - set(recorded))),
        cell_changes=tuple(cells),
    )
