"""Benchmark of tfp: ACF by industry at population scale, and against R prodest's timing.

1. ACF by industry on a simulated panel of ~1,000,000 firm-years in 60 industries, point
   estimates and 50 firm-block bootstrap replications, on 2 processes.
   Target: under 60 s wall clock and under 4 GiB peak memory (parent + workers).
2. prodestACF's example on the Chilean panel (R = 5 and R = 20), median of 3 runs after a
   warm-up, against the R timings in shared/reference/expected/timings_r.json.
   Target: at least 10x faster.

Run: ``.venv/bin/python benchmarks/bench_tfp.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

import tfp

ROOT = Path(__file__).resolve().parents[1]
CHILEAN = ROOT / "tests" / "fixtures" / "prodest" / "chilean.csv"
R_TIMINGS = ROOT.parent / "shared" / "reference" / "expected" / "timings_r.json"
# medians recorded in timings_r.json (R 4.2.2, prodest 1.0.1, 2-core Debian 12), used if absent
R_FALLBACK = {"prodest_chilean_acf_example_R5": 1.035, "prodest_chilean_acf_R20": 3.17}
KW = dict(id="firm", time="year", output="log_va", free="log_fte", state="log_capital", proxy="log_materials")


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def load_note() -> str:
    """The machine's load: other jobs on the same cores inflate wall-clock times."""
    try:
        return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    except OSError:
        return "load unknown"


def peak_rss_gib() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest finished child, GiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    return own, kids


def population_benchmark(n_industries: int, firms: int, years: int, reps: int, n_jobs: int) -> None:
    rng = np.random.default_rng(1)
    elas = [(float(bl), float(bk)) for bl, bk in zip(rng.uniform(0.45, 0.7, n_industries),
                                                       rng.uniform(0.15, 0.35, n_industries))]
    t0 = time.perf_counter()
    data = tfp.simulate_panel(firms, years, elasticities=elas, seed=42)
    t_sim = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), cpu_seconds()
    fit = tfp.estimate_by_group(data, group="industry", method="acf", bootstrap=reps, seed=0, n_jobs=n_jobs, **KW)
    elapsed, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    own, kids = peak_rss_gib()
    e = fit.elasticities.pivot(index="group", columns="term", values="estimate")
    truth = np.array(elas)
    err = np.abs(e[["log_fte", "log_capital"]].to_numpy() - truth)
    se_l = fit.elasticities.loc[fit.elasticities["term"] == "log_fte", "std_error"].median()
    print(f"[population] {len(data):,} firm-years, {n_industries} industries, ACF + {reps} bootstrap "
          f"replications, n_jobs={n_jobs}")
    print(f"  simulate: {t_sim:.1f} s; estimate_by_group: {elapsed:.1f} s wall (target < 60 s), "
          f"{cpu:.1f} s CPU over all processes; {load_note()}")
    print(f"  peak RSS: parent {own:.2f} GiB, largest worker {kids:.2f} GiB, "
          f"upper bound on the total {own + n_jobs * kids:.2f} GiB (target < 4 GiB)")
    print(f"  groups falling back: {int(fit.assignments['fallback_used'].sum())}; "
          f"max |estimate - truth|: labour {err[:, 0].max():.3f}, capital {err[:, 1].max():.3f}; "
          f"median bootstrap SE labour {se_l:.4f}")


def chilean_benchmark() -> None:
    d = pd.read_csv(CHILEAN)
    spec = dict(id="idvar", time="timevar", output="Y", free=["fX1", "fX2"], state="sX", proxy="pX",
                method="acf", theta0=(0.5, 0.5, 0.5), seed=154673)
    r_times = R_FALLBACK
    if R_TIMINGS.exists():
        t = json.loads(R_TIMINGS.read_text())["timings"]
        r_times = {k: t[k]["median_s"] for k in R_FALLBACK}
    for key, reps in (("prodest_chilean_acf_example_R5", 5), ("prodest_chilean_acf_R20", 20)):
        tfp.estimate(d, bootstrap=reps, **spec)  # warm-up, not counted (as in 04_timings.R)
        runs, cpus = [], []
        for _ in range(3):
            t0, c0 = time.perf_counter(), time.process_time()
            tfp.estimate(d, bootstrap=reps, **spec)
            runs.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        med = statistics.median(runs)
        print(f"[chilean] ACF, theta0 = (.5,.5,.5), bootstrap R = {reps}: median {med:.3f} s "
              f"(runs {', '.join(f'{x:.3f}' for x in runs)}); R prodest {r_times[key]:.3f} s; "
              f"speed-up {r_times[key] / med:.1f}x (target >= 10x); CPU median {statistics.median(cpus):.3f} s; "
              f"{load_note()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a 10x smaller population run")
    ap.add_argument("--n-jobs", type=int, default=2)
    args = ap.parse_args()
    chilean_benchmark()
    if args.quick:
        population_benchmark(6, 1389, 12, 50, args.n_jobs)
    else:
        population_benchmark(60, 1389, 12, 50, args.n_jobs)


if __name__ == "__main__":
    main()
