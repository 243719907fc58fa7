"""``cluster-impact validate``: check one raw input file against its contract."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from data_contracts.accounts import read_accounts
from data_contracts.deflators import read_deflators
from data_contracts.errors import DataContractError
from data_contracts.membership import read_membership

_READERS = {"accounts": read_accounts, "membership": read_membership, "deflators": read_deflators}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``validate`` subcommand to the ``cluster-impact`` CLI."""
    parser = subparsers.add_parser(
        "validate",
        help="check a raw accounts, membership or deflator file against its contract",
        description=(
            "Read FILE (CSV in any supported dialect, Parquet, or .xlsx), print a report "
            "(counts, rules violated with examples) and exit non-zero only if the file is "
            "unusable as a whole (empty, unreadable, a required column missing)."
        ),
    )
    parser.add_argument("file", metavar="FILE", help="input file")
    parser.add_argument("--kind", required=True, choices=sorted(_READERS), help="what the file holds")
    parser.add_argument("--json", metavar="OUT", dest="json_out",
                        help="also write the report as JSON to OUT; '-' writes the JSON to standard output "
                             "instead of the report")
    parser.add_argument("--sheet", default=None, help="Excel sheet name (default: the first)")
    parser.add_argument("--non-annual", choices=("annualise", "flag", "reject"), default="annualise",
                        help="accounts only: periods that are not 12 months (default: annualise)")
    parser.set_defaults(func=_validate)


def _unusable_document(args: argparse.Namespace, message: str) -> dict[str, object]:
    return {"file": str(args.file), "kind": args.kind, "usable": False, "encoding": None,
            "delimiter": None, "rows_read": 0, "rows_accepted": 0, "rows_rejected": 0,
            "rejections": [], "error": message}


def _write_json(path: str, document: dict[str, object]) -> None:
    text = json.dumps(document, ensure_ascii=False, indent=2, default=str)
    if path == "-":
        print(text)
    else:
        Path(path).write_text(text + "\n", encoding="utf-8")


def _validate(args: argparse.Namespace) -> int:
    options: dict[str, object] = {"sheet": args.sheet}
    if args.kind == "accounts":
        options["non_annual"] = args.non_annual
    try:
        result = _READERS[args.kind](args.file, **options)
    except DataContractError as exc:
        message = str(exc).splitlines()[0]
        print(f"cluster-impact validate: unusable file: {message}", file=sys.stderr)
        if args.json_out:
            try:
                _write_json(args.json_out, _unusable_document(args, message))
            except OSError as err:
                print(f"cluster-impact validate: cannot write {args.json_out}: {err.strerror}", file=sys.stderr)
        return 1
    if args.json_out != "-":
        print(result.summary())
    if args.json_out:
        try:
            _write_json(args.json_out, result.to_json_dict(usable=True))
        except OSError as err:
            print(f"cluster-impact validate: cannot write {args.json_out}: {err.strerror}", file=sys.stderr)
            return 1
    return 0
