"""``cluster-impact tfp estimate``: one production function from a CSV or Parquet file.

Method names follow R prodest: ``op``, ``lp``, ``acf``, ``wrdg`` (prodestWRDG, pooled IV) and
``wrdg_gmm`` (prodestWRDG_GMM, system GMM), plus ``ols`` and ``fe``; the prodest function
names and ``wrdg_iv`` (former name of ``wrdg``) are accepted too. The summary is printed;
``--json OUT`` also writes the JSON, ``--json -`` writes the JSON to standard output instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from .api import estimate
from .exceptions import TFPError
from .spec import METHODS, PRODEST_FUNCTIONS, canonical_method

_METHOD_HELP = "estimator (default acf): " + ", ".join(
    f"{m} ({PRODEST_FUNCTIONS[m]})" if m in PRODEST_FUNCTIONS else m for m in METHODS
) + "; prodest's function names (any case, e.g. prodestWRDG_GMM) and wrdg_iv (= wrdg) are accepted too"


def _method(text: str) -> str:
    method = canonical_method(text)
    if method is None:
        raise argparse.ArgumentTypeError(f"unknown method {text!r}; choose one of {', '.join(METHODS)}")
    return method


def _columns(values: list[str] | None) -> list[str]:
    """Repeated and comma-separated column options, flattened."""
    out: list[str] = []
    for v in values or []:
        out += [c.strip() for c in v.split(",") if c.strip()]
    return out


def read_table(path: str) -> pd.DataFrame:
    """CSV or Parquet by extension."""
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"data file not found: {path}")
    if p.suffix.lower() in (".parquet", ".pq"):
        return pd.read_parquet(p)
    return pd.read_csv(p)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``tfp estimate`` to the ``cluster-impact`` command line."""
    tfp_parser = subparsers.add_parser("tfp", help="production-function and TFP estimation")
    sub = tfp_parser.add_subparsers(dest="tfp_command", metavar="SUBCOMMAND")
    p = sub.add_parser(
        "estimate",
        help="estimate one production function",
        description="Estimate a production function (prodest-compatible estimators) and print it; "
                    "--json writes the estimates as JSON.",
    )
    p.add_argument("--data", required=True, help="CSV or Parquet file, one row per firm-year")
    p.add_argument("--id", required=True, help="firm identifier column")
    p.add_argument("--time", required=True, help="year column")
    p.add_argument("--output", required=True, help="log output column")
    p.add_argument("--free", required=True, action="append", help="free input column(s): A[,B]")
    p.add_argument("--state", required=True, action="append", help="state input column(s)")
    p.add_argument("--proxy", help="proxy column (investment for OP, intermediates for LP/ACF/WRDG)")
    p.add_argument("--method", default="acf", type=_method, metavar="METHOD", help=_METHOD_HELP)
    p.add_argument("--translog", action="store_true", help="translog instead of Cobb-Douglas")
    p.add_argument("--gross-output", action="store_true", help="proxy is also an input (ACF, OLS, FE)")
    p.add_argument("--control", action="append", help="control column(s), repeatable")
    p.add_argument("--poly-degree", type=int, default=2, help="first-stage polynomial degree (default 2)")
    p.add_argument("--exit", action="store_true", help="OP/LP: correct for exit")
    p.add_argument("--theta0", help="second-stage start, comma-separated")
    p.add_argument("--bootstrap", type=int, default=0, metavar="R",
                   help="firm-block bootstrap replications (OP, LP and ACF have no SEs without it)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    p.add_argument("--n-jobs", type=int, default=1, help="processes for the bootstrap")
    p.add_argument("--take-logs", action="store_true", help="columns are levels: check positive, take logs")
    p.add_argument("--prodest-compat", action="store_true", help="wrdg_gmm: prodestWRDG_GMM's exact form")
    p.add_argument("--overidentify", action="store_true", help="acf: lagged capital as an extra instrument")
    p.add_argument("--json", metavar="OUT",
                   help="also write the results as JSON to OUT; '-' writes the JSON to standard output "
                        "instead of the summary")
    p.set_defaults(func=_estimate_command)
    tfp_parser.set_defaults(func=lambda args: (tfp_parser.print_help(), 2)[1])


def _estimate_command(args: argparse.Namespace) -> int:
    try:
        data = read_table(args.data)
        theta0 = [float(v) for v in args.theta0.split(",")] if args.theta0 else None
        res = estimate(
            data, id=args.id, time=args.time, output=args.output, free=_columns(args.free),
            state=_columns(args.state), proxy=args.proxy, method=args.method, controls=_columns(args.control),
            translog=args.translog, value_added=not args.gross_output, poly_degree=args.poly_degree,
            exit=args.exit, theta0=theta0, bootstrap=args.bootstrap, seed=args.seed, n_jobs=args.n_jobs,
            take_logs=args.take_logs, prodest_compat=args.prodest_compat, overidentify=args.overidentify,
        )
    except (TFPError, OSError, ValueError, pd.errors.ParserError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"cluster-impact tfp estimate: error: {msg}", file=sys.stderr)
        return 1
    for warning in res.se_warnings:
        print(f"warning: {warning}", file=sys.stderr)
    text = json.dumps(res.to_dict(), indent=2)
    if args.json == "-":
        print(text)
        return 0
    print(res.summary())
    if args.json:
        try:
            Path(args.json).write_text(text + "\n")
        except OSError as exc:
            print(f"cluster-impact tfp estimate: error: cannot write {args.json}: {exc.strerror}", file=sys.stderr)
            return 1
    return 0
