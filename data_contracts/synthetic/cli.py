"""``cluster-impact simulate``: write a simulated population's raw input files.

``register`` adds the subcommand; ``data_contracts.cli.register`` (owned by the
contracts package) is expected to call it so that the top-level CLI lists it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from data_contracts.synthetic.config import DEMO
from data_contracts.synthetic.defects import DEFECTS
from data_contracts.synthetic.errors import SyntheticDataError
from data_contracts.synthetic.population import simulate_population
from data_contracts.synthetic.writers import (
    ACCOUNTS_FORMATS, ACCOUNTS_LAYOUTS, DEFLATOR_FORMATS, MEMBERSHIP_FORMATS, write_raw_files,
)


def _defect(text: str) -> tuple[str, float]:
    name, _, rate = text.partition("=")
    try:
        return name, float(rate)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--defect expects NAME=RATE, got {text!r}") from None


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``simulate`` subcommand."""
    parser = subparsers.add_parser(
        "simulate",
        help="write the raw input files of a simulated firm population (known truth)",
        description=("Simulate a Flemish-like firm population (data_contracts.synthetic) and "
                     "write its accounts, membership list and deflators, optionally with "
                     "injected defects and their log; also writes truth.parquet."),
    )
    parser.add_argument("--out", required=True, help="folder to write into")
    parser.add_argument("--seed", type=int, default=DEMO.seed)
    parser.add_argument("--n-firms", type=int, default=DEMO.n_firms)
    parser.add_argument("--first-year", type=int, default=DEMO.first_year)
    parser.add_argument("--last-year", type=int, default=DEMO.last_year)
    parser.add_argument("--true-effect", type=float, default=DEMO.true_effect)
    parser.add_argument("--effect-growth", type=float, default=DEMO.effect_growth)
    parser.add_argument("--dip-selection", action="store_true",
                        help="firms join after a negative transitory productivity shock")
    parser.add_argument("--accounts-format", choices=ACCOUNTS_FORMATS, default="csv")
    parser.add_argument("--accounts-layout", choices=ACCOUNTS_LAYOUTS, default="wide")
    parser.add_argument("--membership-format", choices=MEMBERSHIP_FORMATS, default="csv")
    parser.add_argument("--deflators-format", choices=DEFLATOR_FORMATS, default="csv")
    parser.add_argument("--separator", default=",")
    parser.add_argument("--decimal", default=".")
    parser.add_argument("--encoding", default="utf-8")
    parser.add_argument("--defect", type=_defect, action="append", default=None, metavar="NAME=RATE",
                        help=f"inject a defect at a rate (repeatable); names: {', '.join(DEFECTS)}")
    parser.add_argument("--defect-seed", type=int, default=0)
    parser.add_argument("--json", metavar="OUT", default=None,
                        help="also write what was written as JSON to OUT; '-' writes the JSON to standard "
                             "output instead of the listing")
    parser.set_defaults(func=_simulate)


def _simulate(args: argparse.Namespace) -> int:
    try:
        config = dataclasses.replace(
            DEMO, seed=args.seed, n_firms=args.n_firms, first_year=args.first_year,
            last_year=args.last_year, true_effect=args.true_effect,
            effect_growth=args.effect_growth, dip_selection=args.dip_selection)
        population = simulate_population(config)
        paths = write_raw_files(
            population, args.out, accounts_format=args.accounts_format,
            accounts_layout=args.accounts_layout, membership_format=args.membership_format,
            deflators_format=args.deflators_format, separator=args.separator,
            decimal=args.decimal, encoding=args.encoding,
            defects=dict(args.defect) if args.defect else None, seed=args.defect_seed)
    except (SyntheticDataError, OSError) as exc:
        print(f"cluster-impact simulate: {exc}", file=sys.stderr)
        return 1
    truth_path = paths["accounts"].parent / "truth.parquet"
    population.truth.firm_years.to_parquet(truth_path, index=False)
    paths["truth"] = truth_path
    document = {"true_effect": config.true_effect, "seed": config.seed, "n_firms": config.n_firms,
                "years": [config.first_year, config.last_year],
                "files": {kind: str(path) for kind, path in paths.items()}}
    if args.json:
        text = json.dumps(document, indent=2)
        if args.json == "-":
            print(text)
            return 0
        try:
            Path(args.json).write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            print(f"cluster-impact simulate: cannot write {args.json}: {exc.strerror}", file=sys.stderr)
            return 1
    print(f"Simulated {config.n_firms} firms, {config.first_year}-{config.last_year} (seed {config.seed}), "
          f"true membership effect {config.true_effect:g}"
          + (f" growing by {config.effect_growth:g} a year" if config.effect_growth else ""))
    width = max(len(kind) for kind in paths)
    for kind, path in paths.items():
        print(f"  {kind + ':':<{width + 1}} {path}")
    return 0
