"""``cluster-impact run`` and ``cluster-impact reproduce``.

The runner, Dagster and the pipeline definitions are imported inside the handlers:
importing them takes seconds, which ``cluster-impact --help`` and ``run --help``
should not pay (start-up time only; there is no import cycle).

Exit codes (:mod:`cluster_impact.errors`): 0 published / reproduced, 1 refused
(input, study, output folder, blocking check, disclosure leak, reproduction that
differs), 2 usage, 3 internal error (traceback in the run's log).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from cluster_impact.errors import EXIT_OK, EXIT_REFUSED, report_failure
from study.spec import DEMO_STUDY_PATH

_JSON_HELP = "also write the outcome as JSON to OUT ('-': the JSON on standard output instead of the text)"
_DEBUG_HELP = "on an error, print the traceback too (it always goes to the log file)"


def register(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser(
        "run",
        help="run the whole study (default: the embedded demo) and publish tables and figures",
        description=(
            "Materialise every asset of a study and publish its tables (OUT/tables), "
            "figures (OUT/figures), report and manifest.json into OUT. The publication is built "
            "beside OUT and swapped in only when complete and audited: a failed or killed run leaves "
            "an earlier publication in OUT untouched. OUT must be new, empty or an earlier "
            "publication (files its manifest does not list are refused, never removed), and one run "
            "at a time writes into it. Progress (one line per finished step) and warnings (each "
            "once) go to standard error; the log, the rejected input rows and the per-file "
            "reconciliation go to a private run folder, STORAGE/runs/ (without --storage: "
            ".dagster_home/runs/). Exit codes: 0 published, 1 refused (input, study, output "
            "folder, blocking check, disclosure leak), 2 usage, 3 internal error."
        ),
    )
    run.add_argument("--out", default="outputs", help="output folder (default: outputs/)")
    run.add_argument(
        "--study", default=str(DEMO_STUDY_PATH), help="study specification YAML (default: the demo study)"
    )
    run.add_argument(
        "--storage",
        default=None,
        help="keep intermediate (firm-level, confidential) assets in this folder instead of a private "
             "scratch folder under .dagster_home/ that is removed after the run",
    )
    run.add_argument("--json", metavar="OUT", default=None, help=_JSON_HELP)
    run.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=_DEBUG_HELP)
    run.set_defaults(func=_run)

    rep = subparsers.add_parser(
        "reproduce",
        help="re-run a published study from its manifest and compare every output",
        description=(
            "Re-run the study recorded in MANIFEST and compare every output's SHA-256. "
            "Exit 0 with one line when all outputs are identical; otherwise print what "
            "differs (code, study keys, edited files, a manifest that does not match its "
            "outputs, table cells) and exit 1. Inputs whose hashes differ from the manifest, "
            "and running code that differs from the manifest's (commit, uncommitted changes, "
            "lock file, package versions), are refused before any compute (exit 1)."
        ),
    )
    rep.add_argument("manifest", help="manifest.json beside the published outputs")
    rep.add_argument("--inputs", default=None, help="folder holding the input files by name")
    rep.add_argument("--study", default=None, help="study file (default: the one the manifest names)")
    rep.add_argument("--allow-changed-inputs", action="store_true",
                     help="recompute even if input hashes differ, to see what changes")
    rep.add_argument("--allow-different-code", action="store_true",
                     help="recompute even if the running code differs from the manifest's; the differences "
                          "are listed and the verdict rests on the outputs")
    rep.add_argument("--json", metavar="OUT", default=None, help=_JSON_HELP)
    rep.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=_DEBUG_HELP)
    rep.set_defaults(func=_reproduce)


def _emit_json(document: dict, out: str) -> None:
    text = json.dumps(document, indent=2, default=str)
    if out == "-":
        print(text)
    else:
        Path(out).write_text(text + "\n", encoding="utf-8")


def _records_dir(storage: str | None, study: str) -> Path:
    """The run's private folder for its log and quarantine, beside its storage."""
    from study.publishing import instance_dir, new_run_records

    return new_run_records(Path(storage) if storage else instance_dir(), Path(study).stem)


