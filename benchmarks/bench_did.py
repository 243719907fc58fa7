"""Benchmark: our Callaway-Sant'Anna and TWFE against the fastest Python peers.

Builds a simulated firm panel (default 200,000 firms x 15 years, ~2% treated, cohorts
over 7 years, one covariate), then times in the same run, each in a fresh subprocess
so that peak memory is per estimator:

* CS: ``did.att_gt`` (doubly robust, never-treated controls, one covariate, analytic
  SEs) plus the simple and dynamic aggregations, against diff-diff 3.13.0
  ``CallawaySantAnna`` (``pscore_trim=1e-6`` so that, like R, scores are not clipped
  at 0.01) with the same aggregations;
* TWFE: ``did.twfe`` (firm and year effects, firm-clustered SEs) against linearmodels
  ``PanelOLS(...).fit(cov_type="clustered", cluster_entity=True)``.

Prints wall-clock and CPU seconds (best of ``--repeat``; CPU time is the steadier
figure on a shared machine), peak resident memory of the process
and the increase over the loaded data, the speed ratios and the largest differences
between the estimates. A peer that is not installed is skipped with a message. Run:

    PYTHONPATH=. python benchmarks/bench_did.py [--n-firms 200000] [--repeat 3]

(with diff-diff installed from benchmarks/requirements-did-peers.txt in a throwaway
environment).
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

FIRST_YEAR = 2010
COHORTS = tuple(range(2015, 2022))  # 7 entry years


def simulate_panel(n_firms: int, n_years: int, share_treated: float, seed: int) -> pd.DataFrame:
    """Firm-year panel with staggered cluster entry, selection on x and growing effects."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n_firms)
    # selection on the covariate: members have higher x
    p_treat = 1.0 / (1.0 + np.exp(-(np.log(share_treated / (1 - share_treated)) + 0.5 * x)))
    treated = rng.uniform(size=n_firms) < p_treat
    group = np.where(treated, rng.choice(COHORTS, size=n_firms), 0)
    years = np.arange(FIRST_YEAR, FIRST_YEAR + n_years)
    firm = np.repeat(np.arange(n_firms), n_years)
    year = np.tile(years, n_firms)
    g = np.repeat(group, n_years)
    e = year - g
    effect = np.where((g > 0) & (e >= 0), 0.02 + 0.005 * e, 0.0)
    alpha = np.repeat(rng.normal(size=n_firms) + 0.3 * x, n_years)
    trend = 0.01 * (year - FIRST_YEAR) * (1 + 0.2 * np.repeat(x, n_years))
    y = alpha + trend + effect + rng.normal(scale=0.1, size=firm.size)
    return pd.DataFrame(
        {
            "firm": firm,
            "year": year,
            "first_year": g,
            "log_tfp": y,
            "x": np.repeat(x, n_years),
            "member": ((g > 0) & (e >= 0)).astype(float),
        }
    )


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


# ----------------------------------------------------------------------------- jobs
def job_cs_ours(df: pd.DataFrame) -> dict:
    import did

    res = did.att_gt(df, y="log_tfp", id="firm", time="year", group="first_year",
                     covariates=["x"], method="dr", control_group="never")
    simple = res.aggregate("simple")
    dyn = res.aggregate("dynamic")
    return {
        "cells": res.att_gt[["group", "time", "att", "se"]].to_numpy().tolist(),
        "simple": [simple.overall_att, simple.overall_se],
        "dynamic": dyn.elements[["event_time", "att", "se"]].to_numpy().tolist(),
    }


def job_cs_diffdiff(df: pd.DataFrame) -> dict:
    from diff_diff import CallawaySantAnna

    est = CallawaySantAnna(estimation_method="dr", control_group="never_treated", pscore_trim=1e-6)
    res = est.fit(df, outcome="log_tfp", unit="firm", time="year", first_treat="first_year",
                  covariates=["x"])
    simple = res.aggregate("simple").to_dataframe()
    dyn = res.aggregate("event_study").to_dataframe()
    cells = [[g, t, v["effect"], v["se"]] for (g, t), v in res.group_time_effects.items()]
    return {
        "cells": cells,
        "simple": [float(simple["att"].iloc[0]), float(simple["se"].iloc[0])],
        "dynamic": dyn[["event_time", "att", "se"]].to_numpy().tolist(),
    }


def job_twfe_ours(df: pd.DataFrame) -> dict:
    import did

    res = did.twfe(df, y="log_tfp", id="firm", time="year", treated="member")
    return {"coef": float(res.params.iloc[0]), "se": float(res.std_errors.iloc[0])}


def job_twfe_linearmodels(df: pd.DataFrame) -> dict:
    from linearmodels import PanelOLS

    panel = df.set_index(["firm", "year"])
    res = PanelOLS(panel["log_tfp"], panel[["member"]], entity_effects=True, time_effects=True).fit(
        cov_type="clustered", cluster_entity=True
    )
    return {"coef": float(res.params.iloc[0]), "se": float(res.std_errors.iloc[0])}


