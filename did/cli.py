"""``cluster-impact did ...`` subcommands: ``att-gt``, ``twfe`` and ``sensitivity``.

Output layouts are fixed by issue #5 (auditors' scripts parse them); NaN becomes null.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from did.att_gt import att_gt
from did.errors import DiDError
from did.sensitivity import honest_did
from did.twfe import twfe


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


def _num(value: Any) -> Any:
    """JSON-safe number: NaN/inf to null, numpy scalars to Python."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    try:
        f = float(value)
    except (TypeError, ValueError):
        return value
    if not math.isfinite(f):
        return None
    return int(f) if float(f).is_integer() and not isinstance(value, float) else f


def _period(value: Any) -> Any:
    f = float(value)
    return int(f) if f.is_integer() else f


def _write(payload: dict, out: str | None) -> None:
    text = json.dumps(payload, indent=1)
    if out:
        Path(out).write_text(text + "\n")
    else:
        sys.stdout.write(text + "\n")


def att_gt_payload(res) -> dict:
    """The JSON layout of ``did att-gt`` for a fitted :class:`ATTgtResults`."""
    cells = [
        {"group": _period(r.group), "time": _period(r.time), "att": _num(r.att), "se": _num(r.se)}
        for r in res.att_gt.itertuples()
    ]
    simple = res.aggregate("simple")
    aggregate: dict[str, Any] = {"simple": {"att": _num(simple.overall_att), "se": _num(simple.overall_se)}}
    for kind, key in (("dynamic", "event_time"), ("group", "group"), ("calendar", "time")):
        agg = res.aggregate(kind)
        aggregate[kind] = [
            {key: _period(k), "att": _num(a), "se": _num(s)}
            for k, a, s in zip(agg.elements[key], agg.elements["att"], agg.elements["se"])
        ]
    return {"n_units": int(res.n_units), "n_obs": int(res.n_obs), "panel": res.panel,
            "att_gt": cells, "aggregate": aggregate}


def _run(args: argparse.Namespace, body) -> int:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            payload = body(args)
        except (DiDError, _CLIError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    for w in caught:
        print(f"warning: {str(w.message).splitlines()[0]}", file=sys.stderr)
    try:
        _write(payload, args.json)
    except OSError as exc:
        print(f"error: cannot write {args.json}: {exc.strerror}", file=sys.stderr)
        return 2
    return 0


def _att_gt_body(args: argparse.Namespace) -> dict:
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
    return att_gt_payload(res)


def _twfe_body(args: argparse.Namespace) -> dict:
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
    return {
        "coef": float(res.params.iloc[0]),
        "se": _num(res.std_errors.iloc[0]),
        "n_obs": int(res.nobs),
    }


def handle_att_gt(args: argparse.Namespace) -> int:
    """``did att-gt``: Callaway-Sant'Anna ATT(g,t) and the four aggregations as JSON."""
    return _run(args, _att_gt_body)


def handle_twfe(args: argparse.Namespace) -> int:
    """``did twfe``: static TWFE coefficient, clustered SE and N as JSON."""
    return _run(args, _twfe_body)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", required=True, metavar="FILE", help="CSV or Parquet panel")
    p.add_argument("--y", required=True, metavar="COL", help="outcome column")
    p.add_argument("--id", required=True, metavar="COL", help="unit identifier column")
    p.add_argument("--time", required=True, metavar="COL", help="period column")
    p.add_argument("--weights", metavar="COL", help="weights column (optional)")
    p.add_argument("--json", metavar="OUT", help="write JSON here instead of stdout")


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
# (issue #11 item 5). Prints a readable table; --json writes
# {"original": {"lb", "ub"}, "robust": [{"m", "lb", "ub", "method"}], "breakdown": m}.


def _parse_grid(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values or any(not math.isfinite(v) or v < 0 for v in values):
        raise _CLIError(f"--grid must be comma-separated numbers >= 0 (e.g. 0,0.5,1), got {text!r}")
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


def handle_sensitivity(args: argparse.Namespace) -> int:
    """``did sensitivity``: HonestDiD robust confidence sets for the CS event study."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = _sensitivity_run(args)
        except (DiDError, _CLIError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    for w in caught:
        print(f"warning: {str(w.message).splitlines()[0]}", file=sys.stderr)
    sys.stdout.write(result.summary() + "\n")
    if args.json:
        try:
            Path(args.json).write_text(json.dumps(result.to_dict(), indent=1) + "\n")
        except OSError as exc:
            print(f"error: cannot write {args.json}: {exc.strerror}", file=sys.stderr)
            return 2
    return 0


def _register_sensitivity(did_sub: argparse._SubParsersAction) -> None:
    p = did_sub.add_parser(
        "sensitivity",
        help="sensitivity of the CS event study to violations of parallel trends (HonestDiD)",
        description="Rambachan-Roth (2023) robust confidence sets for the Callaway-Sant'Anna event "
        "study (universal base period): relative magnitudes (C-LF or conditional test inversion) "
        "or smoothness (FLCI), with the breakdown value.",
    )
    _common(p)
    p._option_string_actions["--json"].help = "also write the results as JSON here"
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
