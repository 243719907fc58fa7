"""Firm-level characteristics, productivity shocks and survival.

Productivity follows ``omega_it = a_j + alpha_i + u_it`` with ``alpha_i`` the firm's
persistent productivity and ``u_it`` a stationary AR(1) (Olley and Pakes, 1996, eq. 4,
with a firm effect). Exit is more likely for less productive and smaller firms.
Everything is an (n_firms,) or (n_firms, n_years) array; only years are looped over.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data_contracts.layouts import REGIONS
from data_contracts.synthetic.config import SimulationConfig

#: Fiscal-year ends (month, day) other than 31 December, with their relative frequency.
OTHER_FISCAL_YEAR_ENDS: tuple[tuple[int, int, float], ...] = (
    (6, 30, 0.45), (9, 30, 0.30), (3, 31, 0.25),
)
_REGION_SHARES = (0.86, 0.08, 0.06)
#: Innovation of the AR(1) (rho = 0.5) labour-cost shock: moves labour independently
#: of productivity, which is what identifies the labour elasticity in ACF.
WAGE_SHOCK_SD = 0.12


@dataclass(frozen=True)
class FirmDraws:
    """Firm-level draws and firm-year shocks (internal to the generator)."""

    industry: np.ndarray        # index into the industry table
    nace: np.ndarray            # NACE-BEL code (object strings)
    alpha: np.ndarray           # persistent productivity
    scale: np.ndarray           # log scale of the firm
    wage_premium: np.ndarray    # firm's log labour-cost premium
    region: np.ndarray          # object strings
    foreign_owned: np.ndarray   # 0/1
    fye_month: np.ndarray
    fye_day: np.ndarray
    entry: np.ndarray           # index of the first year with accounts
    first_months: np.ndarray    # length of the first accounting period (entrants)
    voluntary_full: np.ndarray  # files the full model whatever its size
    discloses_turnover: np.ndarray  # abbreviated/micro filer that reports 70 and 60/61
    u: np.ndarray               # (n, T) transitory productivity
    u_before: np.ndarray        # (n,) transitory productivity in the year before the window
    wage_shock: np.ndarray      # (n, T) transitory labour-cost shock
    alive: np.ndarray           # (n, T) files accounts in the year


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def draw_firms(config: SimulationConfig, industries: pd.DataFrame,
               rng: np.random.Generator) -> FirmDraws:
    """Draw the firm population's characteristics, shocks and survival."""
    n, n_years = config.n_firms, len(config.years)
    industry = rng.choice(len(industries), size=n, p=industries["firm_share"].to_numpy())

    # A subclass drawn uniformly among the division's codes, without a loop over firms.
    code_lists = industries["nace_codes"].tolist()
    n_codes = np.array([len(c) for c in code_lists])
    offsets = np.concatenate([[0], np.cumsum(n_codes)[:-1]])
    all_codes = np.array([code for codes in code_lists for code in codes], dtype=object)
    pick = (rng.random(n) * n_codes[industry]).astype(np.int64)
    nace = all_codes[offsets[industry] + pick]

    alpha = config.persistent_sd * rng.standard_normal(n)
    # Log scale: normal body plus an exponential right tail, so that a few hundred
    # firms employ a large share of all FTE, as in the Belgian size distribution.
    tail = rng.exponential(config.scale_tail, size=n) - config.scale_tail
    scale = config.scale_sd * rng.standard_normal(n) + tail
    z_scale = scale / max(np.sqrt(config.scale_sd**2 + config.scale_tail**2), 1e-12)
    # Larger firms pay more (the firm-size wage premium).
    wage_premium = 0.15 * rng.standard_normal(n) + 0.08 * z_scale
    region = np.asarray(REGIONS, dtype=object)[rng.choice(3, size=n, p=_REGION_SHARES)]
    foreign_owned = (rng.random(n) < _sigmoid(-3.3 + 0.9 * z_scale)).astype(np.int64)

    fye_month = np.full(n, 12, dtype=np.int64)
    fye_day = np.full(n, 31, dtype=np.int64)
    other = rng.random(n) < config.non_december_share
    which = rng.choice(len(OTHER_FISCAL_YEAR_ENDS), size=n,
                       p=[w for *_, w in OTHER_FISCAL_YEAR_ENDS])
    ends = np.array([(m, d) for m, d, _ in OTHER_FISCAL_YEAR_ENDS])
    fye_month[other] = ends[which[other], 0]
    fye_day[other] = ends[which[other], 1]

    incumbent = rng.random(n) < config.incumbent_share
    entry = np.where(incumbent, 0, rng.integers(1, n_years, size=n))
    irregular = ~incumbent & (rng.random(n) < config.irregular_first_period_share)
    first_months = np.where(irregular, np.where(rng.random(n) < 0.5, 6, 18), 12)

    voluntary_full = rng.random(n) < 0.08
    discloses_turnover = rng.random(n) < 0.35

    sd_u = config.innovation_sd / np.sqrt(1.0 - config.rho**2)
    u_before = sd_u * rng.standard_normal(n)
    innovations = config.innovation_sd * rng.standard_normal((n, n_years))
    u = np.empty((n, n_years))
    wage_shock = np.empty((n, n_years))
    wage_innov = WAGE_SHOCK_SD * rng.standard_normal((n, n_years))
    prev_u, prev_w = u_before, WAGE_SHOCK_SD / np.sqrt(0.75) * rng.standard_normal(n)
    for t in range(n_years):
        prev_u = config.rho * prev_u + innovations[:, t]
        prev_w = 0.5 * prev_w + wage_innov[:, t]
        u[:, t], wage_shock[:, t] = prev_u, prev_w

    # Exit: a logit hazard, higher for low current productivity and small scale.
    sd_omega = np.sqrt(config.persistent_sd**2 + sd_u**2) or 1.0
    logit_base = np.log(config.exit_rate / (1.0 - config.exit_rate)) if config.exit_rate > 0 else -np.inf
    hazard = _sigmoid(logit_base - 0.6 * (alpha[:, None] + u) / sd_omega - 0.3 * z_scale[:, None])
    year_index = np.arange(n_years)[None, :]
    exits = (year_index > entry[:, None]) & (rng.random((n, n_years)) < hazard)
    alive = (year_index >= entry[:, None]) & (np.cumsum(exits, axis=1) == 0)

    return FirmDraws(
        industry=industry, nace=nace, alpha=alpha, scale=scale, wage_premium=wage_premium,
        region=region, foreign_owned=foreign_owned, fye_month=fye_month, fye_day=fye_day,
        entry=entry, first_months=first_months, voluntary_full=voluntary_full,
        discloses_turnover=discloses_turnover, u=u, u_before=u_before,
        wage_shock=wage_shock, alive=alive,
    )
