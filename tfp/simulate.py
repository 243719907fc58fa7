"""Simulated firm panels with known elasticities and the timing of Ackerberg, Caves and Frazer.

Productivity follows an AR(1) observed at half periods, ``omega_{t-1/2} = r omega_{t-1} + e``,
``omega_t = r omega_{t-1/2} + e'`` with ``r = sqrt(rho)``.  Capital for ``t`` is chosen at
``t-1`` (it responds to ``omega_{t-1}``); labour is chosen at ``t-1/2`` as the static optimum
given ``omega_{t-1/2}``, capital and a persistent wage shock (ACF 2015, section 4.1 DGP); the
proxy (intermediate inputs) is chosen at ``t`` and is strictly increasing in ``omega_t`` given
capital.  Output is Cobb-Douglas value added plus an i.i.d. shock (measurement error).  Under
this timing OLS overstates the labour elasticity while ACF and Wooldridge are consistent.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def simulate_panel(
    n_firms: int = 1000,
    n_years: int = 10,
    *,
    elasticities: Sequence[tuple[float, float]] = ((0.6, 0.3),),
    rho: float = 0.7,
    sigma_omega: float = 0.2,
    sigma_eps: float = 0.1,
    sigma_wage: float = 0.15,
    sigma_invest: float = 0.3,
    wage_persistence: float = 0.6,
    burn_in: int = 10,
    start_year: int = 2010,
    seed: int = 0,
) -> pd.DataFrame:
    """Simulate ``n_firms`` firms per industry over ``n_years`` years.

    Parameters
    ----------
    elasticities : sequence of (labour, capital)
        One industry per pair.
    rho, sigma_omega : float
        Persistence of log productivity and the SD of its one-period innovation.
    sigma_eps : float
        SD of the i.i.d. output shock (the first-stage noise).
    sigma_wage, wage_persistence : float
        Wage shock shifting labour demand (labour's own variation, needed by ACF).
    sigma_invest : float
        SD of the investment shock (capital's variation beyond productivity).

    Returns
    -------
    DataFrame with ``firm`` (str), ``year``, ``industry`` (str), ``log_va``, ``log_fte``,
    ``log_capital``, ``log_materials``, ``true_beta_l``, ``true_beta_k``, ``true_log_tfp``
    (omega) and ``true_log_tfp_with_noise`` (omega + shock, constant included).
    """
    rng = np.random.default_rng(seed)
    r = np.sqrt(rho)
    sd_half = sigma_omega * np.sqrt(1 / (1 + rho))  # two half-steps give innovation SD sigma_omega
    frames = []
    for g, (bl, bk) in enumerate(elasticities):
        n = n_firms
        omega = rng.normal(0, sigma_omega / np.sqrt(1 - rho**2), n)
        k = 4.0 + 0.8 * omega / (1 - 0.8) * 0.5 + rng.normal(0, 0.5, n)
        wage = rng.normal(0, sigma_wage, n)
        rows = []
        for t in range(burn_in + n_years):
            # capital for t was chosen at t-1 from omega_{t-1}
            k = 0.8 * k + 0.2 * 4.0 + 0.5 * omega + rng.normal(0, sigma_invest, n)
            omega_half = r * omega + rng.normal(0, sd_half, n)
            wage = wage_persistence * wage + rng.normal(0, sigma_wage, n)
            # static labour demand at t-1/2: (log bl + E[omega] + bk k - w) / (1 - bl)
            l = (np.log(bl) + r * omega_half + bk * k - wage) / (1 - bl) - 1.0
            omega = r * omega_half + rng.normal(0, sd_half, n)
            m = 1.0 + 1.5 * omega + 0.6 * k
            eps = rng.normal(0, sigma_eps, n)
            y = 1.0 + bl * l + bk * k + omega + eps
            if t >= burn_in:
                rows.append((t - burn_in, y, l, k, m, omega, eps))
        T = len(rows)
        firm_idx = np.tile(np.arange(n), T)
        frames.append(pd.DataFrame({
            "firm": np.char.add(f"G{g:02d}F", np.char.zfill(firm_idx.astype(str), 6)),
            "year": np.repeat([start_year + rr[0] for rr in rows], n),
            "industry": f"I{g:02d}",
            "log_va": np.concatenate([rr[1] for rr in rows]),
            "log_fte": np.concatenate([rr[2] for rr in rows]),
            "log_capital": np.concatenate([rr[3] for rr in rows]),
            "log_materials": np.concatenate([rr[4] for rr in rows]),
            "true_beta_l": bl,
            "true_beta_k": bk,
            "true_log_tfp": np.concatenate([rr[5] for rr in rows]),
            "true_log_tfp_with_noise": 1.0 + np.concatenate([rr[5] + rr[6] for rr in rows]),
        }))
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["firm", "year"], ignore_index=True)
