"""``cluster-impact run`` and ``cluster-impact reproduce``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cluster_impact.reproduce import InputMismatchError, reproduce
from cluster_impact.runner import OutputFolderError, run_study
from study.spec import DEMO_STUDY_PATH, StudySpecError


def register(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser(
        "run",
        help="run the whole study (default: the embedded demo) and publish tables and figures",
        description=(
            "Materialise every asset of a study and publish its tables (OUT/tables), "
            "figures (OUT/figures), report and manifest.json into OUT."
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
    rep.set_defaults(func=_reproduce)


def _run(args: argparse.Namespace) -> int:
    try:
        outcome = run_study(args.study, args.out, storage_dir=args.storage)
    except (StudySpecError, OutputFolderError) as exc:
        print(f"cluster-impact run: {exc}", file=sys.stderr)
        return 2
    out = outcome.out_dir
    print(f"Study published to {out}")
    for sub in ("tables", "figures"):
        folder = out / sub
        if folder.exists():
            names = sorted(p.name for p in folder.iterdir())
            print(f"  {sub}/: {len(names)} files ({', '.join(names[:6])}{', ...' if len(names) > 6 else ''})")
    print(f"  manifest: {Path(outcome.manifest_path).name} (Dagster run {outcome.run_id})")
    return 0


def _reproduce(args: argparse.Namespace) -> int:
    try:
        outcome = reproduce(args.manifest, inputs_dir=args.inputs, study_file=args.study,
                            allow_changed_inputs=args.allow_changed_inputs)
    except (InputMismatchError, StudySpecError, FileNotFoundError) as exc:
        print(f"cluster-impact reproduce: {exc}", file=sys.stderr)
        return 1
    print(outcome.report())
    return 0 if outcome.identical else 1
