"""Run a whole study in-process and publish it with its manifest."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cluster_impact.manifest import build_manifest, write_manifest
from cluster_impact.study import load_study


@dataclass(frozen=True)
class StudyRun:
    """What a finished run left behind."""

    out_dir: Path
    manifest_path: Path
    run_id: str
    manifest: dict


def _all_definitions():  # imported lazily: Dagster is slow to import
    import dagster as dg

    from pipelines.definitions import defs

    definitions = defs()
    assets = list(definitions.assets or [])
    checks = list(definitions.asset_checks or [])
    return dg, assets, checks


def run_study(
    study_file: str | Path,
    out_dir: str | Path,
    *,
    storage_dir: str | Path | None = None,
    input_dir: str | Path | None = None,
    log_level: str = "WARNING",
) -> StudyRun:
    """Materialise every asset of the study and write ``manifest.json`` into ``out_dir``.

    Intermediate firm-level assets go to ``storage_dir`` (a temporary folder, removed
    afterwards, unless given), never into ``out_dir``, which only receives published,
    disclosure-controlled files.
    """
    from pipelines.defs.resources import default_resources

    study_file = Path(study_file).resolve()
    out_dir = Path(out_dir).resolve()
    spec = load_study(study_file)  # fail on a bad spec before any compute
    if out_dir.exists():
        # Stale files from an earlier run would be hashed into the manifest.
        for child in out_dir.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
    out_dir.mkdir(parents=True, exist_ok=True)
    scratch = None
    if storage_dir is None:
        scratch = tempfile.mkdtemp(prefix="cluster-impact-")
        storage_dir = scratch
    try:
        dg, assets, checks = _all_definitions()
        resources = default_resources(
            study_file=str(study_file),
            publish_dir=str(out_dir),
            storage_dir=str(Path(storage_dir) / "assets"),
            data_dir=str(input_dir) if input_dir is not None else str(Path(storage_dir) / "data"),
        )
        result = dg.materialize(
            [*assets, *checks],
            resources=resources,
            tags={"cluster_impact/study": spec.name},
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
            raise_on_error=True,
        )
        raw: pd.DataFrame = result.output_for_node("raw_inputs")
        recon: pd.DataFrame = result.output_for_node("validated_inputs", "input_reconciliation")
        inputs_frame = raw.merge(recon[["kind", "rows_read"]], on="kind", how="left", validate="one_to_one")
        inputs = [
            {"kind": r.kind, "name": r.name, "sha256": r.sha256, "rows": int(r.rows_read), "bytes": int(r.bytes)}
            for r in inputs_frame.itertuples(index=False)
        ]
        manifest = build_manifest(
            out_dir=out_dir,
            study_file=study_file,
            study_name=spec.name,
            seeds={"study": spec.seed, **({"demo_inputs": spec.inputs.demo.seed} if spec.inputs.demo else {})},
            inputs=inputs,
            run_id=result.run_id,
        )
        path = write_manifest(manifest, out_dir)
        return StudyRun(out_dir=out_dir, manifest_path=path, run_id=result.run_id, manifest=manifest)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
