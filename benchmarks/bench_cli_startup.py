"""Benchmark: start-up time of the ``cluster-impact`` command line.

Times ``cluster-impact --help`` and each subcommand's ``--help`` in fresh processes
(best of ``--repeat``), wall-clock and CPU seconds of the child (CPU is the steadier
figure on a shared machine). ``--help`` imports no estimator package: only the module
of the named subcommand is imported (``cluster_impact/cli.py``). Run:

    python benchmarks/bench_cli_startup.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time

COMMANDS = (
    ["--help"],
    ["run", "--help"],
    ["validate", "--help"],
    ["simulate", "--help"],
    ["tfp", "estimate", "--help"],
    ["match", "--help"],
    ["did", "att-gt", "--help"],
    ["report", "--help"],
)


def _time(argv: list[str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "cluster_impact.cli", *argv], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}; best of {args.repeat}")
    print(f"{'command':<34} {'wall s':>7} {'cpu s':>7}")
    for argv in COMMANDS:
        runs = [_time(argv) for _ in range(args.repeat)]
        print(f"{'cluster-impact ' + ' '.join(argv):<34} {min(r[0] for r in runs):7.2f} {min(r[1] for r in runs):7.2f}")


if __name__ == "__main__":
    main()
