"""Run a whole study in-process and publish it atomically with its manifest.

The order of a run (``study.publishing`` holds the mechanics):

1. the study file is validated, then the output folder is checked (a folder holding
   files this tool did not write is refused, never cleaned) and locked (a second run
   into it is refused at once, naming the holder);
2. every asset is materialised; published files go to a private staging folder beside
   the output folder, firm-level intermediates to a private scratch folder under the
   instance folder (or ``storage_dir``);
3. the quarantined input rows and the per-file reconciliation are kept in the run's
   records folder (``<storage or instance>/runs/<time>-<study>/``, private), on
   success and on failure alike;
4. the disclosure self-audit runs on the staged tables (a leak refuses the
   publication), the manifest is written into the staging folder, and only then is
   the staging folder swapped in for the earlier publication.

Any failure, SIGTERM, SIGINT, ``kill -9`` or full disk before step 4's swap leaves the
earlier publication byte-identical.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pandas as pd
from dagster import DagsterEventType

from cluster_impact.errors import BlockingCheckFailed
from pipelines.definitions import defs
from pipelines.defs.resources import default_resources
from study.manifest import MANIFEST_NAME, build_manifest, disclosure_audit_record, input_records, write_manifest
from study.publishing import (
    OutputFolderError,
    PrivateScratch,
    Publication,
    instance_dir,
    make_private_dir,
    new_run_records,
    terminate_cleanly,
)
from study.spec import load_study, weaker_disclosure_thresholds

#: Called with the ``raw_inputs`` frame (kind, name, path, sha256, bytes) after the
#: inputs are resolved and hashed, before any estimation; raising stops the run.
InputCheck = Callable[[pd.DataFrame], None]

REJECTED_ROWS_FILE = "rejected_rows.csv"
RECONCILIATION_FILE = "input_reconciliation.json"


@dataclass(frozen=True)
class StudyRun:
    """What a finished run left behind."""

    out_dir: Path
    manifest_path: Path
    run_id: str
    manifest: dict
    records_dir: Path | None = None


def _all_definitions() -> tuple[list, list]:
    definitions = defs()
    return list(definitions.assets or []), list(definitions.asset_checks or [])


def _materialize(everything: list, *, selection, resources, tags, run_config, raise_on_error,
                 logger_defs: dict | None = None, instance: dg.DagsterInstance | None = None,
                 run_id: str | None = None) -> dg.ExecuteInProcessResult:
    """Execute ``selection`` in-process with the given loggers (progress lines, log file)."""
    definitions = dg.Definitions(jobs=[dg.define_asset_job("__cluster_impact_run__", selection=selection)],
                                 assets=everything, resources=resources, loggers=logger_defs)
    job = definitions.resolve_job_def("__cluster_impact_run__")
    return job.execute_in_process(run_config=run_config, tags=tags, raise_on_error=raise_on_error,
                                  instance=instance, run_id=run_id)


def _failed_checks(instance: dg.DagsterInstance, run_id: str, raw: pd.DataFrame | None) -> str:
    """One line naming each failed blocking check of a run, with its numbers ('' if none failed)."""
    files = {} if raw is None else {f"validated_{r.kind}": r.name for r in raw.itertuples(index=False)}
    parts = []
    for entry in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = entry.dagster_event.event_specific_data
        if evaluation.passed or not evaluation.blocking:
            continue
        asset = evaluation.asset_key.to_user_string()
        where = f"{asset} ({files[asset]})" if asset in files else asset
        numbers = ", ".join(f"{key} = {getattr(value, 'value', value)}" for key, value in evaluation.metadata.items())
        detail = evaluation.description or ""
        parts.append(f"{where}: check {evaluation.check_name} failed"
                     + (f": {detail}" if detail else "") + (f" ({numbers})" if numbers else ""))
    return "; ".join(parts)


def _stored_frame(assets_dir: Path, name: str) -> pd.DataFrame | None:
    """An asset's stored value (the Parquet IO manager's ``<base>/<asset>.parquet``), if written."""
    path = assets_dir / f"{name}.parquet"
    return pd.read_parquet(path) if path.is_file() else None


def keep_quarantine(assets_dir: Path, raw: pd.DataFrame | None, records_dir: Path) -> list[dict] | None:
    """Copy the run's rejected rows and reconciliation into its (private) records folder.

    Runs on success and failure alike, before the scratch folder is removed: a run
    refused for too many rejected rows must still show which rows they were.

    Returns
    -------
    list of dict or None
        The per-file reconciliation (:func:`study.manifest.input_records`), or None if
        the inputs were not validated yet.
    """
    recon = _stored_frame(assets_dir, "input_reconciliation")
    rejected = _stored_frame(assets_dir, "rejected_rows")
    if raw is None or recon is None or rejected is None:
        return None
    records = input_records(raw, recon, rejected)
    path = records_dir / REJECTED_ROWS_FILE
    rejected.to_csv(path, index=False)
    path.chmod(0o600)  # firm-level values
    (records_dir / RECONCILIATION_FILE).write_text(
        json.dumps({"inputs": records, "rejected_rows": str(path)}, indent=2) + "\n", encoding="utf-8")
    return records


@contextlib.contextmanager
def _storage(storage_dir: str | Path | None, out_dir: Path) -> Iterator[Path]:
    """The run's storage: ``storage_dir`` (kept), or a private scratch folder removed on exit."""
    if storage_dir is None:
        with PrivateScratch() as scratch:
            yield scratch
        return
    storage = Path(storage_dir).resolve()
    if storage == out_dir or out_dir in storage.parents:
        raise OutputFolderError(f"storage folder {storage}: inside the output folder {out_dir}; firm-level "
                                "intermediates must never be published")
    yield make_private_dir(storage) if not storage.exists() else storage


