"""Benchmark: did.sensitivity against R HonestDiD 0.2.6 on the mpdta event study.

Times the calls of the reference fixture (tests/fixtures/did/honestdid_mpdta.json,
target e = 0; R's ``system.time`` is in the fixture's ``timing_s``) and two larger event
studies (4 pre- and 6 post-periods, 8 pre- and 12 post-periods, a random covariance),
printing wall-clock and CPU seconds (best of ``--repeat``; CPU is the steadier figure
on a shared machine) and, for the fixture, R's elapsed seconds. Run:

    PYTHONPATH=. python benchmarks/bench_sensitivity.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np

from did.sensitivity import relative_magnitudes, smoothness

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "did" / "honestdid_mpdta.json"


def _best(fn, repeat: int) -> tuple[float, float]:
    wall, cpu = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    ref = json.loads(FIXTURE.read_text())
    inp = ref["honestdid_inputs"]
    b, s = np.array(inp["betahat"]), np.array(inp["sigma"])
    k, t = inp["numPrePeriods"], inp["numPostPeriods"]
    e0 = ref["results"]["e0"]
    mbar = [r["Mbar"] for r in e0["relative_magnitudes"]["rows"]]
    msd = [r["M"] for r in e0["smoothness"]["rows"]]
    cases = [
        ("RM C-LF, 100 points", "relative_magnitudes",
         lambda: relative_magnitudes(b, s, k, t, mbar, grid_points=100)),
        ("RM C-LF, 1000 points", "relative_magnitudes_grid1000",
         lambda: relative_magnitudes(b, s, k, t, mbar, grid_points=1000)),
        ("RM Conditional, 1000 points", "relative_magnitudes_conditional_grid1000",
         lambda: relative_magnitudes(b, s, k, t, mbar, method="Conditional", grid_points=1000)),
        ("SD FLCI, 6 values of M", "smoothness", lambda: smoothness(b, s, k, t, msd)),
    ]
    print(f"{'mpdta (K=3, T=4), 5 Mbar / 6 M':38s} {'wall s':>8s} {'CPU s':>8s} {'R s':>8s} {'R / ours':>9s}")
    for label, key, fn in cases:
        wall, cpu = _best(fn, args.repeat)
        r = e0[key]["timing_s"]["elapsed"]
        print(f"{label:38s} {wall:8.2f} {cpu:8.2f} {r:8.2f} {r / wall:9.1f}")
    rng = np.random.default_rng(0)
    for kk, tt in ((4, 6), (8, 12)):
        a = rng.normal(size=(kk + tt, kk + tt))
        sig = (a @ a.T / (kk + tt) + 0.3 * np.eye(kk + tt)) * 1e-4
        beta = rng.multivariate_normal(np.zeros(kk + tt), sig)
        print(f"\nK={kk}, T={tt}, average target, 5 Mbar / 6 M  {'wall s':>8s} {'CPU s':>8s}")
        for label, fn in (
            ("RM C-LF, 100 points", lambda: relative_magnitudes(beta, sig, kk, tt, mbar, target="average")),
            ("RM Conditional, 100 points",
             lambda: relative_magnitudes(beta, sig, kk, tt, mbar, target="average", method="Conditional")),
            ("SD FLCI", lambda: smoothness(beta, sig, kk, tt, msd, target="average")),
        ):
            wall, cpu = _best(fn, args.repeat)
            print(f"{label:38s} {wall:8.2f} {cpu:8.2f}")


if __name__ == "__main__":
    main()
