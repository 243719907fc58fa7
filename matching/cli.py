"""``cluster-impact match``: MatchIt-style matching from the command line.

    cluster-impact match --data FILE --treatment COL --covariates A,B,C
        [--method nearest|exact|cem] [--distance glm|COL] [--link logit|probit|...]
        [--ratio K] [--replace] [--caliper C] [--exact A,B] [--m-order ORDER]
        [--discard none|both|control|treated] [--cutpoints SPEC] [--estimand ATT]
        [--outcome COL] [--drop-missing] [--seed S] [--json OUT]

Prints MatchIt's ``summary(m)`` (balance for all and matched data, sample sizes) and,
with ``--outcome``, the ATT with its SE type and interval. ``--json OUT`` also writes
a JSON document (``-``: the JSON on standard output instead of the summary) with
n_treated, n_control, n_treated_matched, n_control_matched, distance and weights per
input row (input order), the balance table, the sample sizes and the ATT.

Options that do not apply to the chosen method are refused, not ignored: MatchIt
ignores ``exact``, ``ratio``, ``discard``... with ``method = "exact"`` or ``"cem"``.
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
from matching.match import DISCARD, M_ORDERS, match
from matching.propensity import LINKS

#: MatchIt ``distance`` values this package does not implement (the score is a GLM).
_MATCHIT_DISTANCES = ("gam", "gbm", "lasso", "ridge", "elasticnet", "rpart", "nnet", "cbps", "bart",
                      "randomforest", "mahalanobis", "robust_mahalanobis", "euclidean", "scaled_euclidean")
_NEAREST_ONLY = ("ratio", "replace", "caliper", "exact", "distance", "link", "m_order", "discard")


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


def _num(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) else float(x)


def _split(text: str | None) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()] if text else []


def _cutpoint_value(text: str) -> object:
    """A rule name (sturges, scott, fd, qN), a number of bins, or cut points A:B:C."""
    text = text.strip()
    if ":" in text:
        try:
            return [float(v) for v in text.split(":") if v]
        except ValueError:
            raise MatchingError(f"--cutpoints: cut points must be numbers separated by ':', got '{text}'") from None
    try:
        number = float(text)
    except ValueError:
        return text.lower()
    if not number.is_integer() or number < 0:
        raise MatchingError(f"--cutpoints: a number of bins must be a whole number >= 0, got '{text}'")
    return int(number)


def parse_cutpoints(text: str | None) -> object:
    """``--cutpoints``: one SPEC for every numeric covariate, or ``VAR=SPEC,VAR=SPEC``."""
    if not text:
        return None
    if "=" not in text:
        return _cutpoint_value(text)
    out = {}
    for part in _split(text):
        name, sep, value = part.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise MatchingError(f"--cutpoints: expected VAR=SPEC, got '{part}'")
        out[name.strip()] = _cutpoint_value(value)
    return out


def _check_options(args: argparse.Namespace, data: pd.DataFrame) -> str | None:
    """Refuse what the library does not do or what does not apply; return the distance column."""
    if args.estimand.upper() != "ATT":
        raise MatchingError(f"--estimand {args.estimand}: only the ATT is implemented (MatchIt's ATC and ATE "
                            "weights are not); swap the treatment coding to estimate the ATC")
    if args.method != "nearest":
        given = [f"--{o.replace('_', '-')}" for o in _NEAREST_ONLY if getattr(args, o) not in (None, False)]
        if given:
            hint = ""
            if "--exact" in given:
                hint = {"exact": " (it already matches exactly on every covariate)",
                        "cem": " (use --cutpoints VAR=0 to match a variable exactly)"}[args.method]
            verb = "applies" if len(given) == 1 else "apply"
            raise MatchingError(f"{', '.join(given)} {verb} to nearest-neighbour matching, not --method "
                                f"{args.method}{hint}")
    if args.cutpoints is not None and args.method != "cem":
        raise MatchingError("--cutpoints applies to --method cem only")
    distance = args.distance
    if distance is None or distance.lower() == "glm":
        return None
    if distance in data.columns:
        if args.link is not None:
            raise MatchingError(f"--link applies to the estimated score (--distance glm), not to the column '{distance}'")
        return distance
    if distance.lower() in _MATCHIT_DISTANCES:
        raise MatchingError(f"--distance {distance} is not implemented: use glm (a logit or probit score, see --link) "
                            "or the name of a column holding a precomputed distance")
    raise MatchingError(f"--distance must be glm or a column of the data; '{distance}' is neither")


def _counts_document(result) -> dict:
    c = result.counts()
    return {group: {row: (float(c.loc[row, group]) if row.endswith("_ess") else int(c.loc[row, group]))
                    for row in c.index} for group in c.columns}


def result_document(result, outcome: str | None = None, att=None) -> dict:
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
            {"covariate": row["covariate"], **{k: _num(v) for k, v in row.items() if k != "covariate"}}
            for row in bal.to_dict(orient="records")
        ],
        "sample_sizes": _counts_document(result),
        "method": result.method,
        "description": result.description(),
        "estimand": "ATT",
    }
    if outcome:
        eff = att if att is not None else result.att(outcome)
        lo, hi = eff.conf_int()
        doc["att"] = {"estimate": eff.estimate, "se": eff.se, "se_type": eff.se_type,
                      "ci_lower": _num(lo), "ci_upper": _num(hi), "t_value": _num(eff.t_value),
                      "p_value": _num(eff.p_value), "df_resid": eff.df_resid, "n_obs": eff.n_obs,
                      "n_matched_sets": eff.n_clusters, "outcome": outcome}
    return doc


def _handler(args: argparse.Namespace) -> int:
    try:
        data = _read(args.data)
    except (MatchingError, OSError, pd.errors.ParserError) as exc:
        print(f"cluster-impact match: error: {exc}", file=sys.stderr)
        return 1
    try:
        distance = _check_options(args, data)
    except MatchingError as exc:  # an option this method does not take: usage (exit 2)
        print(f"cluster-impact match: error: {exc}", file=sys.stderr)
        return 2
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = match(
                data,
                treatment=args.treatment,
                covariates=_split(args.covariates),
                method=args.method,
                ratio=args.ratio or 1,
                replace=args.replace,
                caliper=args.caliper,
                exact=_split(args.exact) or None,
                link=args.link or "logit",
                distance=distance,
                m_order=args.m_order,
                discard=args.discard or "none",
                cutpoints=parse_cutpoints(args.cutpoints),
                drop_missing=args.drop_missing,
                seed=args.seed,
            )
        seen = set()
        for w in caught:
            if str(w.message) not in seen:
                seen.add(str(w.message))
                print(f"warning: {w.message}", file=sys.stderr)
        att = result.att(args.outcome) if args.outcome else None
        doc = result_document(result, args.outcome, att)
    except (MatchingError, OSError, pd.errors.ParserError) as exc:
        print(f"cluster-impact match: error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        text = json.dumps(doc, indent=1)
        if args.json == "-":
            print(text)
            return 0
        try:
            Path(args.json).write_text(text + "\n")
        except OSError as exc:
            print(f"cluster-impact match: error: cannot write {args.json}: {exc.strerror}", file=sys.stderr)
            return 1
    print(result.summary())
    if att is not None:
        print()
        print(att.summary())
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``match`` subcommand to the ``cluster-impact`` CLI."""
    p = subparsers.add_parser(
        "match",
        help="propensity-score / exact / CEM matching with MatchIt semantics",
        description="Match treated to control units as R's MatchIt does and report balance, sample sizes "
                    "and (with --outcome) the ATT.",
    )
    p.add_argument("--data", required=True, help="CSV, Parquet or XLSX file, one row per unit")
    p.add_argument("--treatment", required=True, help="0/1 treatment column")
    p.add_argument("--covariates", required=True, help="comma-separated covariates")
    p.add_argument("--method", choices=["nearest", "exact", "cem"], default="nearest")
    p.add_argument("--estimand", default="ATT", help="ATT (the only estimand implemented; ATC/ATE are refused)")
    p.add_argument("--distance", default=None, metavar="glm|COL",
                   help="nearest: glm (default; a propensity score, see --link) or a column with a precomputed "
                        "distance")
    p.add_argument("--link", choices=LINKS, default=None, help="nearest, glm distance: score model (default logit)")
    p.add_argument("--ratio", type=int, default=None, help="nearest: controls per treated unit (default 1)")
    p.add_argument("--replace", action="store_true", help="nearest: match with replacement")
    p.add_argument("--caliper", type=float, default=None, help="nearest: caliper in SDs of the distance")
    p.add_argument("--exact", default=None, help="nearest: comma-separated variables matched exactly")
    p.add_argument("--m-order", dest="m_order", choices=M_ORDERS, default=None,
                   help="nearest without replacement: order in which treated units are matched (default largest)")
    p.add_argument("--discard", choices=DISCARD, default=None,
                   help="nearest: drop units outside the other group's distance range first (default none)")
    p.add_argument("--cutpoints", default=None, metavar="SPEC|VAR=SPEC,...",
                   help="cem: bins for numeric covariates, for all or per variable; SPEC is sturges (default), "
                        "scott, fd, qN (N quantile bins), a number of equal bins (0: no coarsening) or cut "
                        "points A:B:C")
    p.add_argument("--seed", type=int, default=0, help="seed for --m-order random")
    p.add_argument("--outcome", default=None, help="outcome column: also report the ATT")
    p.add_argument("--json", default=None, metavar="OUT",
                   help="also write the JSON result to OUT; '-' writes the JSON to standard output instead of "
                        "the summary")
    p.add_argument(
        "--drop-missing",
        action="store_true",
        help="drop rows with missing covariates (the count is reported) instead of refusing",
    )
    p.set_defaults(func=_handler)
