"""Conditional and hybrid moment-inequality tests with nuisance parameters (ARP).

Andrews, Roth and Pakes (2023), "Inference for Linear Conditional Moment Inequalities",
Review of Economic Studies 90(6), 2763-2791 ("ARP"), as used by Rambachan and Roth
(2023, Section 3) for the relative-magnitude restrictions.

The null is ``E[y] - X tau <= 0`` for some nuisance ``tau``. The statistic is the value
of the linear program

    eta(y) = min_{eta, tau} eta   s.t.   y - X tau <= eta * sd,

whose dual is ``max_{g in P} g'y`` over the polytope ``P = {g >= 0, g'sd = 1, X'g = 0}``.
Everything the tests need is this support function of ``P`` and a maximising vertex:

* the conditional test (ARP, in its dual form, which covers degenerate LPs): with
  ``g`` the optimal vertex, ``sigma_B^2 = g' Sigma g``, ``b = Sigma g / sigma_B^2`` and
  ``s = y - b eta``, the statistic is truncated normal on ``[V_lo, V_up]``, the
  interval of ``c`` on which ``max_{g' in P} g''(s + b c) = c`` (where ``g`` stays
  optimal). That function of ``c`` is convex and piecewise linear, so its end points
  are found exactly by Newton steps along its linear pieces (each step lands on the
  intersection of the current piece with the identity line; finitely many pieces);
* the least-favourable hybrid (ARP's hybrid test): reject when ``eta`` exceeds the
  ``1 - kappa`` quantile of ``eta(xi)``, ``xi ~ N(0, Sigma)``; otherwise run the
  conditional test at size ``(alpha - kappa) / (1 - kappa)`` with ``V_up`` capped at
  that quantile.

Linear programs are solved by HiGHS (``scipy.optimize.linprog``, dual simplex). Most
``y`` share an optimal basis with an earlier one, so each basis HiGHS returns is kept
and later ``y`` are first checked against the known bases (primal and dual
feasibility of the basic solution, vectorised over many ``y``): a basis that passes is
optimal, and the LP is solved only for the rest.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.linalg import null_space
from scipy.optimize import linprog
from scipy.stats import truncnorm

from did.errors import DiDEstimationError

_SLACK_TOL = 1e-9  # primal feasibility of a basic solution, normalised rows (eta units)
_DUAL_TOL = 1e-10  # relative: dual weights below this x max weight count as zero
_NEWTON_MAXITER = 200
_FAR = 50.0  # a truncation point this many sigma_B beyond eta is treated as infinite


class DualPolytope:
    """Support function of ``P = {g >= 0, g'sd = 1, X'g = 0}`` with basis reuse.

    Rows are scaled by their standard deviations (the LP in ARP's normalised form,
    ``(y_i - X_i tau) / sd_i <= eta``), which keeps HiGHS's absolute tolerances
    meaningful whatever the units of ``y``.
    """

    def __init__(self, sd: np.ndarray, x: np.ndarray) -> None:
        sd = np.asarray(sd, dtype=float)
        x = np.asarray(x, dtype=float).reshape(sd.shape[0], -1)
        self.scale = np.where(sd > 0, sd, 1.0)
        xn = x / self.scale[:, None]
        if xn.shape[1]:
            # The LP only depends on the column space of X: use an orthonormal basis of
            # it so that the equality constraints X'g = 0 are independent.
            u, sv, _ = np.linalg.svd(xn, full_matrices=False)
            rank = int(np.sum(sv > 1e-12 * sv[0])) if sv.size and sv[0] > 0 else 0
            xn = u[:, :rank]
        self.w = np.column_stack([sd / self.scale, xn])  # normalised rows
        self.m, self.r = self.w.shape
        self._bases: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.n_lp = 0

    def _certify(self, yn: np.ndarray, basis) -> np.ndarray:
        rows, w_inv, _ = basis
        z = yn[:, rows] @ w_inv.T
        slack = z @ self.w.T - yn
        return np.all(slack >= -_SLACK_TOL, axis=1)

    def _solve_lp(self, yn: np.ndarray) -> tuple[float, np.ndarray]:
        self.n_lp += 1
        c = np.zeros(self.r)
        c[0] = 1.0
        res = linprog(c, A_ub=-self.w, b_ub=-yn, bounds=[(None, None)] * self.r, method="highs-ds",
                      options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10})
        if res.status == 3:
            raise DiDEstimationError(
                "the moment-inequality LP is unbounded: the standard deviations of the moments "
                "lie in the span of the nuisance directions"
            )
        if res.status != 0:
            return np.nan, np.full(self.m, np.nan)
        gamma = np.clip(-res.ineqlin.marginals, 0.0, None)
        stored = self._store_basis(res.x, gamma, yn)
        if stored is not None:  # the exact basic solution
            return float(yn @ stored), stored
        return float(res.fun), gamma

    def _vertex(self, z: np.ndarray, yn: np.ndarray) -> np.ndarray | None:
        """Move an optimal point to a vertex of the optimal face (keeping eta and tight rows)."""
        obj = np.zeros(self.r)
        obj[0] = 1.0
        for _ in range(self.r + 1):
            slack = self.w @ z - yn
            tight = slack <= _SLACK_TOL
            null = null_space(np.vstack([self.w[tight], obj]))
            if null.shape[1] == 0:
                return z
            d = null[:, 0]
            wd = self.w @ d
            if not np.any(wd[~tight] < -1e-12):
                d, wd = -d, -wd
            move = (~tight) & (wd < -1e-12)
            if not move.any():
                return None
            z = z + np.min(slack[move] / -wd[move]) * d
        return None

    def _store_basis(self, z: np.ndarray, gamma: np.ndarray, yn: np.ndarray) -> np.ndarray | None:
        """Keep the optimal basis behind an LP solution; return its exact dual vertex."""
        if not gamma.max() > 0:
            return None
        z = self._vertex(z, yn)
        if z is None:
            return None
        slack = self.w @ z - yn
        support = np.flatnonzero(gamma > _DUAL_TOL * gamma.max())
        rows = list(support)
        if np.linalg.matrix_rank(self.w[rows]) < len(rows):
            return None
        for i in np.argsort(slack):
            if len(rows) == self.r or slack[i] > _SLACK_TOL:
                break
            if i not in rows and np.linalg.matrix_rank(self.w[rows + [i]]) == len(rows) + 1:
                rows.append(int(i))
        if len(rows) != self.r:
            return None
        rows_arr = np.array(rows)
        w_inv = np.linalg.inv(self.w[rows_arr])
        g_rows = w_inv.T[:, 0]  # W_S' g_S = e1
        if np.any(g_rows < -_DUAL_TOL * np.abs(g_rows).max()):
            return None
        g = np.zeros(self.m)
        g[rows_arr] = np.clip(g_rows, 0.0, None)
        basis = (rows_arr, w_inv, g)
        if not self._certify(yn[None, :], basis)[0]:
            return None
        self._bases.insert(0, basis)
        return g

    def solve(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``eta(y)`` and an optimal dual vertex ``g`` (``g'sd = 1``) for each row of ``y`` (n, m)."""
        yn = np.atleast_2d(np.asarray(y, dtype=float)) / self.scale
        n = yn.shape[0]
        eta = np.full(n, np.nan)
        gam = np.full((n, self.m), np.nan)  # normalised dual weights
        todo = np.ones(n, dtype=bool)

        def apply(basis) -> None:
            idx = np.flatnonzero(todo)
            if idx.size == 0:
                return
            ok = self._certify(yn[idx], basis)
            hit = idx[ok]
            if hit.size:
                gam[hit] = basis[2]
                eta[hit] = yn[hit] @ basis[2]
                todo[hit] = False

        for basis in list(self._bases):
            apply(basis)
        while todo.any():
            i = int(np.flatnonzero(todo)[0])
            known = len(self._bases)
            eta[i], gam[i] = self._solve_lp(yn[i])
            todo[i] = False
            if len(self._bases) > known:
                apply(self._bases[0])
        return eta, gam / self.scale