JOBS = {
    "cs_ours": (job_cs_ours, None),
    "cs_diffdiff": (job_cs_diffdiff, "diff_diff"),
    "twfe_ours": (job_twfe_ours, None),
    "twfe_linearmodels": (job_twfe_linearmodels, "linearmodels"),
}


def run_job(name: str, data: str, repeat: int) -> None:
    """Child process: load the panel, time the job, print one JSON line."""
    import warnings

    warnings.simplefilter("ignore")
    df = pd.read_pickle(data)
    # import the estimator's package before timing: import time is not estimation time
    __import__(JOBS[name][1] or "did")
    base_kib = _rss_kib()
    func = JOBS[name][0]
    times, cpu, out = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = func(df)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": min(times), "cpu_seconds": min(cpu), "peak_mib": peak_kib / 1024,
                      "extra_mib": (peak_kib - base_kib) / 1024, "result": out},
                     default=lambda o: o.item() if hasattr(o, "item") else str(o)))


def _spawn(name: str, data: Path, repeat: int) -> dict | None:
    module = JOBS[name][1]
    if module is not None:
        probe = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True)
        if probe.returncode != 0:
            print(f"  {name}: skipped, {module} is not installed "
                  "(see benchmarks/requirements-did-peers.txt)")
            return None
    proc = subprocess.run(
        [sys.executable, __file__, "--job", name, "--data", str(data), "--repeat", str(repeat)],
        capture_output=True, text=True,
    )
    if proc.returncode != 0:
        print(f"  {name}: failed\n{proc.stderr[-2000:]}")
        return None
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"  {name:<18} {res['seconds']:8.2f} s wall {res['cpu_seconds']:8.2f} s CPU   "
          f"peak {res['peak_mib']:7.0f} MiB "
          f"(+{res['extra_mib']:.0f} MiB over the loaded data)")
    return res


def _compare_cs(ours: dict, peer: dict) -> str:
    a = pd.DataFrame(ours["cells"], columns=["group", "time", "att", "se"])
    b = pd.DataFrame(peer["cells"], columns=["group", "time", "att", "se"])
    m = a.merge(b, on=["group", "time"], suffixes=("", "_peer"))
    d_att = float(np.max(np.abs(m["att"] - m["att_peer"])))
    d_se = float(np.nanmax(np.abs(m["se"] / m["se_peer"] - 1)))
    da = pd.DataFrame(ours["dynamic"], columns=["e", "att", "se"]).merge(
        pd.DataFrame(peer["dynamic"], columns=["e", "att", "se"]), on="e", suffixes=("", "_peer"))
    d_dyn = float(np.max(np.abs(da["att"] - da["att_peer"])))
    d_simple = abs(ours["simple"][0] - peer["simple"][0])
    return (f"  CS vs diff-diff: {len(m)}/{len(a)} cells matched; max |dATT(g,t)| {d_att:.2e}, "
            f"max rel dSE {d_se:.2e}; |d simple| {d_simple:.2e}; max |d dynamic| {d_dyn:.2e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-firms", type=int, default=200_000)
    parser.add_argument("--n-years", type=int, default=15)
    parser.add_argument("--share-treated", type=float, default=0.02)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--job", choices=sorted(JOBS), help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.job:
        run_job(args.job, args.data, args.repeat)
        return

    df = simulate_panel(args.n_firms, args.n_years, args.share_treated, args.seed)
    n_treated = int((df.drop_duplicates("firm")["first_year"] > 0).sum())
    print(f"panel: {args.n_firms:,} firms x {args.n_years} years = {len(df):,} rows, "
          f"{n_treated:,} treated firms ({n_treated / args.n_firms:.1%}), cohorts {COHORTS[0]}-{COHORTS[-1]}")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "panel.pkl"
        df.to_pickle(data)
        del df
        print("Callaway-Sant'Anna (DR, never-treated, 1 covariate, analytic SEs, simple + dynamic):")
        cs = _spawn("cs_ours", data, args.repeat)
        cs_peer = _spawn("cs_diffdiff", data, args.repeat)
        print("TWFE (firm + year effects, firm-clustered SEs):")
        tw = _spawn("twfe_ours", data, args.repeat)
        tw_peer = _spawn("twfe_linearmodels", data, args.repeat)
    print("summary:")
    if cs and cs_peer:
        print(f"  CS speed-up vs diff-diff: {cs_peer['seconds'] / cs['seconds']:.2f}x wall, "
              f"{cs_peer['cpu_seconds'] / cs['cpu_seconds']:.2f}x CPU")
        print(_compare_cs(cs["result"], cs_peer["result"]))
    if tw and tw_peer:
        print(f"  TWFE speed-up vs linearmodels: {tw_peer['seconds'] / tw['seconds']:.2f}x wall, "
              f"{tw_peer['cpu_seconds'] / tw['cpu_seconds']:.2f}x CPU")
        print(f"  TWFE |d coef| {abs(tw['result']['coef'] - tw_peer['result']['coef']):.2e}, "
              f"rel d SE {abs(tw['result']['se'] / tw_peer['result']['se'] - 1):.2e}")


if __name__ == "__main__":
    main()