def _reconciliation_lines(records_dir: Path) -> list[str]:
    """Per input file: rows read, accepted, rejected by rule; then where the rejected rows are."""
    from cluster_impact.runner import RECONCILIATION_FILE

    path = records_dir / RECONCILIATION_FILE
    if not path.is_file():
        return []
    document = json.loads(path.read_text(encoding="utf-8"))
    lines = ["  inputs (rows read = accepted + rejected):"]
    for item in document["inputs"]:
        rules = ", ".join(f"{rule} {n:,}" for rule, n in item["rejected_by_rule"].items())
        lines.append(f"    {item['name']}: {item['rows']:,} read, {item['rows_accepted']:,} accepted, "
                     f"{item['rows_rejected']:,} rejected" + (f" (by rule: {rules})" if rules else ""))
    lines.append(f"  rejected rows (confidential, never published): {document['rejected_rows']}")
    return lines


def _run(args: argparse.Namespace) -> int:
    # Imported here for start-up time (Dagster and every pipeline module).
    from study.publishing import current_command, preflight_output_folder

    debug = getattr(args, "debug", False)
    log_file: Path | None = None
    try:
        # Answer at once for a refused or busy output folder, before Dagster is loaded.
        preflight_output_folder(args.out)
        from cluster_impact.progress import RunProgress
        from cluster_impact.runner import run_study

        records = _records_dir(args.storage, args.study)
        log_file = records / "run.log"
        with RunProgress(log_file) as progress:
            print(f"Running study {args.study} (log: {log_file})", file=sys.stderr)
            outcome = run_study(args.study, args.out, storage_dir=args.storage, logger=progress.logger_definition(),
                                records_dir=records, command=current_command())
    except BaseException as exc:  # noqa: BLE001 - every failure becomes one line and an exit code
        if log_file is not None:
            for line in _reconciliation_lines(log_file.parent):
                print(line, file=sys.stderr)
        return report_failure("cluster-impact run", exc, debug=debug, log_file=log_file, stream=sys.stderr)
    out = outcome.out_dir
    files = {sub: sorted(p.name for p in (out / sub).iterdir()) for sub in ("tables", "figures")
             if (out / sub).exists()}
    audit = outcome.manifest.get("disclosure_audit") or {}
    if args.json:
        recon = records / "input_reconciliation.json"
        _emit_json({"out_dir": str(out), "manifest": str(outcome.manifest_path), "run_id": outcome.run_id,
                    "steps": progress.steps, "seconds": round(progress.elapsed, 1),
                    "warnings": progress.warnings_shown, "log_file": str(log_file), "files": files,
                    "inputs": outcome.manifest.get("inputs", []),
                    "rejected_rows": json.loads(recon.read_text())["rejected_rows"] if recon.is_file() else None,
                    "disclosure_audit": audit}, args.json)
        if args.json == "-":
            return EXIT_OK
    print(f"Study published to {out} ({progress.steps} steps in {progress.elapsed:.0f} s)")
    for line in _reconciliation_lines(records):
        print(line)
    for sub, names in files.items():
        print(f"  {sub}/: {len(names)} files ({', '.join(names[:6])}{', ...' if len(names) > 6 else ''})")
    if audit:
        print(f"  disclosure audit: no leak; {audit.get('suppressed_cells', 0)} suppressed cells in "
              f"{len(audit.get('tables', []))} tables bounded with {audit.get('relations', 0)} relations")
    print(f"  manifest: {Path(outcome.manifest_path).name} (Dagster run {outcome.run_id})")
    print(f"  log: {log_file}")
    return EXIT_OK


def _reproduce(args: argparse.Namespace) -> int:
    # Imported here for start-up time (the runner imports Dagster and the pipeline).
    from cluster_impact.reproduce import reproduce

    try:
        outcome = reproduce(args.manifest, inputs_dir=args.inputs, study_file=args.study,
                            allow_changed_inputs=args.allow_changed_inputs,
                            allow_different_code=args.allow_different_code)
    except BaseException as exc:  # noqa: BLE001 - every failure becomes one line and an exit code
        return report_failure("cluster-impact reproduce", exc, debug=getattr(args, "debug", False),
                              log_file=None, stream=sys.stderr)
    if args.json:
        document = {"identical": outcome.identical, **dataclasses.asdict(outcome)}
        _emit_json(document, args.json)
    if args.json != "-":
        print(outcome.report())
    return EXIT_OK if outcome.identical else EXIT_REFUSED
