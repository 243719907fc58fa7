"""``cluster-impact match``: MatchIt-style matching from the command line.

    cluster-impact match --data FILE --treatment COL --covariates A,B,C
        [--method nearest|exact|cem] [--ratio K] [--replace] [--caliper C]
        [--exact A,B] [--link logit|probit] [--outcome COL] [--json OUT]
        [--drop-missing]

Writes a JSON document (``--json OUT``; ``-`` for stdout) with n_treated,
n_control, n_treated_matched, n_control_matched, distance and weights per input
row (input order), the balance table and, with ``--outcome``, the ATT.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings
from pathlib import Path

import pandas as pd

from matching.errors import MatchingError
from matching.match import match


def _read(path: str) -> pd.DataFrame:
    p = Path(path)
    if not p.exists():
        raise MatchingError(f"data file not found: {path}")
    suffix = p.suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(p)
    if suffix in (".xlsx", ".xls"):
        return pd.read_excel(p)
    return pd.read_csv(p)


def _num(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _split(text: str | None) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()] if text else []


def result_document(result, outcome: str | None = None) -> dict:
    """The JSON document of ``cluster-impact match`` for a :class:`MatchResults`."""
    bal = result.balance()
    doc = {
        "n_treated": result.n_treated,
        "n_control": result.n_control,
        "n_treated_matched": result.n_treated_matched,
        "n_control_matched": result.n_control_matched,
        "distance": [_num(v) for v in result.distance.to_numpy(dtype=float)],
        "weights": [float(v) for v in result.weights.to_numpy(dtype=float)],
        "balance": [
            {
                "covariate": row.covariate,
                "smd_before": _num(row.smd_before),
                "smd_after": _num(row.smd_after),
                "var_ratio_before": _num(row.var_ratio_before),
                "var_ratio_after": _num(row.var_ratio_after),
            }
            for row in bal.itertuples(index=False)
        ],
    }
    if outcome:
        eff = result.att(outcome)
        doc["att"] = {"estimate": eff.estimate, "se": eff.se}
    return doc


def _handler(args: argparse.Namespace) -> int:
    try:
        data = _read(args.data)
        covariates = _split(args.covariates)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = match(
                data,
                treatment=args.treatment,
                covariates=covariates,
                method=args.method,
                ratio=args.ratio,
                replace=args.replace,
                caliper=args.caliper,
                exact=_split(args.exact) or None,
                link=args.link,
                drop_missing=args.drop_missing,
            )
        for w in caught:
            print(f"warning: {w.message}", file=sys.stderr)
        doc = result_document(result, args.outcome)
    except (MatchingError, OSError, pd.errors.ParserError) as exc:
        print(f"cluster-impact match: error: {exc}", file=sys.stderr)
        return 2
    text = json.dumps(doc, indent=1)
    if args.json == "-":
        print(text)
    elif args.json:
        Path(args.json).write_text(text + "\n")
    if args.json != "-":
        print(result.summary())
        if args.outcome:
            print(f"ATT ({args.outcome}): {doc['att']['estimate']:.6g} (SE {doc['att']['se']:.6g})")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``match`` subcommand to the ``cluster-impact`` CLI."""
    p = subparsers.add_parser(
        "match",
        help="propensity-score / exact / CEM matching with MatchIt semantics",
        description="Match treated to control units as R's MatchIt does and report balance and the ATT.",
    )
    p.add_argument("--data", required=True, help="CSV, Parquet or XLSX file, one row per unit")
    p.add_argument("--treatment", required=True, help="0/1 treatment column")
    p.add_argument("--covariates", required=True, help="comma-separated covariates")
    p.add_argument("--method", choices=["nearest", "exact", "cem"], default="nearest")
    p.add_argument("--ratio", type=int, default=1, help="controls per treated unit (nearest)")
    p.add_argument("--replace", action="store_true", help="match with replacement")
    p.add_argument("--caliper", type=float, default=None, help="caliper in SDs of the distance")
    p.add_argument("--exact", default=None, help="comma-separated variables matched exactly")
    p.add_argument(
        "--link", choices=["logit", "probit", "linear.logit", "linear.probit"], default="logit"
    )
    p.add_argument("--outcome", default=None, help="outcome column: also report the ATT")
    p.add_argument("--json", default=None, metavar="OUT", help="write the JSON result here ('-' = stdout)")
    p.add_argument(
        "--drop-missing",
        action="store_true",
        help="drop rows with missing covariates (the count is reported) instead of refusing",
    )
    p.set_defaults(func=_handler)
