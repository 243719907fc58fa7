"""``cluster-impact report ...`` subcommands.

* ``report check PATH...``: fail if any file under the paths contains something shaped
  like a Belgian enterprise number (run it on a published folder before release).
* ``report audit OUTDIR``: the disclosure self-audit (:func:`reports.audit.audit_publication`):
  rebuild, from the published tables alone, every relation an attacker can use and
  fail (exit 1, one line per leak: table, cell, recovered interval) if a suppressed
  cell is pinned within its protection interval.
* ``report main-table --columns SPEC --out DIR``: build the main effect table (T3)
  from a JSON or YAML list of column specs (the keys of
  :class:`reports.impact_tables.EffectColumn`) and write it in every format.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from reports.audit import audit_publication
from reports.disclosure import DisclosureRules
from reports.errors import ReportError
from reports.guard import assert_no_firm_identifiers
from reports.impact_tables import build_main_table
from reports.notes import StudyNotes
from reports.render import FORMATS, write_table


_JSON_HELP = "also write the outcome as JSON to OUT; '-' writes the JSON to standard output instead of the text"


def _emit_json(document: dict, out: str | None) -> bool:
    """Write the JSON document when asked; True when it went to standard output (no text then)."""
    if not out:
        return False
    text = json.dumps(document, indent=2)
    if out == "-":
        print(text)
        return True
    Path(out).write_text(text + "\n", encoding="utf-8")
    return False


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` command and its subcommands to the ``cluster-impact`` CLI."""
    parser = subparsers.add_parser("report", help="publish and check disclosure-controlled outputs")
    sub = parser.add_subparsers(dest="report_command", metavar="SUBCOMMAND")

    check = sub.add_parser("check", help="fail if a published file contains an enterprise number")
    check.add_argument("paths", nargs="+", type=Path, help="files or directories to scan")
    check.add_argument("--json", metavar="OUT", default=None, help=_JSON_HELP)
    check.set_defaults(func=_check)

    audit = sub.add_parser("audit", help="fail if a suppressed cell can be recovered from the published tables")
    audit.add_argument("out_dir", type=Path, metavar="OUTDIR", help="published folder (with tables/)")
    audit.set_defaults(func=_audit)

    main_table = sub.add_parser("main-table", help="write the main effect table (T3) from column specs")
    main_table.add_argument("--columns", required=True, type=Path, help="JSON or YAML list of column specs")
    main_table.add_argument("--out", required=True, type=Path, help="output directory")
    main_table.add_argument("--decimals", type=int, default=3)
    main_table.add_argument("--sample", default="as specified in the study file")
    main_table.add_argument("--estimator", default="as specified in the study file")
    main_table.add_argument("--se-clustering", default="clustered by firm")
    main_table.add_argument("--formats", default=",".join(FORMATS), help="comma-separated: " + ",".join(FORMATS))
    main_table.add_argument("--min-firms", type=int, default=DisclosureRules.min_firms)
    main_table.add_argument("--min-residual-df", type=int, default=DisclosureRules.min_residual_df)
    main_table.add_argument("--json", metavar="OUT", default=None, help=_JSON_HELP)
    main_table.set_defaults(func=_main_table)
    parser.set_defaults(func=_usage(parser))


def _usage(parser: argparse.ArgumentParser):
    def handler(args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return 2

    return handler


def _fail(message: str) -> int:
    print(f"cluster-impact report: {message}", file=sys.stderr)
    return 1


def _check(args: argparse.Namespace) -> int:
    paths = [str(p) for p in args.paths]
    try:
        for path in args.paths:
            assert_no_firm_identifiers(Path(path))
    except ReportError as exc:
        _emit_json({"ok": False, "paths": paths, "error": str(exc)}, args.json)
        return _fail(str(exc))
    if not _emit_json({"ok": True, "paths": paths, "error": None}, args.json):
        print(f"ok: no firm identifiers in {len(args.paths)} path(s)")
    return 0


def _audit(args: argparse.Namespace) -> int:
    try:
        result = audit_publication(args.out_dir)
    except ReportError as exc:
        return _fail(str(exc))
    if result.ok:
        print(result.summary())
        return 0
    print(result.summary(), file=sys.stderr)
    return 1


def _load_columns(path: Path) -> list:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"{path}: cannot read column specs ({exc.strerror})") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ReportError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ReportError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if isinstance(data, dict) and "columns" in data:
        data = data["columns"]
    if not isinstance(data, list):
        raise ReportError(f"{path}: expected a list of column specs")
    return data


def _main_table(args: argparse.Namespace) -> int:
    try:
        columns = _load_columns(args.columns)
        rules = DisclosureRules(min_firms=args.min_firms, min_residual_df=args.min_residual_df)
        notes = StudyNotes(sample=args.sample, estimator=args.estimator, se_clustering=args.se_clustering)
        table = build_main_table(columns, notes, rules, decimals=args.decimals)
        formats = [f.strip() for f in args.formats.split(",") if f.strip()]
        written = write_table(table, args.out, formats=formats)
    except ReportError as exc:
        return _fail(str(exc))
    if not _emit_json({"written": [str(p) for p in written]}, args.json):
        for path in written:
            print(path)
    return 0
