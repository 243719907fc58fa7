"""Seeded multiplier bootstrap on influence functions.

Callaway and Sant'Anna (2021), Section 4.1 and Algorithm 1: perturb each unit's
influence function by an i.i.d. Rademacher multiplier, which gives draws of
``sqrt(n) * (theta* - theta)`` without re-estimating anything. Standard errors are the
bootstrap interquartile range rescaled to the normal (robust to heavy tails, as R
``did::mboot``), and the uniform (sup-t) critical value is the ``1 - alpha`` quantile
of the maximum studentised deviation across parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

_DEGENERATE = np.sqrt(np.finfo(float).eps) * 10.0
_IQR_TO_SD = norm.ppf(0.75) - norm.ppf(0.25)
# Multipliers are drawn in blocks of this many replications so memory stays at
# block x n_units instead of draws x n_units.
_BLOCK = 64


@dataclass(frozen=True)
class BootstrapResult:
    """Bootstrap standard errors (NaN for degenerate parameters) and sup-t critical value."""

    se: np.ndarray
    critical_value: float
    draws: np.ndarray  # (n_draws, k) draws of sqrt(n) * (theta* - theta)


def rademacher_draws(influence: np.ndarray, n_draws: int, seed: int) -> np.ndarray:
    """``(n_draws, k)`` draws of ``sqrt(n) * mean_i(v_i * psi_i)`` with Rademacher ``v``.

    The same ``seed`` gives the same multipliers for any influence matrix with the same
    number of rows, so parameters bootstrapped in separate calls share their draws
    (which keeps aggregates and cells jointly distributed as one bootstrap).
    """
    influence = np.asarray(influence, dtype=float)
    if influence.ndim == 1:
        influence = influence[:, None]
    n = influence.shape[0]
    rng = np.random.default_rng(seed)
    out = np.empty((n_draws, influence.shape[1]))
    psi = np.nan_to_num(influence)
    for start in range(0, n_draws, _BLOCK):
        stop = min(start + _BLOCK, n_draws)
        v = rng.integers(0, 2, size=(stop - start, n), dtype=np.int8) * 2 - 1
        out[start:stop] = (v.astype(float) @ psi) / n
    return out * np.sqrt(n)


def _iqr_sigma(draws: np.ndarray) -> np.ndarray:
    q75 = np.quantile(draws, 0.75, axis=0, method="inverted_cdf")
    q25 = np.quantile(draws, 0.25, axis=0, method="inverted_cdf")
    return (q75 - q25) / _IQR_TO_SD


def multiplier_bootstrap(
    influence: np.ndarray, n_draws: int, seed: int, alpha: float = 0.05
) -> BootstrapResult:
    """Bootstrap SEs and the uniform critical value for the columns of ``influence``.

    Parameters
    ----------
    influence : (n, k) array
        Influence functions, one row per unit (clusters at the unit level).
    n_draws : int
        Number of bootstrap replications.
    seed : int
        Seed of the multiplier stream (numpy ``default_rng``).
    alpha : float
        One minus the coverage of the uniform band.
    """
    influence = np.asarray(influence, dtype=float)
    if influence.ndim == 1:
        influence = influence[:, None]
    n = influence.shape[0]
    draws = rademacher_draws(influence, n_draws, seed)
    ok = np.isfinite(influence).all(axis=0) & ((draws**2).sum(axis=0) > _DEGENERATE)
    sigma = np.full(influence.shape[1], np.nan)
    if ok.any():
        sigma[ok] = _iqr_sigma(draws[:, ok])
    sigma[sigma <= _DEGENERATE] = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        t_max = np.nanmax(np.abs(draws / sigma), axis=1) if np.isfinite(sigma).any() else None
    crit = np.nan
    if t_max is not None:
        t_max = t_max[np.isfinite(t_max)]
        if len(t_max):
            crit = float(np.quantile(t_max, 1.0 - alpha, method="inverted_cdf"))
    return BootstrapResult(se=sigma / np.sqrt(n), critical_value=crit, draws=draws)
