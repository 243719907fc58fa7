"""``cluster-impact reproduce``: regenerate a published study from its manifest.

The auditor's question is "do these inputs and this study, run by this code, give
exactly the published numbers?". The answer is exit code 0 with one line, or exit 1
with a readable list of what differs: the study file (key by key), hand edits to
the published files, and every changed table cell (table, row, column, old, new).
Inputs whose hashes differ from the manifest are refused before any compute.
"""

from __future__ import annotations

import csv
import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from cluster_impact.manifest import read_manifest, sha256_file
from cluster_impact.runner import run_study


class InputMismatchError(ValueError):
    """The inputs to hand are not the ones the manifest records."""


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
    study_changes: tuple[str, ...] = ()
    input_changes: tuple[str, ...] = ()
    edited_after_run: tuple[str, ...] = ()
    changed_outputs: tuple[str, ...] = ()
    missing_outputs: tuple[str, ...] = ()
    new_outputs: tuple[str, ...] = ()
    cell_changes: tuple[CellChange, ...] = field(default_factory=tuple)

    @property
    def identical(self) -> bool:
        return not (self.study_changes or self.input_changes or self.edited_after_run
                    or self.changed_outputs or self.missing_outputs or self.new_outputs)

    def report(self) -> str:
        if self.identical:
            return f"Reproduced: all {self.n_outputs} published outputs are byte-identical to the manifest."
        lines = ["NOT reproduced:"]
        sections = [
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
        return "\n".join(lines)


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

    Raises
    ------
    InputMismatchError
        Inputs differ from the manifest and ``allow_changed_inputs`` is false; raised
        before any estimation.
    """
    if work_dir is None:
        with tempfile.TemporaryDirectory(prefix="cluster-impact-reproduce-") as scratch:
            return reproduce(manifest_path, inputs_dir=inputs_dir, study_file=study_file,
                             allow_changed_inputs=allow_changed_inputs, work_dir=scratch)
    manifest_path = Path(manifest_path).resolve()
    manifest = read_manifest(manifest_path)
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

    edited = [rel for rel, digest in sorted(manifest["outputs"].items())
              if not (published / rel).is_file() or sha256_file(published / rel) != digest]

    input_changes: list[str] = []
    run = run_study(path, work / "out", storage_dir=work / "storage", input_dir=inputs_dir,
                    check_inputs=_check_inputs_against(manifest, allow_changed_inputs, input_changes))
    recomputed = run.manifest["outputs"]
    recorded = manifest["outputs"]
    changed = sorted(rel for rel in recorded if rel in recomputed and recomputed[rel] != recorded[rel])
    cells: list[CellChange] = []
    for rel in sorted(set(changed) | set(edited)):
        if rel.endswith(".csv") and (published / rel).is_file() and (run.out_dir / rel).is_file():
            cells.extend(table_cell_changes(rel, (published / rel).read_text(encoding="utf-8"),
                                            (run.out_dir / rel).read_text(encoding="utf-8")))
    return Reproduction(
        n_outputs=len(recorded),
        study_changes=tuple(study_changes),
        input_changes=tuple(input_changes),
        edited_after_run=tuple(edited),
        changed_outputs=tuple(changed),
        missing_outputs=tuple(sorted(set(recorded) - set(recomputed))),
        new_outputs=tuple(sorted(set(recomputed) - set(recorded))),
        cell_changes=tuple(cells),
    )
