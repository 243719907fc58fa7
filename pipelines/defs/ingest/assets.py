"""Chapter 1: raw inputs and their validation against the data contracts."""

from __future__ import annotations

import hashlib
from pathlib import Path

import dagster as dg
import pandas as pd
from dagster_pandera import pandera_schema_to_dagster_type

import data_contracts as dc
from study.hashing import sha256_file
from data_contracts import synthetic
from study.inputs import demo_simulation_config
from pipelines.defs.resources import StudyResource
from pipelines.metadata import frame_metadata

RAW = "raw_inputs"
VALIDATED = "validated_inputs"


@dg.asset(group_name=RAW, code_version="1", description="The three raw input files (simulated for the demo study), with their SHA-256.")
def raw_inputs(study: StudyResource) -> dg.Output[pd.DataFrame]:
    spec = study.spec()
    if spec.inputs.demo is not None:
        population = synthetic.simulate_population(demo_simulation_config(spec))
        paths = synthetic.write_raw_files(population, Path(study.data_dir) / spec.name / "raw")
    else:
        files = spec.inputs.files
        base = study.study_dir()
        paths = {kind: (base / getattr(files, kind)).resolve() for kind in ("accounts", "membership", "deflators")}
        if study.input_dir:
            paths = {kind: Path(study.input_dir) / path.name for kind, path in paths.items()}
    rows = []
    for kind in ("accounts", "membership", "deflators"):
        path = Path(paths[kind])
        if not path.exists():
            raise FileNotFoundError(f"{kind} input {path} does not exist (study {study.study_file})")
        rows.append({"kind": kind, "name": path.name, "path": str(path),
                     "sha256": sha256_file(path), "bytes": path.stat().st_size})
    frame = pd.DataFrame(rows)
    return dg.Output(
        frame,
        metadata=frame_metadata(frame.drop(columns="path")),
        # One version for the three files together: any changed byte changes it.
        data_version=dg.DataVersion(hashlib.sha256("".join(frame["sha256"]).encode()).hexdigest()),
    )


@dg.asset(group_name=RAW, code_version="1", description="Known truth of the simulated population (demo studies only; empty otherwise).")
def demo_ground_truth(study: StudyResource) -> pd.DataFrame:
    spec = study.spec()
    if spec.inputs.demo is None:
        return pd.DataFrame(columns=["enterprise_number", "year", "log_tfp", "omega", "effect"])
    truth = synthetic.simulate_population(demo_simulation_config(spec)).truth
    cols = ["enterprise_number", "year", "omega", "effect", "log_tfp", "treated", "first_join_year"]
    frame = truth.firm_years[cols].copy()
    frame.attrs["true_effect"] = float(truth.true_effect)
    return frame


_READERS = {"accounts": "read_accounts", "membership": "read_membership", "deflators": "read_deflators"}


@dg.multi_asset(
    group_name=VALIDATED,
    code_version="1",
    outs={
        "validated_accounts": dg.AssetOut(description="Annual accounts that satisfy the accounts contract, one row per firm-year filing.",
                                          dagster_type=pandera_schema_to_dagster_type(dc.ACCOUNTS_SCHEMA)),
        "validated_membership": dg.AssetOut(description="Cluster membership rows that satisfy the membership contract.",
                                            dagster_type=pandera_schema_to_dagster_type(dc.MEMBERSHIP_SCHEMA)),
        "validated_deflators": dg.AssetOut(description="Deflators by NACE 2-digit industry and year.",
                                           dagster_type=pandera_schema_to_dagster_type(dc.DEFLATORS_SCHEMA)),
        "rejected_rows": dg.AssetOut(description="Every quarantined row: file, row, column, rule, value."),
        "input_reconciliation": dg.AssetOut(description="Per input file: rows read = rows accepted + rows rejected."),
    },
    check_specs=[
        spec
        for kind in ("accounts", "membership", "deflators")
        for spec in (
            dg.AssetCheckSpec("rows_reconcile", asset=f"validated_{kind}", blocking=True,
                              description="Every row read is accepted or quarantined with a reason."),
            dg.AssetCheckSpec("rejected_share_within_threshold", asset=f"validated_{kind}", blocking=True,
                              description="At most validation.max_rejected_share of the file's rows are quarantined."),
        )
    ],
)
def validated_inputs(study: StudyResource, raw_inputs: pd.DataFrame):
    spec = study.spec()
    results = {}
    for row in raw_inputs.itertuples(index=False):
        reader = getattr(dc, _READERS[row.kind])
        options = {"non_annual": spec.sample.non_twelve_month_periods} if row.kind == "accounts" else {}
        results[row.kind] = reader(row.path, **options)
    rejected = pd.concat([r.rejected for r in results.values()], ignore_index=True)
    recon = pd.DataFrame([
        {"kind": kind, "file": Path(r.report.file).name, "rows_read": r.report.rows_read,
         "rows_accepted": r.report.rows_accepted, "rows_rejected": r.report.rows_rejected,
         "encoding": r.report.encoding, "delimiter": r.report.delimiter}
        for kind, r in results.items()
    ])
    limit = spec.validation.max_rejected_share
    for kind in ("accounts", "membership", "deflators"):
        report = results[kind].report
        accepted = results[kind].accepted.reset_index(drop=True)
        yield dg.Output(accepted, output_name=f"validated_{kind}",
                        metadata=frame_metadata(accepted, preview=kind == "deflators",
                                                rows_read=report.rows_read,
                                                rows_rejected=report.rows_rejected))
        asset = f"validated_{kind}"
        yield dg.AssetCheckResult(
            asset_key=asset, check_name="rows_reconcile",
            passed=report.rows_read == report.rows_accepted + report.rows_rejected,
            metadata={"rows_read": report.rows_read, "rows_accepted": report.rows_accepted,
                      "rows_rejected": report.rows_rejected},
        )
        share = report.rows_rejected / max(report.rows_read, 1)
        yield dg.AssetCheckResult(
            asset_key=asset, check_name="rejected_share_within_threshold", passed=share <= limit,
            metadata={"rejected_share": float(share), "threshold": float(limit)},
        )
    by_rule = (rejected.groupby(["file", "column", "rule"], as_index=False).size()
               if len(rejected) else pd.DataFrame(columns=["file", "column", "rule", "size"]))
    yield dg.Output(rejected.astype({"value": "string"}), output_name="rejected_rows",
                    metadata=frame_metadata(rejected, preview=False,
                                            by_rule=dg.MetadataValue.md(by_rule.to_markdown(index=False))))
    yield dg.Output(recon, output_name="input_reconciliation", metadata=frame_metadata(recon))