def least_favorable_cv(poly: DualPolytope, draws: np.ndarray, kappa: float) -> float:
    """``1 - kappa`` quantile (R type 7) of ``eta(xi)`` over the simulated ``xi``."""
    eta, _ = poly.solve(draws)
    return float(np.nanquantile(eta, 1.0 - kappa))


def _truncation_end(poly: DualPolytope, s: np.ndarray, b: np.ndarray, start: np.ndarray,
                    upper: bool) -> np.ndarray:
    """End of ``{c: max_P g'(s + b c) = c}`` above (upper) or below the points ``start``.

    ``start`` lies beyond the end (by ``_FAR`` sigma_B); where the function is still on
    the identity there, the end is treated as infinite. Newton steps along the active
    linear piece move monotonically to the end and stop on it exactly.
    """
    n = s.shape[0]
    c = start.copy()
    out = np.full(n, np.inf if upper else -np.inf)
    active = np.ones(n, dtype=bool)
    for it in range(_NEWTON_MAXITER):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        val, g = poly.solve(s[idx] + b[idx] * c[idx, None])
        tol = 1e-10 * (1.0 + np.abs(c[idx]))
        on_line = val <= c[idx] + tol
        if it == 0:
            # still on the identity line far out: no finite end
            active[idx[on_line]] = False
        else:
            out[idx[on_line]] = c[idx[on_line]]
            active[idx[on_line]] = False
        go = idx[~on_line]
        if go.size == 0:
            break
        g = g[~on_line]
        slope = np.einsum("ij,ij->i", g, b[go])
        inter = np.einsum("ij,ij->i", g, s[go])
        with np.errstate(divide="ignore", invalid="ignore"):
            c_new = inter / (1.0 - slope)
        bad = ~np.isfinite(c_new)
        if bad.any():
            raise DiDEstimationError("the truncation bounds of the conditional test did not converge")
        # Each step moves towards the end; a step that does not (rounding, when the
        # function is within a few ulps of the identity) means c is the end.
        stuck = (c_new >= c[go]) if upper else (c_new <= c[go])
        out[go[stuck]] = c[go[stuck]]
        active[go[stuck]] = False
        c[go[~stuck]] = c_new[~stuck]
    if active.any():
        raise DiDEstimationError("the truncation bounds of the conditional test did not converge")
    return out


