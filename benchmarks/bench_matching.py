"""Benchmark: 1:1 nearest-neighbour matching with a caliper, exact on industry.

5,000 treated among 400,000 controls (target: under 10 s and 2 GiB).  Times the
full ``matching.match`` call (logit score, caliper 0.2 SD, exact on a 2-digit
industry code with 60 levels, weights, set ids) and, separately, balance and ATT.

    .venv/bin/python benchmarks/bench_matching.py [--treated 5000] [--controls 400000]
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd

from matching import match


def simulate(n_treated: int, n_controls: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = n_treated + n_controls
    treat = np.r_[np.ones(n_treated, dtype=int), np.zeros(n_controls, dtype=int)]
    shift = 0.5 * treat
    industries = np.array([f"{k:02d}" for k in range(10, 70)])
    return pd.DataFrame(
        {
            "treat": treat,
            "log_tfp": rng.normal(shift, 1.0),
            "log_fte": rng.normal(2 + shift, 1.2),
            "log_capital": rng.normal(4 + shift, 1.5),
            "age": rng.integers(1, 60, n).astype(float),
            "nace2": rng.choice(industries, n),
            "y": rng.normal(size=n),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--treated", type=int, default=5000)
    parser.add_argument("--controls", type=int, default=400_000)
    args = parser.parse_args()
    data = simulate(args.treated, args.controls)
    warnings.simplefilter("ignore")  # unmatched-unit notices are expected here
    covs = ["log_tfp", "log_fte", "log_capital", "age"]
    match(data.sample(5000, random_state=1), treatment="treat", covariates=covs, caliper=0.2, exact=["nace2"])  # warm-up

    t0 = time.perf_counter()
    m = match(data, treatment="treat", covariates=covs, caliper=0.2, exact=["nace2"])
    t_match = time.perf_counter() - t0
    t0 = time.perf_counter()
    bal = m.balance()
    att = m.att("y")
    t_diag = time.perf_counter() - t0
    # second run under tracemalloc (slower) for the peak Python-heap memory
    tracemalloc.start()
    match(data, treatment="treat", covariates=covs, caliper=0.2, exact=["nace2"])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak_match = peak
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB -> GiB on Linux
    print(f"treated={args.treated} controls={args.controls} matched_treated={m.n_treated_matched}")
    print(f"match(): {t_match:.2f} s; peak traced memory of match() {peak_match / 2**30:.3f} GiB")
    print(f"balance() + att(): {t_diag:.2f} s")
    print(f"process max RSS (whole script, incl. the data) {rss:.3f} GiB")
    print(f"max |SMD| after = {bal['smd_after'].abs().max():.4f}; ATT = {att.estimate:.4f} (SE {att.se:.4f})")


if __name__ == "__main__":
    main()
