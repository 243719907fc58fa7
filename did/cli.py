"""``cluster-impact did ...`` subcommands: ``att-gt``, ``twfe`` and ``sensitivity``.

Each prints the results' summary (as R ``summary(att_gt)`` / ``aggte`` and fixest
``etable`` do); ``--json OUT`` also writes the JSON document, ``--json -`` writes it to
standard output instead of the summary. The JSON keys of issue #5 are kept (auditors'
scripts parse them) and issue #15 added the summary's fields; NaN becomes null.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings
from pathlib import Path

import pandas as pd

from did.att_gt import att_gt
from did.errors import DiDError
from did.sensitivity import honest_did
from did.summaries import att_gt_display, att_gt_document, compute_aggregations, num, period
from did.twfe import twfe


class _UsageError(Exception):
    """An option value in the wrong format (exit 2, as argparse's own errors)."""


class _CLIError(Exception):
    """A problem with the command-line input (file, option)."""


def _read_table(path: str) -> pd.DataFrame:
    p = Path(path)
    if not p.is_file():
        raise _CLIError(f"data file not found: {path}")
    try:
        if p.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(p)
        return pd.read_csv(p)
    except Exception as exc:  # noqa: BLE001 - any reader failure is reported in one line
        raise _CLIError(f"cannot read {path}: {type(exc).__name__}: {exc}".splitlines()[0]) from exc


_num = num  # JSON-safe number (kept under this name for the subcommands' payloads)
_period = period


def _write(payload: dict, out: str | None) -> None:
    """JSON to the file ``out``, or to standard output when ``out`` is ``-`` or empty."""
    text = json.dumps(payload, indent=1)
    if out and out != "-":
        Path(out).write_text(text + "\n")
    else:
        sys.stdout.write(text + "\n")


def att_gt_payload(res) -> dict:
    """The JSON layout of ``did att-gt`` for a fitted :class:`ATTgtResults`."""
    return res.to_dict()


def _run(args: argparse.Namespace, body) -> int:
    """Run ``body`` (returns summary text and JSON payload); print warnings once, then the
    summary (unless ``--json -``) and the JSON (file or ``-``)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            text, payload = body(args)
        except _UsageError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except (DiDError, _CLIError) as exc:  # refused data (exit codes: README)
            print(f"error: {exc}", file=sys.stderr)
            return 1
    seen = set()
    for w in caught:
        message = str(w.message).splitlines()[0]
        if message not in seen:
            seen.add(message)
            print(f"warning: {message}", file=sys.stderr)
    if args.json != "-":
        sys.stdout.write(text + "\n")
    if args.json:
        try:
            _write(payload, args.json)
        except OSError as exc:
            print(f"error: cannot write {args.json}: {exc.strerror}", file=sys.stderr)
            return 1
    return 0


def _att_gt_body(args: argparse.Namespace) -> tuple[str, dict]:
    data = _read_table(args.data)
    covariates = [c.strip() for c in args.covariates.split(",") if c.strip()] if args.covariates else None
    res = att_gt(
        data,
        y=args.y,
        id=args.id,
        time=args.time,
        group=args.group,
        control_group=args.control,
        method=args.method,
        covariates=covariates,
        base_period=args.base_period,
        anticipation=args.anticipation,
        weights=args.weights,
        panel=args.panel,
        bootstrap=args.bootstrap,
        seed=args.seed,
    )
    # Aggregations once, for both the summary and the JSON document.
    aggregations = compute_aggregations(res)
    return (att_gt_display(res, elements=True, computed=aggregations).text(),
            att_gt_document(res, computed=aggregations))


def _twfe_body(args: argparse.Namespace) -> tuple[str, dict]:
    data = _read_table(args.data)
    absorb = [tuple(a.split(":")) if ":" in a else a for a in args.absorb] if args.absorb else None
    res = twfe(
        data,
        y=args.y,
        id=args.id,
        time=args.time,
        treated=args.treated,
        absorb=absorb,
        weights=args.weights,
        cluster=args.cluster,
    )
    return res.summary(), res.to_dict()


def handle_att_gt(args: argparse.Namespace) -> int:
    """``did att-gt``: Callaway-Sant'Anna ATT(g,t), pre-test and the four aggregations."""
    return _run(args, _att_gt_body)


def handle_twfe(args: argparse.Namespace) -> int:
    """``did twfe``: static TWFE coefficient with clustered SE, t, p, interval and df."""
    return _run(args, _twfe_body)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", required=True, metavar="FILE", help="CSV or Parquet panel")
    p.add_argument("--y", required=True, metavar="COL", help="outcome column")
    p.add_argument("--id", required=True, metavar="COL", help="unit identifier column")
    p.add_argument("--time", required=True, metavar="COL", help="period column")
    p.add_argument("--weights", metavar="COL", help="weights column (optional)")
    p.add_argument("--json", metavar="OUT",
                   help="also write the results as JSON to OUT; '-' writes the JSON to standard "
                        "output instead of the summary")


def _nonnegative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be non-negative, got {value}")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``did att-gt``, ``did twfe`` and ``did sensitivity`` to the ``cluster-impact`` CLI."""
    did_parser = subparsers.add_parser(
        "did", help="difference-in-differences estimators (Callaway-Sant'Anna, TWFE)"
    )
    did_sub = did_parser.add_subparsers(dest="did_command", metavar="SUBCOMMAND")
    did_parser.set_defaults(func=lambda args: (did_parser.print_help(), 2)[1])

    p = did_sub.add_parser("att-gt", help="Callaway-Sant'Anna group-time ATTs and aggregates")
    _common(p)
    p.add_argument("--group", required=True, metavar="COL", help="first treated period, 0 = never")
    p.add_argument("--control", choices=["never", "notyet"], default="never")
    p.add_argument("--method", choices=["dr", "ipw", "reg"], default="dr")
    p.add_argument("--covariates", metavar="A,B", help="comma-separated covariate columns")
    p.add_argument("--base-period", dest="base_period", choices=["varying", "universal"], default="varying")
    p.add_argument("--anticipation", type=_nonnegative_int, default=0)
    p.add_argument("--panel", choices=["balance", "unbalanced", "pairwise"], default="unbalanced",
                   help="units missing in some periods: drop them (balance, R did's default), "
                   "pool the observations (unbalanced, R allow_unbalanced_panel = TRUE) or "
                   "use each cell's units observed in both its periods (pairwise); "
                   "default: unbalanced")
    p.add_argument("--bootstrap", type=_nonnegative_int, default=0, metavar="N",
                   help="multiplier-bootstrap draws (default 0: analytic SEs)")
    p.add_argument("--seed", type=int, default=0, metavar="S")
    p.set_defaults(func=handle_att_gt)

    p = did_sub.add_parser("twfe", help="two-way fixed-effects DiD coefficient")
    _common(p)
    p.add_argument("--treated", required=True, metavar="COL", help="0/1 treatment indicator")
    p.add_argument("--cluster", metavar="COL", help="cluster column (default: --id)")
    p.add_argument("--absorb", action="append", metavar="COL[:COL]",
                   help="extra absorbed effect; A:B for the interaction (repeatable)")
    p.set_defaults(func=handle_twfe)

    _register_sensitivity(did_sub)


# --------------------------------------------------------------------------- did sensitivity
# Self-contained: Rambachan-Roth sensitivity of the Callaway-Sant'Anna event study
# (issue #11 item 5). Prints the results' table; --json writes
# {"original": {"lb", "ub"}, "robust": [{"m", "lb", "ub", "method"}], "breakdown": m}.


def _parse_grid(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values or any(not math.isfinite(v) or v < 0 for v in values):
        raise _UsageError(f"--grid must be comma-separated numbers >= 0 (e.g. 0,0.5,1), got {text!r}")
    return values


def _sensitivity_run(args: argparse.Namespace):
    grid = _parse_grid(args.grid)
    data = _read_table(args.data)
    covariates = [c.strip() for c in args.covariates.split(",") if c.strip()] if args.covariates else None
    res = att_gt(
        data, y=args.y, id=args.id, time=args.time, group=args.group,
        control_group=args.control, method=args.method, covariates=covariates,
        base_period="universal", weights=args.weights, panel=args.panel,
    )
    restriction = args.type.replace("-", "_")
    extra = {"method": args.rm_method, "grid_points": args.grid_points} if restriction == "relative_magnitudes" else {}
    return honest_did(res, restriction=restriction, grid=grid, target=args.target,
                      min_e=args.min_e, max_e=args.max_e, **extra)


def _sensitivity_body(args: argparse.Namespace) -> tuple[str, dict]:
    result = _sensitivity_run(args)
    return result.summary(), result.to_dict()


def handle_sensitivity(args: argparse.Namespace) -> int:
    """``did sensitivity``: HonestDiD robust confidence sets for the CS event study."""
    return _run(args, _sensitivity_body)


def _register_sensitivity(did_sub: argparse._SubParsersAction) -> None:
    p = did_sub.add_parser(
        "sensitivity",
        help="sensitivity of the CS event study to violations of parallel trends (HonestDiD)",
        description="Rambachan-Roth (2023) robust confidence sets for the Callaway-Sant'Anna event "
        "study (universal base period): relative magnitudes (C-LF or conditional test inversion) "
        "or smoothness (FLCI), with the breakdown value.",
    )
    _common(p)
    p.add_argument("--group", required=True, metavar="COL", help="first treated period, 0 = never")
    p.add_argument("--control", choices=["never", "notyet"], default="never")
    p.add_argument("--method", choices=["dr", "ipw", "reg"], default="dr")
    p.add_argument("--covariates", metavar="A,B", help="comma-separated covariate columns")
    p.add_argument("--panel", choices=["balance", "unbalanced", "pairwise"], default="unbalanced",
                   help="units missing in some periods, as for att-gt (default: unbalanced)")
    p.add_argument("--type", required=True, choices=["relative-magnitudes", "smoothness"],
                   help="bounds on the post-period violations: Mbar (relative) or M (smoothness)")
    p.add_argument("--grid", required=True, metavar="M1,M2,...", help="values of Mbar or M, e.g. 0,0.5,1")
    p.add_argument("--target", choices=["first", "average"], default="first",
                   help="first post-period effect (e = 0) or the average of the post-periods")
    p.add_argument("--rm-method", dest="rm_method", choices=["C-LF", "Conditional"], default="C-LF",
                   help="relative magnitudes: hybrid (default, as HonestDiD) or conditional test")
    p.add_argument("--grid-points", dest="grid_points", type=_positive_grid, default=100, metavar="N",
                   help="relative magnitudes: points of the test-inversion grid (default 100)")
    p.add_argument("--min-e", dest="min_e", type=float, default=-math.inf, metavar="E",
                   help="first event time of the event study (default: all)")
    p.add_argument("--max-e", dest="max_e", type=float, default=math.inf, metavar="E",
                   help="last event time of the event study (default: all)")
    p.set_defaults(func=handle_sensitivity)


def _positive_grid(text: str) -> int:
    value = int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be at least 2, got {value}")
    return value
