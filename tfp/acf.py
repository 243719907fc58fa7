"""Ackerberg, Caves and Frazer (2015) two-step estimator.

First stage: ``y_it = phi(l_it, k_it, m_it) + eps_it`` by a polynomial regression (ACF eq. 21).
Second stage: for candidate elasticities ``beta``, ``omega_it(beta) = phi_it - x_it' beta``;
the innovation ``xi_it`` is the residual of ``omega_it`` on a cubic in ``omega_i,t-1(beta)``
(the law of motion g), and ``beta`` solves the moment conditions (ACF eq. 26)
``E[xi_it * (l_i,t-1, k_it)] = 0`` weighted by ``W = (Z'Z)^-1 / N``, as prodest's
``prodestACF`` does.  Terms involving a free input (or the proxy, in gross output) are
instrumented by their lag; capital-only terms by their current value.
"""

from __future__ import annotations

import numpy as np

from . import first_stage
from .exceptions import InsufficientDataError, where
from .optimise import minimise, poly3, project_out
from .panel import PanelArrays
from .spec import CoreFit, FitConfig, is_free_like, production_matrix, term_exponents


def fit_acf(panel: PanelArrays, cfg: FitConfig, theta0: np.ndarray | None = None) -> CoreFit:
    """Fit ACF on ``panel`` (rows weighted by ``panel.weights``)."""
    fs_coef, phi = first_stage.fit(panel, "acf", cfg.poly_degree)
    csl = first_stage.control_slice(panel, "acf", len(fs_coef))
    gamma = fs_coef[csl]
    phi = phi - panel.controls @ gamma
    x = production_matrix(panel, cfg)
    exps = term_exponents(panel, cfg)
    free_like = is_free_like(exps, panel.free.shape[1], panel.state.shape[1])
    rows = panel.has_lag
    n_used = int(rows.sum())
    if n_used <= x.shape[1] + 4:
        raise InsufficientDataError(
            f"{where(cfg.label)}only {n_used} observations have the previous year; "
            f"ACF needs more than {x.shape[1] + 4}"
        )
    lx = panel.lag(x)[rows]
    lphi = panel.lag(phi)[rows]
    xr, phir, w = x[rows], phi[rows], panel.weights[rows]
    z = np.hstack([lx[:, free_like], xr[:, ~free_like]])
    zw = z * w[:, None]
    wmat = np.linalg.inv(zw.T @ z) / w.sum()
    chol = np.linalg.cholesky(wmat)

    def moments(theta: np.ndarray) -> np.ndarray:
        omega = phir - xr @ theta
        xi = project_out(poly3(lphi - lx @ theta), omega, w)
        return chol.T @ (zw.T @ xi)

    if theta0 is None:
        theta0 = np.asarray(cfg.theta0, dtype=float) if cfg.theta0 is not None else _ols_start(panel, x)
    theta, obj, ok, msg = minimise(moments, np.asarray(theta0, float), cfg.xtol, cfg.max_nfev)
    return CoreFit(
        coef=np.concatenate([theta, gamma]),
        se=None,
        converged=ok,
        objective=obj,
        n_used=n_used,
        first_stage=fs_coef,
        message=msg,
    )


def _ols_start(panel: PanelArrays, x: np.ndarray) -> np.ndarray:
    """Start the search at the OLS elasticities (prodest starts at first-stage coefficients
    plus noise; OLS is deterministic and usually closer)."""
    from .linalg import wls

    xx = np.hstack([np.ones((panel.n, 1)), x, panel.controls])
    return wls(xx, panel.y, panel.weights)[1 : 1 + x.shape[1]]
