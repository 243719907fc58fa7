"""Wooldridge (2009) estimators, as prodest implements them (``prodestWRDG``, ``prodestWRDG_GMM``).

Two equations share the production-function coefficients (Wooldridge 2009, eqs. 2.7-2.8):

* ``y_it = a + x_it' b + h(k_it, m_it) + e_it`` (productivity is a function of state and proxy);
* ``y_it = a + x_it' b + g(h(k_i,t-1, m_i,t-1)) + u_it`` (productivity follows a Markov process),

with ``h`` and ``g(h(.))`` approximated by degree-``poly_degree`` polynomials.  Instruments:
in the first equation every regressor; in the second, capital (chosen at t-1), lagged free
inputs and the lagged polynomial (eq. 2.10).

* ``wrdg`` stacks both equations and runs pooled IV (prodestWRDG: projection of the stacked
  regressors on the stacked instruments, then OLS of the stacked output on a constant and the
  projections; SEs are that OLS's, as prodest reports them);
* ``wrdg_gmm`` is the system GMM estimator (prodestWRDG_GMM): a first step with the diagonal of
  ``(Z'Z)^-1`` as weight, then the homoskedastic optimal weight ``(sigma^2 Z'Z)^-1`` from the
  first-step residuals, and the corresponding asymptotic SEs.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import block_diag

from .exceptions import InsufficientDataError, TFPSpecificationError, where
from .linalg import classical_se, wls
from .panel import PanelArrays
from .spec import CoreFit, FitConfig, is_free_like, production_matrix, term_exponents
from .terms import evaluate, monomials


def _blocks(panel: PanelArrays, cfg: FitConfig):
    if not cfg.value_added:
        raise TFPSpecificationError(
            f"{where(cfg.label)}Wooldridge's estimator uses the proxy to control for productivity, "
            "so it cannot also be an input: use value_added=True"
        )
    exps = term_exponents(panel, cfg)
    kf, ks = panel.free.shape[1], panel.state.shape[1]
    free_like = is_free_like(exps, kf, ks)
    t = np.hstack([production_matrix(panel, cfg), panel.controls])
    free_like = np.concatenate([free_like, np.zeros(panel.controls.shape[1], dtype=bool)])
    sp = np.hstack([panel.state, panel.proxy[:, None]])
    pexps = monomials(ks + 1, cfg.poly_degree)
    p = evaluate(sp, pexps)
    lt, lp = panel.lag(t), panel.lag(p)
    rows = panel.has_lag
    n_used = int(rows.sum())
    if n_used <= t.shape[1] + p.shape[1] + 2:
        raise InsufficientDataError(
            f"{where(cfg.label)}only {n_used} observations have the previous year; "
            f"Wooldridge's estimator needs more than {t.shape[1] + p.shape[1] + 2}"
        )
    # state-only production terms, written over (state, proxy), duplicate polynomial columns
    state_terms = {tuple(e[kf : kf + ks]) + (0,) for e, f in zip(exps, free_like) if not f}
    keep = np.array([e not in state_terms for e in pexps], dtype=bool)
    return t[rows], lt[rows], free_like, p[rows], lp[rows], keep, panel.y[rows], panel.weights[rows], n_used


def fit_wrdg_iv(panel: PanelArrays, cfg: FitConfig) -> CoreFit:
    """Pooled IV on the stacked equations (prodestWRDG)."""
    t, lt, free_like, p, lp, _, y, w, n_used = _blocks(panel, cfg)
    z_t = np.where(free_like[None, :], lt, t)
    x = np.vstack([np.hstack([t, p]), np.hstack([t, lp])])
    z = np.vstack([np.hstack([z_t, p]), np.hstack([z_t, lp])])
    ww = np.concatenate([w, w])
    xhat = z @ wls(z, x, ww)
    design = np.column_stack([np.ones(len(x)), xhat])
    yy = np.concatenate([y, y])
    coef = wls(design, yy, ww)
    resid = yy - design @ coef
    se = classical_se(design, resid, ww.sum() - design.shape[1], ww)
    k = t.shape[1]
    return CoreFit(coef=coef[1 : 1 + k], se=se[1 : 1 + k], converged=True, objective=np.nan,
                   n_used=n_used, intercept=float(coef[0]), intercept_se=float(se[0]))


def fit_wrdg_gmm(panel: PanelArrays, cfg: FitConfig) -> CoreFit:
    """Two-step system GMM (prodestWRDG_GMM)."""
    t, lt, free_like, p, lp, keep, y, w, n_used = _blocks(panel, cfg)
    n = len(y)
    one = np.ones((n, 1))
    # prodest's first equation constrains the linear state terms of h(k, m) to zero (the state
    # columns appear only as restricted production-function terms); Wooldridge's own leaves
    # them free, so the state elasticities are identified by the second equation alone
    x1 = np.hstack([one, t, p[:, keep] if cfg.prodest_wrdg else p])
    x2 = np.hstack([one, t, one, lp])
    z1 = np.hstack([one, t, p[:, keep]])
    z2 = np.hstack([one, lt[:, free_like], t[:, ~free_like], lp])
    num_r = 1 + t.shape[1]
    k1 = x1.shape[1]
    nu1, nu2 = k1 - num_r, x2.shape[1] - num_r
    dx = np.vstack([
        np.hstack([x1, np.zeros((n, nu2))]),
        np.hstack([x2[:, :num_r], np.zeros((n, nu1)), x2[:, num_r:]]),
    ])
    z = block_diag(z1, z2)
    ww = np.concatenate([w, w])
    dy = np.concatenate([y, y])
    zwz = z.T @ (z * ww[:, None])
    zx = z.T @ (dx * ww[:, None])
    zy = z.T @ (dy * ww)
    # prodest's first-step weight: (Z'Z)^-1 multiplied elementwise by the identity
    w1 = np.diag(np.diag(np.linalg.inv(zwz)))

    def gmm(wm: np.ndarray) -> np.ndarray:
        a = zx.T @ wm
        return np.linalg.solve(a @ zx, a @ zy)

    def sigma(b: np.ndarray) -> float:
        r1 = y - x1 @ b[:k1]
        r2 = y - x2 @ np.concatenate([b[:num_r], b[k1:]])
        return float(r1 @ (w * r1) + r2 @ (w * r2))

    b1 = gmm(w1)
    w_star = np.linalg.inv(sigma(b1) * zwz)
    b2 = gmm(w_star)
    s_inv = np.linalg.inv(sigma(b2) * zwz)
    var = np.linalg.inv(zx.T @ s_inv @ zx) / w.sum()
    se = np.sqrt(np.diag(var))
    return CoreFit(coef=b2[1:num_r], se=se[1:num_r], converged=True, objective=np.nan, n_used=n_used,
                   intercept=float(b2[0]), intercept_se=float(se[0]))
