"""Firm-block bootstrap (resample whole firms with replacement, as prodest's block.boot.resample).

A resample that draws firm i ``c_i`` times is the original panel with every row of firm i
weighted ``c_i`` (each copy is a distinct firm with the same history, so lags are unchanged).
Every estimator here is a weighted least-squares or moment computation, so the weighted fit
equals the fit on the physically duplicated data while costing no copying.

Draws come from ``numpy.random.default_rng(seed)`` in the calling process, before any work is
shared out, so the standard errors are identical whatever ``n_jobs`` is.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import numpy as np
from threadpoolctl import threadpool_limits

from .exceptions import TFPError
from .fitting import fit_core
from .panel import PanelArrays
from .spec import FitConfig


def firm_counts(n_firms: int, reps: int, seed: int | np.random.SeedSequence) -> np.ndarray:
    """``reps x n_firms`` matrix: how often each firm is drawn in each replication."""
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n_firms, size=(reps, n_firms))
    flat = draws + (np.arange(reps) * n_firms)[:, None]
    return np.bincount(flat.ravel(), minlength=reps * n_firms).reshape(reps, n_firms)


def replicate_estimates(
    panel: PanelArrays, cfg: FitConfig, counts: np.ndarray, n_coef: int, theta0: np.ndarray | None = None
) -> np.ndarray:
    """Coefficients for each row of ``counts`` (NaN where a replication fails, as in prodest)."""
    with threadpool_limits(limits=1, user_api="blas"):
        return _replicates(panel, cfg, counts, n_coef, theta0)


def _replicates(panel, cfg, counts, n_coef, theta0) -> np.ndarray:
    out = np.full((len(counts), n_coef), np.nan)
    for r, c in enumerate(counts):
        w = c[panel.firm].astype(float)
        rows = w > 0
        sub = panel.take(rows, weights=w[rows])
        try:
            fit = fit_core(sub, cfg, theta0)
        except (TFPError, np.linalg.LinAlgError):
            continue
        if fit.converged:
            out[r] = fit.coef
    return out


def run_bootstrap(
    panel: PanelArrays,
    cfg: FitConfig,
    reps: int,
    seed: int | np.random.SeedSequence,
    n_coef: int,
    theta0: np.ndarray | None = None,
    n_jobs: int = 1,
) -> np.ndarray:
    """``reps`` replicate coefficient vectors, computed in ``n_jobs`` processes."""
    counts = firm_counts(int(panel.firm.max()) + 1, reps, seed)
    if n_jobs <= 1 or reps < 2:
        return replicate_estimates(panel, cfg, counts, n_coef, theta0)
    chunks = np.array_split(counts, min(n_jobs, reps))
    with ProcessPoolExecutor(max_workers=n_jobs) as pool:
        parts = list(pool.map(replicate_estimates, [panel] * len(chunks), [cfg] * len(chunks), chunks,
                              [n_coef] * len(chunks), [theta0] * len(chunks)))
    return np.vstack(parts)