def run_study(
    study_file: str | Path,
    out_dir: str | Path,
    *,
    storage_dir: str | Path | None = None,
    input_dir: str | Path | None = None,
    check_inputs: InputCheck | None = None,
    log_level: str = "WARNING",
    logger: dg.LoggerDefinition | None = None,
    records_dir: str | Path | None = None,
    command: str | None = None,
) -> StudyRun:
    """Materialise every asset of the study and publish it into ``out_dir`` atomically.

    The run has two phases: first the raw inputs are resolved (or simulated, for a
    demo study) and hashed, and ``check_inputs`` may refuse them; then every other
    asset is materialised. See the module docstring for where each file goes.

    Parameters
    ----------
    storage_dir
        Keep the intermediate (firm-level) assets here (``assets/``, ``data/``) instead
        of a private scratch folder that is removed after the run.
    input_dir
        For studies with input files: read each file by its name from this folder
        instead of the paths in the study file (auditors' ``--inputs``).
    logger
        A Dagster logger to receive the run's events instead of the console logger
        (``cluster-impact run`` passes :meth:`cluster_impact.progress.RunProgress.logger_definition`).
    records_dir
        Private folder for the run's rejected rows and reconciliation (default: a new
        ``runs/<time>-<study>/`` under ``storage_dir`` or the instance folder).
    command
        Recorded in the output folder's lock file.

    Raises
    ------
    study.spec.StudySpecError, study.publishing.OutputFolderError
        Before any compute: the study file, or the output folder (foreign files, locked).
    data_contracts.DataContractError, study.preflight.StudyConditionError, BlockingCheckFailed
        The inputs or the study's conditions are refused (one line).
    study.publishing.DisclosureLeakError
        The disclosure audit recovered a protected value; nothing is published.
    """
    study_file = Path(study_file).resolve()
    out_dir = Path(out_dir).resolve()
    spec = load_study(study_file)  # fail on a bad spec before any compute
    with terminate_cleanly(), Publication(out_dir, command=command) as publication, \
            _storage(storage_dir, out_dir) as storage:
        records = Path(records_dir) if records_dir is not None else new_run_records(
            storage if storage_dir is not None else instance_dir(), spec.name)
        assets_dir = storage / "assets"
        # Dagster's own ephemeral files stay in the private storage too, not in the system temp dir.
        instance = dg.DagsterInstance.ephemeral(tempdir=str(make_private_dir(storage / "dagster")))
        assets, checks = _all_definitions()
        resources = default_resources(
            study_file=str(study_file),
            publish_dir=str(out_dir),
            staging_dir=str(publication.staging),
            storage_dir=str(assets_dir),
            data_dir=str(storage / "data"),
            input_dir=str(input_dir) if input_dir is not None else None,
        )
        common = dict(
            resources=resources,
            tags={"cluster_impact/study": spec.name, "cluster_impact/manifest": str(out_dir / MANIFEST_NAME)},
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
            raise_on_error=True,
            instance=instance,
        )
        everything = [*assets, *checks]
        if logger is not None:
            common["run_config"] = {"loggers": {"progress": {}}}
            common["logger_defs"] = {"progress": logger}
        raw: pd.DataFrame | None = None
        run_id = str(uuid.uuid4())
        try:
            first = _materialize(everything, selection=dg.AssetSelection.assets("raw_inputs"), **common)
            raw = first.output_for_node("raw_inputs")
            if check_inputs is not None:
                check_inputs(raw)
            # The yearly-partitioned ingestion is for scheduled reruns, not part of one study run.
            rest = (dg.AssetSelection.all() - dg.AssetSelection.assets("raw_inputs")
                    - dg.AssetSelection.groups("yearly_ingest"))
            try:
                result = _materialize(everything, selection=rest, run_id=run_id, **common)
            except dg.DagsterError:
                # A failed blocking check stops the run with a generic Dagster error (its class is
                # not public); the check's own evaluation says which rule failed and by how much.
                failed = _failed_checks(instance, run_id, raw)
                if failed:
                    raise BlockingCheckFailed(failed) from None
                raise
        except BaseException:
            with contextlib.suppress(Exception):  # never hide why the run failed
                keep_quarantine(assets_dir, raw, records)
            raise
        inputs = keep_quarantine(assets_dir, raw, records)
        audit = disclosure_audit_record(publication.staging)
        seeds = {"study": spec.seed}
        if spec.inputs.demo is not None:
            seeds["demo_inputs"] = spec.inputs.demo.seed
        manifest = build_manifest(
            out_dir=publication.staging, study_file=study_file, study_name=spec.name, seeds=seeds,
            inputs=inputs or [], run_id=result.run_id, disclosure_audit=audit,
            weaker_thresholds=weaker_disclosure_thresholds(spec),
        )
        write_manifest(manifest, publication.staging)
        publication.commit()
    return StudyRun(out_dir=out_dir, manifest_path=out_dir / MANIFEST_NAME, run_id=result.run_id,
                    manifest=manifest, records_dir=records)
