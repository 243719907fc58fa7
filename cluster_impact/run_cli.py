"""``cluster-impact run`` and ``cluster-impact reproduce``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cluster_impact.study import DEMO_STUDY_PATH, StudySpecError


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


def _run(args: argparse.Namespace) -> int:
    from cluster_impact.runner import run_study

    try:
        outcome = run_study(args.study, args.out, storage_dir=args.storage)
    except StudySpecError as exc:
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
