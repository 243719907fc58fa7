"""Run a whole study in-process and publish it with its manifest."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pandas as pd

from cluster_impact.manifest import build_manifest, write_manifest
from pipelines.definitions import defs
from pipelines.defs.resources import default_resources
from study.spec import load_study

#: Called with the ``raw_inputs`` frame (kind, name, path, sha256, bytes) after the
#: inputs are resolved and hashed, before any estimation; raising stops the run.
InputCheck = Callable[[pd.DataFrame], None]


@dataclass(frozen=True)
class StudyRun:
    """What a finished run left behind."""

    out_dir: Path
    manifest_path: Path
    run_id: str
    manifest: dict


def _all_definitions() -> tuple[list, list]:
    definitions = defs()
    return list(definitions.assets or []), list(definitions.asset_checks or [])


#: What a run publishes into its output folder; only these are removed before a rerun.
PUBLISHED_ENTRIES: tuple[str, ...] = ("tables", "figures", "disclosure", "report.html", "manifest.json")


class OutputFolderError(ValueError):
    """The output folder holds files that are not an earlier run's outputs."""


def _prepare_output_folder(path: Path) -> None:
    """Remove an earlier run's outputs so stale files are not hashed into the manifest.

    A folder that holds anything else is refused rather than emptied: ``--out .``
    must never wipe a working tree.
    """
    if path.exists():
        foreign = sorted(p.name for p in path.iterdir() if p.name not in PUBLISHED_ENTRIES)
        if foreign:
            raise OutputFolderError(
                f"output folder {path} holds files that are not study outputs "
                f"({', '.join(foreign[:5])}{', ...' if len(foreign) > 5 else ''}); choose an empty or new folder")
        for name in PUBLISHED_ENTRIES:
            child = path / name
            if child.is_dir():
                shutil.rmtree(child)
            elif child.exists():
                child.unlink()
    path.mkdir(parents=True, exist_ok=True)


def _materialize(everything: list, *, selection, resources, tags, run_config, raise_on_error,
                 logger_defs: dict | None = None) -> dg.ExecuteInProcessResult:
    """``dg.materialize``, plus the loggers it cannot take (progress lines, log file)."""
    if logger_defs is None:
        return dg.materialize(everything, selection=selection, resources=resources, tags=tags,
                              run_config=run_config, raise_on_error=raise_on_error)
    definitions = dg.Definitions(jobs=[dg.define_asset_job("__cluster_impact_run__", selection=selection)],
                                 assets=everything, resources=resources, loggers=logger_defs)
    job = definitions.resolve_job_def("__cluster_impact_run__")
    return job.execute_in_process(run_config=run_config, tags=tags, raise_on_error=raise_on_error)


def run_study(
    study_file: str | Path,
    out_dir: str | Path,
    *,
    storage_dir: str | Path | None = None,
    input_dir: str | Path | None = None,
    check_inputs: InputCheck | None = None,
    log_level: str = "WARNING",
    logger: dg.LoggerDefinition | None = None,
) -> StudyRun:
    """Materialise every asset of the study and write ``manifest.json`` into ``out_dir``.

    The run has two phases: first the raw inputs are resolved (or simulated, for a
    demo study) and hashed, and ``check_inputs`` may refuse them; then every other
    asset is materialised. Intermediate firm-level assets go to ``storage_dir`` (a
    temporary folder, removed afterwards, unless given), never into ``out_dir``,
    which only receives published, disclosure-controlled files.

    Parameters
    ----------
    input_dir
        For studies with input files: read each file by its name from this folder
        instead of the paths in the study file (auditors' ``--inputs``).
    logger
        A Dagster logger to receive the run's events instead of the console logger
        (``cluster-impact run`` passes :meth:`cluster_impact.progress.RunProgress.logger_definition`).
    """
    study_file = Path(study_file).resolve()
    out_dir = Path(out_dir).resolve()
    spec = load_study(study_file)  # fail on a bad spec before any compute
    _prepare_output_folder(out_dir)
    scratch = None
    if storage_dir is None:
        scratch = tempfile.mkdtemp(prefix="cluster-impact-")
        storage_dir = scratch
    try:
        assets, checks = _all_definitions()
        resources = default_resources(
            study_file=str(study_file),
            publish_dir=str(out_dir),
            storage_dir=str(Path(storage_dir) / "assets"),
            data_dir=str(Path(storage_dir) / "data"),
            input_dir=str(input_dir) if input_dir is not None else None,
        )
        common = dict(
            resources=resources,
            tags={"cluster_impact/study": spec.name, "cluster_impact/manifest": str(out_dir / "manifest.json")},
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
            raise_on_error=True,
        )
        everything = [*assets, *checks]
        if logger is not None:
            common["run_config"] = {"loggers": {"progress": {}}}
            common["logger_defs"] = {"progress": logger}
        first = _materialize(everything, selection=dg.AssetSelection.assets("raw_inputs"), **common)
        raw: pd.DataFrame = first.output_for_node("raw_inputs")
        if check_inputs is not None:
            check_inputs(raw)
        # The yearly-partitioned ingestion is for scheduled reruns, not part of one study run.
        rest = dg.AssetSelection.all() - dg.AssetSelection.assets("raw_inputs") - dg.AssetSelection.groups("yearly_ingest")
        result = _materialize(everything, selection=rest, **common)
        recon: pd.DataFrame = result.output_for_node("validated_inputs", "input_reconciliation")
        inputs_frame = raw.merge(recon[["kind", "rows_read"]], on="kind", how="left", validate="one_to_one")
        inputs = [
            {"kind": r.kind, "name": r.name, "sha256": r.sha256, "rows": int(r.rows_read), "bytes": int(r.bytes)}
            for r in inputs_frame.itertuples(index=False)
        ]
        seeds = {"study": spec.seed}
        if spec.inputs.demo is not None:
            seeds["demo_inputs"] = spec.inputs.demo.seed
        manifest = build_manifest(
            out_dir=out_dir, study_file=study_file, study_name=spec.name, seeds=seeds,
            inputs=inputs, run_id=result.run_id,
        )
        path = write_manifest(manifest, out_dir)
        return StudyRun(out_dir=out_dir, manifest_path=path, run_id=result.run_id, manifest=manifest)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
