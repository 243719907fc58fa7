"""Olley and Pakes (1996) and Levinsohn and Petrin (2003) two-step estimators.

First stage (OP eq. 6, LP eq. 5): ``y_it = b_l' l_it + phi(k_it, m_it) + eps_it`` with a
polynomial in state and proxy (investment for OP, intermediate inputs for LP), giving the
free-input elasticities ``b_l`` and ``phi``.
Second stage (OP eq. 11, LP eq. 6): with ``omega_it(b_k) = phi_it - b_l' l_it - b_k' k_it``,
the state elasticities minimise the sum of squared
``xi_it = y_it - b_l' l_it - b_k' k_it - g(omega_i,t-1(b_k))``, g a cubic (in OP with exit,
also in the survival probability, OP eq. 12), which is prodest's criterion.
"""

from __future__ import annotations

import numpy as np

from . import first_stage
from .exceptions import InsufficientDataError, TFPSpecificationError, where
from .optimise import minimise, poly3, standardise
from .panel import PanelArrays
from .spec import CoreFit, FitConfig


def fit_oplp(panel: PanelArrays, cfg: FitConfig, theta0: np.ndarray | None = None) -> CoreFit:
    """Fit OP or LP on ``panel`` (rows weighted by ``panel.weights``)."""
    if cfg.translog or not cfg.value_added:
        raise TFPSpecificationError(
            f"{where(cfg.label)}{cfg.method.upper()} supports only a Cobb-Douglas value-added "
            "function; use method='acf', 'wrdg' or 'wrdg_gmm' for translog or gross output"
        )
    kf = panel.free.shape[1]
    kc = panel.controls.shape[1]
    ks = panel.state.shape[1]
    fs_coef, phi = first_stage.fit(panel, "oplp", cfg.poly_degree)
    b_free = fs_coef[1 : 1 + kf]
    gamma = fs_coef[1 + kf : 1 + kf + kc]
    shift = panel.free @ b_free + panel.controls @ gamma
    innovations, n_used = _innovations(panel, cfg, phi - shift, panel.y - shift)
    if theta0 is None:
        theta0 = np.asarray(cfg.theta0, float) if cfg.theta0 is not None else fs_coef[1 + kf + kc : 1 + kf + kc + ks]
    theta, obj, ok, msg = minimise(innovations, np.asarray(theta0, float), cfg.xtol, cfg.max_nfev)
    return CoreFit(
        coef=np.concatenate([b_free, theta, gamma]),
        se=None,
        converged=ok,
        objective=obj,
        n_used=n_used,
        first_stage=fs_coef,
        message=msg,
    )


def _innovations(panel: PanelArrays, cfg: FitConfig, phi: np.ndarray, res: np.ndarray):
    """Weighted innovations ``sqrt(w) * xi(theta)`` of the second stage, and their count."""
    ks = panel.state.shape[1]
    rows = panel.has_lag
    if cfg.exit:
        rows = rows & np.isfinite(panel.exit_prob)
    n_used = int(rows.sum())
    n_g = 4 + (6 if cfg.exit else 0)
    if n_used <= ks + n_g:
        raise InsufficientDataError(
            f"{where(cfg.label)}only {n_used} observations have the previous year; "
            f"{cfg.method.upper()} needs more than {ks + n_g}"
        )
    s = panel.state[rows]
    ls = panel.lag(panel.state)[rows]
    phir, lphi, resr = phi[rows], panel.lag(phi)[rows], res[rows]
    w = panel.weights[rows]
    sw = np.sqrt(w)
    pr = panel.exit_prob[rows] if cfg.exit else None

    def innovations(theta: np.ndarray) -> np.ndarray:
        ol = standardise(lphi - ls @ theta)
        p = poly3(ol)
        if pr is not None:
            p = np.column_stack([p, pr, pr**2, pr**3, pr * ol, pr**2 * ol, pr * ol**2])
        omega = phir - s @ theta
        pw = p * w[:, None]
        g = np.linalg.solve(pw.T @ p, pw.T @ omega)
        return sw * (resr - s @ theta - p @ g)

    return innovations, n_used


def oplp_criterion(panel: PanelArrays, cfg: FitConfig, theta: np.ndarray) -> float:
    """prodest's OP/LP criterion ``sum xi^2`` at state elasticities ``theta``."""
    kf, kc = panel.free.shape[1], panel.controls.shape[1]
    fs_coef, phi = first_stage.fit(panel, "oplp", cfg.poly_degree)
    shift = panel.free @ fs_coef[1 : 1 + kf] + panel.controls @ fs_coef[1 + kf : 1 + kf + kc]
    innovations, _ = _innovations(panel, cfg, phi - shift, panel.y - shift)
    r = innovations(np.asarray(theta, float))
    return float(r @ r)
