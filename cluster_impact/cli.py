"""The ``cluster-impact`` command line.

Each package contributes its own subcommands through a ``register(subparsers)``
function in its ``cli`` module, so the estimator packages own their options and this
module only assembles them.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Modules that contribute subcommands, in the order ``--help`` lists them.
_COMMAND_MODULES: tuple[str, ...] = (
    "cluster_impact.run_cli",
    "data_contracts.cli",
    "data_contracts.synthetic.cli",
    "tfp.cli",
    "matching.cli",
    "did.cli",
    "reports.cli",
)


def build_parser() -> argparse.ArgumentParser:
    """Assemble the argument parser from every contributing package."""
    parser = argparse.ArgumentParser(
        prog="cluster-impact",
        description=(
            "Measure what innovation-cluster membership does to firm productivity: "
            "run the study, reproduce a published estimate, or call one estimator."
        ),
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a package still under construction
            if exc.name != name:
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
