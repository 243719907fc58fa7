"""Benchmark: the synthetic-population generator at demo size and at 400,000 firms x 16 years.

Each case runs in a fresh child process, which reports its own wall times; the
parent reads the child's peak resident memory (``ru_maxrss``). Cases:

* ``demo``: ``simulate_population(DEMO)`` (40,000 firms, 2012-2024);
* ``large``: ``simulate_population`` with 400,000 firms, 2009-2024 (16 years);
* ``large_write``: the same, then ``write_raw_files`` as canonical wide CSV.

Usage::

    .venv/bin/python benchmarks/bench_generator.py [--firms 400000] [--cases demo large large_write]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_CHILD = r"""
import dataclasses, json, sys, time
sys.path.insert(0, {root!r})
from data_contracts.synthetic import DEMO, simulate_population, write_raw_files
case, firms, out = {case!r}, {firms!r}, {out!r}
config = DEMO if case == "demo" else dataclasses.replace(DEMO, n_firms=firms, first_year=2009, last_year=2024)
start = time.perf_counter()
population = simulate_population(config)
times = {{"simulate_s": time.perf_counter() - start}}
if case == "large_write":
    start = time.perf_counter()
    paths = write_raw_files(population, out)
    times["write_csv_s"] = time.perf_counter() - start
    times["accounts_csv_mib"] = paths["accounts"].stat().st_size / 2**20
times.update(n_firms=config.n_firms, n_years=len(config.years), filings=len(population.accounts),
             member_companies=int(population.truth.firms["first_join_year"].notna().sum()))
print(json.dumps(times))
"""


def run_case(case: str, firms: int) -> dict:
    """Run one case in a child process; add its peak resident memory."""
    with tempfile.TemporaryDirectory() as out:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        code = _CHILD.format(root=ROOT, case=case, firms=firms, out=out)
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak_kib = after.ru_maxrss
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # CPU seconds of the child (import, simulation, writing): a figure that does not
    # depend on how busy the machine is, unlike the wall times.
    result["child_cpu_s"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    before = before.ru_maxrss
    # ru_maxrss of children is the maximum over all children so far: run the
    # largest case last, or read each figure as an upper bound.
    result["peak_rss_gib"] = max(peak_kib, before) / 2**20
    result["case"] = case
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=400_000)
    parser.add_argument("--cases", nargs="+", default=["demo", "large", "large_write"],
                        choices=["demo", "large", "large_write"])
    args = parser.parse_args(argv)
    for case in args.cases:
        print(json.dumps(run_case(case, args.firms)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
