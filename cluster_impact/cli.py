"""The ``cluster-impact`` command line.

Each package contributes its own subcommands through a ``register(subparsers)``
function in its ``cli`` module, so the estimator packages own their options and this
module only assembles them.

Start-up time: importing a package's ``cli`` module imports the package (pandas,
scipy, statsmodels, Dagster...), several seconds in all. So only the module of the
command being run is imported; the others appear in ``--help`` through the one-line
descriptions below (``tests/cluster_impact/test_cli.py`` checks they match what each
module registers).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from cluster_impact.errors import EXIT_USAGE, report_failure

# Modules that contribute subcommands, in the order ``--help`` lists them, with the
# commands each registers and their one-line help.
_COMMAND_MODULES: dict[str, dict[str, str]] = {
    "cluster_impact.run_cli": {
        "run": "run the whole study (default: the embedded demo) and publish tables and figures",
        "reproduce": "re-run a published study from its manifest and compare every output",
    },
    "data_contracts.cli": {
        "validate": "check a raw accounts, membership or deflator file against its contract",
    },
    "data_contracts.synthetic.cli": {
        "simulate": "write the raw input files of a simulated firm population (known truth)",
    },
    "tfp.cli": {"tfp": "production-function and TFP estimation"},
    "matching.cli": {"match": "propensity-score / exact / CEM matching with MatchIt semantics"},
    "did.cli": {"did": "difference-in-differences estimators (Callaway-Sant'Anna, TWFE)"},
    "reports.cli": {"report": "publish and check disclosure-controlled outputs"},
}


def _requested_command(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line (the first non-option word), if any."""
    for word in argv:
        if not word.startswith("-"):
            return word
    return None


def _module_of(command: str | None) -> str | None:
    for module, commands in _COMMAND_MODULES.items():
        if command in commands:
            return module
    return None


def build_parser(argv: Sequence[str] | None = None, *, load_all: bool = False) -> argparse.ArgumentParser:
    """Assemble the argument parser.

    Only the module owning the command named in ``argv`` is imported (all of them with
    ``load_all``); every other command is listed by name and help line.
    """
    parser = argparse.ArgumentParser(
        prog="cluster-impact",
        description=(
            "Measure what innovation-cluster membership does to firm productivity: "
            "run the study, reproduce a published estimate, or call one estimator."
        ),
    )
    parser.add_argument("--debug", action="store_true", default=False,
                        help="on an error, print the traceback too (it always goes to a log file)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = _module_of(_requested_command(argv or ()))
    for name, commands in _COMMAND_MODULES.items():
        if load_all or name == wanted:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:  # a package still under construction
                if exc.name != name:
                    raise
                continue
            module.register(subparsers)
        else:
            for command, help_line in commands.items():
                subparsers.add_parser(command, help=help_line, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code.

    Exit codes (:mod:`cluster_impact.errors`): 0 ok, 1 refused input, study or output
    folder, 2 usage, 3 internal error. An exception a command does not handle becomes
    one line on standard error (the traceback goes to a log file, and to standard
    error too with ``--debug``).
    """
    argv = list(argv) if argv is not None else sys.argv[1:]
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.func(args) or 0)
    except Exception as exc:  # noqa: BLE001 - one line and an exit code, never a bare traceback
        return report_failure(f"cluster-impact {args.command}", exc, debug=args.debug, log_file=None,
                              stream=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
