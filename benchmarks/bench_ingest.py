"""Benchmark: ingest 400,000 firms x 16 years of wide-format CSV accounts (issue #6).

Target: under 60 s and under 6 GiB peak memory on 2 cores. Wall time depends on what
else runs on the machine, so the CPU time (user + system) and the load average are
reported beside it. The file is generated
here with numpy and pyarrow (valid enterprise numbers, NACE codes, rubric amounts with
realistic gaps, 0.1% injected defects), then ``read_accounts`` runs in a fresh child
process whose wall time and peak resident memory (``ru_maxrss``) are reported.

Usage::

    .venv/bin/python benchmarks/bench_ingest.py [--firms 400000] [--years 16] [--keep FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from data_contracts import layouts  # noqa: E402
from data_contracts.nace import nace_divisions  # noqa: E402


def enterprise_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """n distinct valid enterprise numbers (first digit 0 or 1) in canonical spelling."""
    body = rng.choice(np.arange(2_000_000, 12_000_000, dtype=np.int64), size=n, replace=False)
    digits = pa.array(np.char.zfill((body * 100 + 97 - body % 97).astype(str), 10))
    return np.asarray(pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(digits, 0, 4), pc.utf8_slice_codeunits(digits, 4, 7),
        pc.utf8_slice_codeunits(digits, 7, 10), ".").to_numpy(zero_copy_only=False), dtype=object)


def generate(path: str, n_firms: int, n_years: int, seed: int = 20261126, defect_rate: float = 0.001) -> int:
    """Write the wide CSV; returns the number of data rows."""
    rng = np.random.default_rng(seed)
    numbers = enterprise_numbers(rng, n_firms).astype(str)
    divisions = nace_divisions()["division"].to_numpy()
    nace = np.char.add(np.char.add(rng.choice(divisions, n_firms).astype(str), "."),
                       np.char.zfill(rng.integers(0, 1000, n_firms).astype(str), 3))
    region = rng.choice(np.array(layouts.REGIONS), n_firms, p=[0.6, 0.1, 0.3])
    model = rng.choice(np.array(layouts.FILING_MODELS), n_firms, p=[0.15, 0.5, 0.35])
    foreign = (rng.random(n_firms) < 0.05).astype(np.int8)
    firm = np.repeat(np.arange(n_firms), n_years)
    year = np.tile(np.arange(2009, 2009 + n_years), n_firms)
    n = len(firm)
    size = np.exp(rng.normal(11, 1.5, n_firms))[firm] * np.exp(rng.normal(0, 0.1, n))
    columns: dict[str, pa.Array] = {
        "enterprise_number": pa.array(numbers[firm]),
        "closing_date": pa.array(np.char.add(year.astype(str), "-12-31")),
        "months": pa.array(np.full(n, 12, dtype=np.int64)),
        "model": pa.array(model[firm]),
        "nace": pa.array(nace[firm]),
        "region": pa.array(region[firm]),
        "foreign_owned": pa.array(foreign[firm]),
    }
    full = model[firm] == "full"
    for code in layouts.RUBRIC_CODES:
        scale = {"9087": 1e-5, "1003": 1e-5}.get(code, 1.0)
        values = np.round(size * rng.uniform(0.05, 1.0, n) * scale, 1 if scale < 1 else 0)
        reported = full | (rng.random(n) < 0.6)
        columns[code] = pa.array(values, mask=~reported)
    table = pa.table(columns)
    # Injected defects: bad check digits and non-numeric amounts.
    bad = rng.random(n) < defect_rate
    en = np.asarray(table.column("enterprise_number").to_numpy(zero_copy_only=False), dtype=object)
    en[bad] = "0999.999.999"
    table = table.set_column(0, "enterprise_number", pa.array(en, type=pa.string()))
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(include_header=True, quoting_style="none"))
    return n


CHILD = """
import json, os, resource, sys, time
t0 = time.perf_counter()
from data_contracts import read_accounts
t1 = time.perf_counter()
u1 = resource.getrusage(resource.RUSAGE_SELF)
result = read_accounts(sys.argv[1])
t2 = time.perf_counter()
u2 = resource.getrusage(resource.RUSAGE_SELF)
r = result.report
cpu = (u2.ru_utime - u1.ru_utime) + (u2.ru_stime - u1.ru_stime)
print(json.dumps({"import_s": t1 - t0, "ingest_s": t2 - t1, "ingest_cpu_s": cpu,
                  "load_average_1min": os.getloadavg()[0], "rows_read": r.rows_read,
                  "rows_accepted": r.rows_accepted, "rows_rejected": r.rows_rejected,
                  "peak_rss_gib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=400_000)
    parser.add_argument("--years", type=int, default=16)
    parser.add_argument("--keep", help="write the CSV here and keep it (default: a temporary file)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or os.path.join(tmp, "accounts_wide.csv")
        if not (args.keep and os.path.exists(path)):
            t = time.perf_counter()
            n = generate(path, args.firms, args.years)
            print(f"generated {n:,} rows ({os.path.getsize(path) / 2**20:.0f} MiB) in {time.perf_counter() - t:.1f} s")
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        out = subprocess.run([sys.executable, "-c", CHILD, path], capture_output=True, text=True,
                             cwd=root, check=False)
        if out.returncode != 0:
            print(out.stderr, file=sys.stderr)
            return 1
        stats = json.loads(out.stdout.strip().splitlines()[-1])
        stats["cpus"] = os.cpu_count()
        print(json.dumps(stats, indent=2))
        ok = stats["ingest_s"] < 60 and stats["peak_rss_gib"] < 6
        print(f"target (< 60 s, < 6 GiB): {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
