"""Benchmark: Callaway-Sant'Anna on an unbalanced firm panel, by ``panel`` mode.

Takes the simulated panel of ``bench_did.py`` (default 200,000 firms x 15 years, ~2%
treated, 7 entry cohorts, one covariate), makes it unbalanced (a share of firms enter
late or exit early, plus random missing firm-years; fixed seed) and times
``did.att_gt(..., panel=mode)`` (doubly robust, never-treated controls, one covariate,
analytic SEs) plus the simple and dynamic aggregations for ``balance``,
``unbalanced`` and ``pairwise``, each in a fresh subprocess so that peak memory is per
mode. Prints wall-clock and CPU seconds (best of ``--repeat``), peak memory, the units
each mode keeps and the simple ATT (true effects: 0.02 + 0.005 e). Run:

    PYTHONPATH=. python benchmarks/bench_did_panel.py [--n-firms 200000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_did import _rss_kib, simulate_panel  # noqa: E402

MODES = ("balance", "unbalanced", "pairwise")


def make_unbalanced(df: pd.DataFrame, share_enter: float, share_exit: float, share_gaps: float,
                    seed: int) -> pd.DataFrame:
    """Late entry, early exit (years drawn uniformly inside the window) and random gaps."""
    rng = np.random.default_rng(seed)
    firms = df["firm"].to_numpy()
    years = df["year"].to_numpy()
    n_firms = int(firms.max()) + 1
    first, last = int(years.min()), int(years.max())
    entry = np.where(rng.uniform(size=n_firms) < share_enter,
                     rng.integers(first + 1, last, size=n_firms), first)
    leave = np.where(rng.uniform(size=n_firms) < share_exit,
                     rng.integers(first + 1, last, size=n_firms), last)
    keep = (years >= entry[firms]) & (years <= leave[firms]) & (rng.uniform(size=len(df)) >= share_gaps)
    return df.loc[keep].reset_index(drop=True)


def run_job(mode: str, data: str, repeat: int) -> None:
    """Child process: load the panel, time att_gt + two aggregations, print one JSON line."""
    import warnings

    warnings.simplefilter("ignore")
    import did

    df = pd.read_pickle(data)
    base_kib = _rss_kib()
    times, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        res = did.att_gt(df, y="log_tfp", id="firm", time="year", group="first_year",
                         covariates=["x"], method="dr", control_group="never", panel=mode)
        simple = res.aggregate("simple")
        res.aggregate("dynamic")
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    n_treated = int((res.unit_group > 0).sum())
    print(json.dumps({"seconds": min(times), "cpu_seconds": min(cpu), "peak_mib": peak_kib / 1024,
                      "extra_mib": (peak_kib - base_kib) / 1024, "n_units": res.n_units,
                      "n_treated": n_treated, "n_obs": res.n_obs, "n_cells": len(res.att_gt),
                      "simple": [simple.overall_att, simple.overall_se]}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-firms", type=int, default=200_000)
    parser.add_argument("--n-years", type=int, default=15)
    parser.add_argument("--share-treated", type=float, default=0.02)
    parser.add_argument("--share-enter", type=float, default=0.3)
    parser.add_argument("--share-exit", type=float, default=0.3)
    parser.add_argument("--share-gaps", type=float, default=0.03)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--job", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.job:
        run_job(args.job, args.data, args.repeat)
        return

    df = make_unbalanced(simulate_panel(args.n_firms, args.n_years, args.share_treated, args.seed),
                         args.share_enter, args.share_exit, args.share_gaps, args.seed + 1)
    per_firm = df.groupby("firm")["year"].size()
    print(f"panel: {df['firm'].nunique():,} firms, {len(df):,} firm-years over {args.n_years} years; "
          f"{int((per_firm == args.n_years).sum()):,} firms observed in every year")
    print("att_gt (DR, never-treated, 1 covariate, analytic SEs) + simple + dynamic:")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "panel.pkl"  # simulated data only, removed on exit
        df.to_pickle(data)
        del df
        for mode in args.modes.split(","):
            proc = subprocess.run(
                [sys.executable, __file__, "--job", mode, "--data", str(data), "--repeat", str(args.repeat)],
                capture_output=True, text=True,
            )
            if proc.returncode != 0:
                print(f"  {mode}: failed\n{proc.stderr[-2000:]}")
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            print(f"  {mode:<10} {r['seconds']:7.2f} s wall {r['cpu_seconds']:7.2f} s CPU  "
                  f"peak {r['peak_mib']:6.0f} MiB (+{r['extra_mib']:.0f})  units {r['n_units']:,} "
                  f"(treated {r['n_treated']:,}), {r['n_cells']} cells, simple ATT "
                  f"{r['simple'][0]:.5f} (SE {r['simple'][1]:.5f})")


if __name__ == "__main__":
    main()
