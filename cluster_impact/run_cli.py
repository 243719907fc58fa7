"""``cluster-impact run`` and ``cluster-impact reproduce``.

The runner, Dagster and the pipeline definitions are imported inside the handlers:
importing them takes seconds, which ``cluster-impact --help`` and ``run --help``
should not pay (start-up time only; there is no import cycle).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

from study.spec import DEMO_STUDY_PATH, StudySpecError

_JSON_HELP = "also write the outcome as JSON to OUT ('-': the JSON on standard output instead of the text)"


def register(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser(
        "run",
        help="run the whole study (default: the embedded demo) and publish tables and figures",
        description=(
            "Materialise every asset of a study and publish its tables (OUT/tables), "
            "figures (OUT/figures), report and manifest.json into OUT. Progress (one line per "
            "finished step) and warnings (each once) go to standard error; the full log goes to "
            "STORAGE/logs/ (or, without --storage, to a cluster-impact-logs folder in the "
            "temporary directory)."
        ),
    )
    run.add_argument("--out", default="outputs", help="output folder (default: outputs/)")
    run.add_argument(
        "--study", default=str(DEMO_STUDY_PATH), help="study specification YAML (default: the demo study)"
    )
    run.add_argument(
        "--storage",
        default=None,
        help="keep intermediate (firm-level, confidential) assets in this folder instead of a temporary one",
    )
    run.add_argument("--json", metavar="OUT", default=None, help=_JSON_HELP)
    run.set_defaults(func=_run)

    rep = subparsers.add_parser(
        "reproduce",
        help="re-run a published study from its manifest and compare every output",
        description=(
            "Re-run the study recorded in MANIFEST and compare every output's SHA-256. "
            "Exit 0 with one line when all outputs are identical; otherwise print what "
            "differs (study keys, edited files, table cells) and exit 1. Inputs whose "
            "hashes differ from the manifest are refused before any compute (exit 1)."
        ),
    )
    rep.add_argument("manifest", help="manifest.json beside the published outputs")
    rep.add_argument("--inputs", default=None, help="folder holding the input files by name")
    rep.add_argument("--study", default=None, help="study file (default: the one the manifest names)")
    rep.add_argument("--allow-changed-inputs", action="store_true",
                     help="recompute even if input hashes differ, to see what changes")
    rep.add_argument("--json", metavar="OUT", default=None, help=_JSON_HELP)
    rep.set_defaults(func=_reproduce)


def _emit_json(document: dict, out: str) -> None:
    text = json.dumps(document, indent=2, default=str)
    if out == "-":
        print(text)
    else:
        Path(out).write_text(text + "\n", encoding="utf-8")


def _log_file(storage: str | None) -> Path:
    """The run's log: in its storage when kept, else in the temporary directory (kept)."""
    folder = Path(storage) / "logs" if storage else Path(tempfile.gettempdir()) / "cluster-impact-logs"
    return folder / time.strftime("run-%Y%m%d-%H%M%S.log")


def _run(args: argparse.Namespace) -> int:
    # Imported here for start-up time (Dagster and every pipeline module).
    from cluster_impact.progress import RunProgress
    from cluster_impact.runner import OutputFolderError, run_study

    log_file = _log_file(args.storage)
    try:
        with RunProgress(log_file) as progress:
            print(f"Running study {args.study} (log: {log_file})", file=sys.stderr)
            outcome = run_study(args.study, args.out, storage_dir=args.storage,
                                logger=progress.logger_definition())
    except (StudySpecError, OutputFolderError) as exc:
        print(f"cluster-impact run: {exc}", file=sys.stderr)
        return 2
    out = outcome.out_dir
    files = {sub: sorted(p.name for p in (out / sub).iterdir()) for sub in ("tables", "figures")
             if (out / sub).exists()}
    if args.json:
        _emit_json({"out_dir": str(out), "manifest": str(outcome.manifest_path), "run_id": outcome.run_id,
                    "steps": progress.steps, "seconds": round(progress.elapsed, 1),
                    "warnings": progress.warnings_shown, "log_file": str(log_file), "files": files}, args.json)
        if args.json == "-":
            return 0
    print(f"Study published to {out} ({progress.steps} steps in {progress.elapsed:.0f} s)")
    for sub, names in files.items():
        print(f"  {sub}/: {len(names)} files ({', '.join(names[:6])}{', ...' if len(names) > 6 else ''})")
    print(f"  manifest: {Path(outcome.manifest_path).name} (Dagster run {outcome.run_id})")
    print(f"  log: {log_file}")
    return 0


def _reproduce(args: argparse.Namespace) -> int:
    # Imported here for start-up time (the runner imports Dagster and the pipeline).
    from cluster_impact.reproduce import InputMismatchError, reproduce

    try:
        outcome = reproduce(args.manifest, inputs_dir=args.inputs, study_file=args.study,
                            allow_changed_inputs=args.allow_changed_inputs)
    except (InputMismatchError, StudySpecError, FileNotFoundError) as exc:
        print(f"cluster-impact reproduce: {exc}", file=sys.stderr)
        return 1
    if args.json:
        document = {"identical": outcome.identical, **dataclasses.asdict(outcome)}
        _emit_json(document, args.json)
    if args.json != "-":
        print(outcome.report())
    return 0 if outcome.identical else 1
