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

import itertools

import numpy as np

from . import first_stage
from .exceptions import InsufficientDataError, where
from .linalg import wls
from .optimise import minimise, poly3, project_out
from .panel import PanelArrays
from .spec import CoreFit, FitConfig, is_free_like, production_matrix, term_exponents
from .terms import evaluate, monomials


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
    moments = _moments(x[rows], lx, phi[rows], panel.lag(phi)[rows], free_like, panel.weights[rows], cfg.overidentify)
    phir = phi[rows]
    if theta0 is not None or cfg.theta0 is not None:
        # a start given by the user (or a bootstrap replication): prodest's single search
        start = np.asarray(theta0 if theta0 is not None else cfg.theta0, float)
        theta, obj, ok, msg = minimise(moments, start, cfg.xtol, cfg.max_nfev, moments.jacobian)
    else:
        theta, obj, ok, msg = _search_roots(
            moments, _default_starts(panel, x), phir, cfg,
            lambda: _overid_check(panel, x, phi, free_like),
        )
    return CoreFit(
        coef=np.concatenate([theta, gamma]),
        se=None,
        converged=ok,
        objective=obj,
        n_used=n_used,
        first_stage=fs_coef,
        message=msg,
    )


def _default_starts(panel: PanelArrays, x: np.ndarray) -> list[np.ndarray]:
    """Starting points tried in turn when none is given; the lowest criterion wins.

    The ACF criterion can have several local minima (on prodest's Chilean example the OLS
    start leads to a spurious one), so rather than prodest's single start (first-stage
    coefficients plus noise) we try the OLS and within elasticities, their average, and the
    OLS returns to scale spread equally over the terms, all deterministic.
    """
    from .linear import demean_by_firm

    w = panel.weights
    xx = np.hstack([np.ones((panel.n, 1)), x, panel.controls])
    ols = wls(xx, panel.y, w)[1 : 1 + x.shape[1]]
    xd = demean_by_firm(np.hstack([x, panel.controls]), panel.firm, w)
    fe = wls(xd, demean_by_firm(panel.y, panel.firm, w), w)[: x.shape[1]]
    flat = np.full(x.shape[1], ols.sum() / x.shape[1])
    starts = [ols, flat, (ols + fe) / 2, fe]
    if x.shape[1] <= 4:  # then a small deterministic grid
        levels = (0.2, 0.5, 0.8)
        starts += [np.array(g) for g in itertools.product(levels, repeat=x.shape[1])]
    else:
        starts += [ols * f for f in (0.5, 0.75, 1.25)]
    return starts


class _Moments:
    """Cholesky-scaled sample moments ``L' Z' xi(theta)`` (``L L' = W = (Z'Z)^-1 / N``) and
    their analytic Jacobian.

    ``xi = M(theta) omega(theta)``, with ``M`` the residual-maker of the cubic in
    ``omega_lag(theta)``.  Differentiating (the cubic is in the standardised lag, whose centre
    and scale can be held fixed because they do not change the spanned space):
    ``dxi = M (domega - dP g) - P (P'WP)^-1 dP' W xi``.
    """

    def __init__(self, xr, lx, phir, lphi, free_like, w, overidentify=False):
        z = instruments(xr, lx, free_like, overidentify)
        zw = z * w[:, None]
        chol = np.linalg.cholesky(np.linalg.inv(zw.T @ z) / w.sum())
        self.a = chol.T @ zw.T
        self.xr, self.lx, self.phir, self.lphi, self.w = xr, lx, phir, lphi, w
        self._theta = None

    def _update(self, theta: np.ndarray) -> None:
        if self._theta is not None and np.array_equal(theta, self._theta):
            return
        ol = self.lphi - self.lx @ theta
        mu, sd = ol.mean(), ol.std()
        sd = sd if sd > 0 else 1.0
        zs = (ol - mu) / sd
        zs2 = zs * zs
        p = np.column_stack([np.ones_like(zs), zs, zs2, zs2 * zs])
        pw = p * self.w[:, None]
        gram = pw.T @ p
        omega = self.phir - self.xr @ theta
        g = np.linalg.solve(gram, pw.T @ omega)
        self._theta = theta.copy()
        self.p, self.pw, self.gram, self.g, self.sd, self.zs = p, pw, gram, g, sd, zs
        self.xi = omega - p @ g

    def __call__(self, theta: np.ndarray) -> np.ndarray:
        self._update(theta)
        return self.a @ self.xi

    def jacobian(self, theta: np.ndarray) -> np.ndarray:
        self._update(theta)
        p, pw, gram, g, sd, zs = self.p, self.pw, self.gram, self.g, self.sd, self.zs
        dpdz_g = g[1] + 2 * g[2] * zs + 3 * g[3] * zs * zs  # d(P g)/dz
        u = -self.xr + (dpdz_g / sd)[:, None] * self.lx  # domega - dP g, one column per theta
        t1 = u - p @ np.linalg.solve(gram, pw.T @ u)
        wxi = self.w * self.xi
        dpdz = np.column_stack([np.zeros_like(zs), np.ones_like(zs), 2 * zs, 3 * zs * zs])
        dpt_wxi = -(dpdz.T @ (self.lx * wxi[:, None])) / sd  # dP_j' W xi, 4 x p
        t2 = p @ np.linalg.solve(gram, dpt_wxi)
        return self.a @ (t1 - t2)