def conditional_test(poly: DualPolytope, y: np.ndarray, sigma: np.ndarray, alpha: float,
                     lf_cv: float | None = None, kappa: float = 0.0) -> np.ndarray:
    """Reject indicators of the ARP conditional (``lf_cv=None``) or LF-hybrid test.

    ``y`` is (n, m): one moment vector per tested parameter value; ``sigma`` its (m, m)
    covariance. Returns a boolean array, True where the null is rejected.
    """
    y = np.atleast_2d(y)
    eta, g = poly.solve(y)
    reject = np.zeros(y.shape[0], dtype=bool)
    failed = ~np.isfinite(eta)  # an LP that did not solve does not reject (as ARP's code)
    if failed.any():
        warnings.warn(f"the test LP did not solve at {int(failed.sum())} parameter value(s); "
                      "they are not rejected", stacklevel=3)
    size = alpha
    if lf_cv is not None:
        first = ~failed & (eta > lf_cv)
        reject |= first
        size = (alpha - kappa) / (1.0 - kappa)
        failed |= first  # decided
    idx = np.flatnonzero(~failed)
    if idx.size == 0:
        return reject
    e, gi, yi = eta[idx], g[idx], y[idx]
    sg = gi @ sigma
    sb2 = np.einsum("ij,ij->i", sg, gi)
    flat = sb2 < np.finfo(float).eps  # g'y has no variance: reject iff eta > 0
    reject[idx[flat]] = e[flat] > 0
    idx, e, gi, yi, sg, sb2 = idx[~flat], e[~flat], gi[~flat], yi[~flat], sg[~flat], sb2[~flat]
    if idx.size == 0:
        return reject
    sb = np.sqrt(sb2)
    b = sg / sb2[:, None]
    s = yi - b * e[:, None]
    vup = _truncation_end(poly, s, b, e + _FAR * sb, upper=True)
    vlo = _truncation_end(poly, s, b, e - _FAR * sb, upper=False)
    # In exact arithmetic vlo <= eta <= vup; keep rounding from putting eta outside.
    vlo = np.minimum(vlo, e)
    vup = np.maximum(vup, e)
    if lf_cv is not None:
        vup = np.minimum(vup, lf_cv)
    zlo, zup, stat = vlo / sb, vup / sb, e / sb
    cval = np.maximum(0.0, truncated_normal_quantile(1.0 - size, zlo, zup))
    reject[idx] = stat > cval
    return reject


def truncated_normal_quantile(p: float, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Quantile ``p`` of N(0, 1) truncated to ``[lo, hi]`` (accurate in the tails)."""
    lo = np.asarray(lo, dtype=float)
    hi = np.asarray(hi, dtype=float)
    out = np.empty(np.broadcast(lo, hi).shape)
    point = np.isfinite(lo) & np.isfinite(hi) & (hi - lo <= 1e-12 * (1.0 + np.abs(lo)))
    out[point] = lo[point]
    rest = ~point
    out[rest] = truncnorm.ppf(p, lo[rest], hi[rest])
    return out
