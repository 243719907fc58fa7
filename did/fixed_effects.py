"""Least squares with absorbed fixed effects and cluster-robust covariance.

The engine behind :func:`did.twfe` and :func:`did.event_study`. Effects are removed by
alternating projections (the method of Guimaraes and Portugal 2010 / Gaure 2013):
repeated weighted demeaning by each effect until the change is below tolerance, which
is exact in one sweep for a balanced panel with unit and period effects and converges
geometrically otherwise. The covariance reproduces linearmodels ``PanelOLS`` (7.1)
``fit(cov_type="clustered")`` with its defaults (``debiased=True``,
``group_debias=False``), see :func:`clustered_covariance`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from did.errors import DiDEstimationError

_TOL = 1e-13
_MAXITER = 10_000


@dataclass(frozen=True)
class FEFit:
    """Coefficients, clustered covariance and fit statistics of an absorbed-effects OLS."""

    params: np.ndarray
    cov: np.ndarray
    nobs: int
    df_resid: int
    n_effects: int  # degrees of freedom used by the absorbed effects
    n_clusters: int
    rsquared: float  # R^2 after removing the effects ("within" R^2)
    resid: np.ndarray


def demean(
    values: np.ndarray, effects: Sequence[np.ndarray], weights: np.ndarray | None = None
) -> np.ndarray:
    """Project the columns of ``values`` off the absorbed categorical ``effects``.

    Parameters
    ----------
    values : (n, p) array
    effects : sequence of (n,) integer codes, each in ``0..levels-1``
    weights : (n,) array, optional
        Observation weights (weighted projection, as weighted least squares).
    """
    out = np.array(values, dtype=float, copy=True)
    if out.ndim == 1:
        out = out[:, None]
    w = np.ones(out.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    totals = [np.bincount(codes, weights=w) for codes in effects]
    scale = np.maximum(np.abs(out).max(axis=0), 1.0)
    # Two effects forming a complete grid with equal weights (a balanced panel with unit
    # and period effects): one sweep is the exact projection, no check sweep needed.
    exact_one_sweep = (
        len(effects) == 2
        and weights is None
        and out.shape[0] == len(totals[0]) * len(totals[1])
        and np.all(totals[0] == len(totals[1]))
        and np.all(totals[1] == len(totals[0]))
        and np.bincount(effects[0].astype(np.int64) * len(totals[1]) + effects[1]).max() == 1
    )
    for _ in range(_MAXITER):
        change = np.zeros(out.shape[1])
        for codes, tot in zip(effects, totals):
            with np.errstate(invalid="ignore", divide="ignore"):
                for j in range(out.shape[1]):
                    means = np.bincount(codes, weights=w * out[:, j], minlength=len(tot)) / tot
                    means[tot == 0] = 0.0
                    step = means[codes]
                    out[:, j] -= step
                    change[j] = max(change[j], np.abs(step).max())
        if len(effects) <= 1 or exact_one_sweep or np.all(change <= _TOL * scale):
            return out
    raise DiDEstimationError("absorbing the fixed effects did not converge")


def count_effect_dof(effects: Sequence[np.ndarray]) -> int:
    """Degrees of freedom of the effects as linearmodels counts them.

    The first effect uses all its levels, every further one its levels minus one (one
    normalisation per extra effect, no check for further redundancy between effects).
    """
    levels = [int(codes.max()) + 1 for codes in effects]
    return levels[0] + sum(lv - 1 for lv in levels[1:]) if levels else 0


def clustered_covariance(
    x: np.ndarray, resid: np.ndarray, clusters: np.ndarray, extra_df: int
) -> np.ndarray:
    """Cluster-robust covariance with the linearmodels ``PanelOLS`` small-sample factor.

    ``V = n / (n - d - k) * (X'X)^-1 (sum_g s_g s_g') (X'X)^-1`` with ``s_g`` the sum of
    ``x_i e_i`` over cluster g, d the absorbed effects' degrees of freedom and k the
    regressors. There is no G / (G - 1) factor (linearmodels ``group_debias=False``;
    pyfixest/Stata CRV1 differ from this by the factor and by d).
    """
    n, k = x.shape
    n_eff = n - extra_df - k
    if n_eff <= 0:
        raise DiDEstimationError("no residual degrees of freedom after the fixed effects")
    xe = x * resid[:, None]
    n_groups = int(clusters.max()) + 1
    sums = np.column_stack(
        [np.bincount(clusters, weights=xe[:, j], minlength=n_groups) for j in range(k)]
    )
    meat = sums.T @ sums
    bread = np.linalg.inv(x.T @ x)
    cov = bread @ meat @ bread * (n / n_eff)
    return (cov + cov.T) / 2


def fe_ols(
    y: np.ndarray,
    x: np.ndarray,
    effects: Sequence[np.ndarray],
    clusters: np.ndarray,
    weights: np.ndarray | None = None,
) -> FEFit:
    """OLS of ``y`` on ``x`` with absorbed ``effects`` and clustered covariance."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    demeaned = demean(np.column_stack([y, x]), effects, weights)
    root_w = np.ones(len(y)) if weights is None else np.sqrt(weights)
    yd = demeaned[:, 0] * root_w
    xd = demeaned[:, 1:] * root_w[:, None]
    col_scale = np.sqrt((xd**2).sum(axis=0))
    orig_scale = np.sqrt(((x * root_w[:, None]) ** 2).sum(axis=0))
    absorbed = col_scale <= 1e-8 * np.maximum(orig_scale, 1.0)
    if absorbed.any():
        raise DiDEstimationError(
            f"{int(absorbed.sum())} regressor(s) fully absorbed by the fixed effects"
        )
    xtx = xd.T @ xd
    if 1.0 / np.linalg.cond(xtx, 1) < np.finfo(float).eps:
        raise DiDEstimationError("regressors are collinear after absorbing the fixed effects")
    params = np.linalg.solve(xtx, xd.T @ yd)
    resid = yd - xd @ params
    extra_df = count_effect_dof(effects)
    cov = clustered_covariance(xd, resid, clusters, extra_df)
    # einsum rather than a BLAS dot (slow when threads compete on a busy machine)
    tss = float(np.einsum("i,i->", yd, yd))
    rsq = 1.0 - float(np.einsum("i,i->", resid, resid)) / tss if tss > 0 else np.nan
    return FEFit(
        params=params,
        cov=cov,
        nobs=len(y),
        df_resid=len(y) - x.shape[1] - extra_df,
        n_effects=extra_df,
        n_clusters=int(clusters.max()) + 1,
        rsquared=rsq,
        resid=resid,
    )