def _moments(xr, lx, phir, lphi, free_like, w, overidentify=False) -> _Moments:
    return _Moments(xr, lx, phir, lphi, free_like, w, overidentify)


def instruments(xr: np.ndarray, lx: np.ndarray, free_like: np.ndarray, overidentify: bool) -> np.ndarray:
    """ACF's instruments: lagged free-input terms and current state terms (eq. 26), plus, when
    ``overidentify``, the lagged state terms (capital chosen at t-2, also uncorrelated with
    the innovation), which sharpen the capital elasticity when capital adjusts slowly."""
    cols = [lx[:, free_like], xr[:, ~free_like]]
    if overidentify:
        cols.append(lx[:, ~free_like])
    return np.hstack(cols)


def acf_criterion(panel: PanelArrays, cfg: FitConfig, theta: np.ndarray) -> float:
    """prodest's ACF criterion ``(Z'xi)' W (Z'xi)`` at ``theta`` (to compare optima)."""
    fs_coef, phi = first_stage.fit(panel, "acf", cfg.poly_degree)
    phi = phi - panel.controls @ fs_coef[first_stage.control_slice(panel, "acf", len(fs_coef))]
    x = production_matrix(panel, cfg)
    free_like = is_free_like(term_exponents(panel, cfg), panel.free.shape[1], panel.state.shape[1])
    rows = panel.has_lag
    m = _moments(x[rows], panel.lag(x)[rows], phi[rows], panel.lag(phi)[rows], free_like, panel.weights[rows],
                 cfg.overidentify)
    r = m(np.asarray(theta, float))
    return float(r @ r)


def _search_roots(moments, starts, phir, cfg, overid):
    """Search from every start; among exact roots pick the one that best satisfies extra
    moment conditions.

    The just-identified ACF moments often have more than one root (on simulated data with
    ACF's timing, a spurious root with a higher labour elasticity sits next to the true one,
    and the OLS start leads to it).  Every instrument dated t-1 is valid under ACF's
    assumptions, so the root whose innovation is least correlated with an over-identifying
    set (see :func:`_overid_check`) is kept; without an exact root, the lowest criterion wins
    and the message says so.
    """
    root_tol = 1e-12 * max(float(np.var(phir)), 1e-12)
    found = [minimise(moments, s, cfg.xtol, cfg.max_nfev, moments.jacobian) for s in starts]
    ok = [f for f in found if f[2]]
    if not ok:
        return found[0]
    if cfg.overidentify:  # no exact roots: the global minimum of the GMM criterion
        return min(ok, key=lambda f: f[1])
    roots = []
    for f in sorted(ok, key=lambda f: f[1]):
        if f[1] < root_tol and not any(np.allclose(f[0], r[0], atol=1e-6) for r in roots):
            roots.append(f)
    if not roots:
        best = min(ok, key=lambda f: f[1])
        return best[0], best[1], best[2], f"no exact root of the ACF moments found (criterion {best[1]:.3g})"
    if len(roots) == 1:
        return roots[0]
    check = overid()  # built only when there is a choice to make
    scores = [check(r[0]) for r in roots]
    best = roots[int(np.argmin(scores))]
    others = "; ".join(np.array2string(r[0], precision=4) for r in roots if r is not best)
    return best[0], best[1], best[2], (f"{len(roots)} roots of the ACF moments; kept the one best "
                                       f"satisfying the over-identifying moments (others: {others})")


def _overid_check(panel: PanelArrays, x: np.ndarray, phi: np.ndarray, free_like: np.ndarray):
    """``J(theta)``: quadratic form of the innovation's moments with an enlarged instrument set.

    Everything dated t-1 or earlier is a valid instrument under ACF's timing.  Beyond the
    just-identifying set, use a constant, the lagged state terms, and the second lags of all
    terms and of ``phi`` (on firms observed three years running).  On simulated ACF panels the
    spurious root satisfies the first-lag moments almost exactly but not the second-lag ones.
    """
    lag2 = panel.lag(panel.lag(np.column_stack([x, phi])))
    rows = panel.has_lag & np.all(np.isfinite(lag2), axis=1)
    if rows.sum() < 10 * (x.shape[1] + 2):  # too short a panel: first-lag extensions only
        rows = panel.has_lag
        extra = evaluate(np.hstack([panel.lag(x)[:, free_like], x[:, ~free_like]]),
                         [e for e in monomials(x.shape[1], 2) if sum(e) == 2])[rows]
    else:
        extra = lag2[rows]
    xr, lx, phir, lphi, w = x[rows], panel.lag(x)[rows], phi[rows], panel.lag(phi)[rows], panel.weights[rows]
    ze = np.hstack([np.ones((len(xr), 1)), lx[:, free_like], xr[:, ~free_like], lx[:, ~free_like], extra])
    zw = ze * w[:, None]
    zz = zw.T @ ze

    def j(theta: np.ndarray) -> float:
        xi = project_out(poly3(lphi - lx @ theta), phir - xr @ theta, w)
        m = zw.T @ xi
        return float(m @ np.linalg.lstsq(zz, m, rcond=None)[0]) / w.sum()

    return j
