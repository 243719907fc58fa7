"""Simulated panels with known treatment effects for the did tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "did"

# The six R did 2.3.0 cases and the att_gt keyword arguments that reproduce them.
REFERENCE_CASES = {
    "i_nevertreated_dr_nocov": {},
    "i_universal_nevertreated_dr_nocov": {"base_period": "universal"},
    "ii_nevertreated_dr_lpop": {"covariates": ["lpop"]},
    "iii_nevertreated_ipw_lpop": {"covariates": ["lpop"], "method": "ipw"},
    "iv_nevertreated_reg_lpop": {"covariates": ["lpop"], "method": "reg"},
    "v_notyettreated_dr_nocov": {"control_group": "notyet"},
}
MPDTA_COLUMNS = {"y": "lemp", "id": "countyreal", "time": "year", "group": "first.treat"}


def load_reference(case: str) -> dict:
    return json.loads((FIXTURES / f"did_mpdta_{case}.json").read_text())


def simulate_staggered(
    n_units: int = 3000,
    n_periods: int = 10,
    cohorts: tuple[int, ...] = (4, 6, 8),
    share_never: float = 0.4,
    effect_slope: float = 0.1,
    cohort_shift: float = 0.05,
    seed: int = 123,
) -> tuple[pd.DataFrame, dict[int, float]]:
    """Staggered adoption with effects that grow with exposure and differ by cohort.

    Outcome y_it = a_i + l_t + x_i * 0.3 * t/T + tau_{g}(t - g) + e_it with
    tau_g(e) = (1 + e) * effect_slope + cohort_shift * (index of g), for e >= 0.
    Returns the panel and the true dynamic effects theta(e) = share-weighted mean of
    tau_g(e) over cohorts observed at e (as CS's event-study aggregation defines it).
    """
    rng = np.random.default_rng(seed)
    n_cohorts = len(cohorts)
    share_cohort = (1 - share_never) / n_cohorts
    draw = rng.choice(
        np.arange(n_cohorts + 1), size=n_units, p=[share_never] + [share_cohort] * n_cohorts
    )
    group = np.where(draw == 0, 0, np.array((0,) + cohorts)[draw])
    unit_fe = rng.normal(size=n_units) + 0.3 * (group > 0)
    x = rng.normal(size=n_units)
    periods = np.arange(1, n_periods + 1)
    unit = np.repeat(np.arange(n_units), n_periods)
    t = np.tile(periods, n_units)
    g = np.repeat(group, n_periods)
    e = t - g
    cohort_index = np.searchsorted(np.array(cohorts), g)
    tau = np.where((g > 0) & (e >= 0), (1 + e) * effect_slope + cohort_shift * cohort_index, 0.0)
    y = (
        np.repeat(unit_fe, n_periods)
        + 0.1 * t
        + np.repeat(x, n_periods) * 0.3 * t / n_periods
        + tau
        + rng.normal(scale=0.5, size=unit.size)
    )
    df = pd.DataFrame({"unit": unit, "t": t, "g": g, "y": y, "x": np.repeat(x, n_periods)})
    truth: dict[int, float] = {}
    for ev in range(0, n_periods - min(cohorts) + 1):
        obs = [k for k, c in enumerate(cohorts) if c + ev <= n_periods]
        sizes = np.array([(group == cohorts[k]).sum() for k in obs], dtype=float)
        vals = np.array([(1 + ev) * effect_slope + cohort_shift * k for k in obs])
        truth[ev] = float(vals @ sizes / sizes.sum())
    return df, truth


def true_simple_att(df: pd.DataFrame, n_periods: int = 10, cohorts=(4, 6, 8),
                    effect_slope: float = 0.1, cohort_shift: float = 0.05) -> float:
    """Group-size weighted mean of the true post-treatment ATT(g,t) (CS eq. 3.10 target)."""
    units = df.drop_duplicates("unit")
    num = den = 0.0
    for k, c in enumerate(cohorts):
        n_g = float((units["g"] == c).sum())
        for t in range(c, n_periods + 1):
            num += n_g * ((1 + t - c) * effect_slope + cohort_shift * k)
            den += n_g
    return num / den


def simulate_entry_exit(
    n_units: int = 4000,
    n_periods: int = 10,
    cohorts: tuple[int, ...] = (4, 6, 8),
    share_never: float = 0.4,
    seed: int = 0,
) -> tuple[pd.DataFrame, dict[int, float], float, int]:
    """Staggered adoption on a panel with entry, exit and gaps related to levels only.

    y_it = a_i + 0.1 t + 0.3 x_i t/T + tau_g(t - g) + e_it, tau_g(e) = 0.1 (1 + e) +
    0.05 (index of g) for e >= 0. A firm enters late (first year uniform on 2..T/2) and,
    independently, exits early (last year uniform on T/2+1..T-1) with probability
    logistic(-0.5 - 2.5 a_i) if ever treated and 0.3 otherwise; 5% of the remaining
    firm-years are missing at random. Entry and exit depend on the level a_i, never on
    the trend, so parallel trends hold among the firms observed in any two periods.

    Returns the panel, the true dynamic effects theta(e) and simple ATT (cohort shares
    over all firms, as CS's aggregations weight them) and the number of firms observed
    in every period.
    """
    rng = np.random.default_rng(seed)
    k = len(cohorts)
    draw = rng.choice(np.arange(k + 1), size=n_units, p=[share_never] + [(1 - share_never) / k] * k)
    group = np.where(draw == 0, 0, np.array((0,) + cohorts)[draw])
    level = rng.normal(size=n_units) + 0.3 * (group > 0)
    x = rng.normal(size=n_units)
    p_move = np.where(group > 0, 1.0 / (1.0 + np.exp(0.5 + 2.5 * level)), 0.3)
    entry = np.where(rng.uniform(size=n_units) < p_move,
                     rng.integers(2, n_periods // 2 + 1, size=n_units), 1)
    leave = np.where(rng.uniform(size=n_units) < p_move,
                     rng.integers(n_periods // 2 + 1, n_periods, size=n_units), n_periods)
    unit = np.repeat(np.arange(n_units), n_periods)
    t = np.tile(np.arange(1, n_periods + 1), n_units)
    g = group[unit]
    e = t - g
    cohort_index = np.searchsorted(np.array(cohorts), g)
    tau = np.where((g > 0) & (e >= 0), (1 + e) * 0.1 + 0.05 * cohort_index, 0.0)
    y = level[unit] + 0.1 * t + x[unit] * 0.3 * t / n_periods + tau + rng.normal(scale=0.5, size=unit.size)
    observed = (t >= entry[unit]) & (t <= leave[unit]) & (rng.uniform(size=unit.size) >= 0.05)
    df = pd.DataFrame({"unit": unit, "t": t, "g": g, "y": y, "x": x[unit]})[observed]
    sizes = {c: float((group == c).sum()) for c in cohorts}
    truth: dict[int, float] = {}
    for ev in range(0, n_periods - min(cohorts) + 1):
        obs = [j for j, c in enumerate(cohorts) if c + ev <= n_periods]
        w = np.array([sizes[cohorts[j]] for j in obs])
        truth[ev] = float(np.array([(1 + ev) * 0.1 + 0.05 * j for j in obs]) @ w / w.sum())
    num = sum(sizes[c] * ((1 + t_ - c) * 0.1 + 0.05 * j)
              for j, c in enumerate(cohorts) for t_ in range(c, n_periods + 1))
    den = sum(sizes[c] * (n_periods + 1 - c) for c in cohorts)
    n_complete = int((df.groupby("unit").size() == n_periods).sum())
    return df.reset_index(drop=True), truth, num / den, n_complete
