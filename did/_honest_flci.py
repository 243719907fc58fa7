"""Fixed-length confidence intervals (FLCI) under smoothness restrictions Delta^SD(M).

Rambachan and Roth (2023), Section 3 (after Armstrong and Kolesar 2018, 2020): the
interval is ``v'betahat +- chi``, ``v = (v_pre, l)``, with half length

    chi(v) = sigma_v * cv_alpha(bias_M(v) / sigma_v),

where ``sigma_v^2 = v' Sigma v``, ``bias_M(v)`` is the worst-case bias of ``v'betahat``
for ``theta = l'tau_post`` over ``delta in Delta^SD(M)`` and ``cv_alpha(t)`` is the
``1 - alpha`` quantile of ``|N(t, 1)|``; ``v_pre`` minimises ``chi``.

Worst-case bias. Write ``delta`` (``delta_0 = 0``) through its second differences
``eta_j``, ``j = -K+1, ..., T-1``: ``delta = B eta + c * t`` with ``B``'s column ``j``
the kinked trend ``(j - t)_+`` (``j < 0``, pre-periods) or ``(t - j)_+`` (``j >= 0``,
post-periods), and ``c * t`` a linear trend, which ``Delta^SD`` leaves free. The bias
is bounded only if ``v't = 0`` (the estimator removes linear trends), and then

    bias_M(v) = M * ( sum_{j<0} |z_j| + sum_{j>=0} |sum_{t>j} (t - j) l_t| ),
    z_j = sum_{t<j} (j - t) v_t .

The map ``v_pre -> (z, t'v)`` is one-to-one, so the problem is an unconstrained
minimisation over ``z`` (``K - 1`` numbers): ``sigma_v^2`` is a convex quadratic in
``z``, the bias is ``M (||z||_1 + const)`` and ``chi = sigma * cv(b / sigma)`` is
jointly convex (a perspective of the convex, increasing ``cv``), increasing in ``b`` and
in ``sigma``. This is the same problem as HonestDiD's ``findOptimalFLCI`` (which
bisects on ``sigma``, solving a second-order cone program for the bias at each step);
here it is solved directly:

1. ``M = 0``: the minimum-variance trend-free estimator, in closed form.
2. ``M > 0``: SLSQP (``scipy.optimize.minimize``) on the smooth epigraph form
   ``min sigma cv(M (sum u + c) / sigma)`` s.t. ``-u <= z <= u`` with analytic
   gradients, then a Newton polish on the face it identifies (which ``z_j`` are 0 and
   the signs of the others) with the exact Hessian, and a check of the optimality
   conditions (on the face: gradient 0; off it: ``|d chi / d z_j| <= M cv'``).

``cv_alpha`` is computed exactly (root of ``Phi(c - t) - Phi(-c - t) = 1 - alpha``),
where HonestDiD simulates it with 10^6 normal draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq, minimize
from scipy.stats import norm

from did.errors import DiDEstimationError


def folded_normal_quantile(t: float, alpha: float = 0.05) -> float:
    """``1 - alpha`` quantile of ``|N(t, 1)|``, exact (root of a monotone function)."""
    t = abs(float(t))
    if not np.isfinite(t):
        raise DiDEstimationError(f"folded-normal quantile of a non-finite mean ({t})")
    z1 = norm.ppf(1 - alpha)
    z2 = norm.ppf(1 - alpha / 2)
    if t == 0.0:
        return float(z2)

    def excess(c: float) -> float:
        # P(|N(t,1)| <= c) - (1 - alpha), written with survival functions for accuracy
        return (alpha - norm.sf(c - t)) - norm.cdf(-c - t)

    # P(|N(t,1)| <= t + z1) <= 1 - alpha <= P(|N(t,1)| <= t + z2)
    if excess(t + z1) >= 0.0:  # the lower tail is below rounding: the quantile is t + z1
        return float(t + z1)
    return float(brentq(excess, t + z1, t + z2, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=200))


def _cv_derivatives(t: float, alpha: float) -> tuple[float, float, float]:
    """``cv(t)``, ``cv'(t)`` and ``cv''(t)`` (implicit differentiation of the defining equation)."""
    q = folded_normal_quantile(t, alpha)
    a = norm.pdf(q - t)
    b = norm.pdf(q + t)
    d1 = (a - b) / (a + b)
    d2 = 4.0 * a * b * (q + t * d1) / (a + b) ** 2
    return q, d1, d2


@dataclass(frozen=True)
class FLCIProblem:
    """The FLCI objective in the ``z`` coordinates for one ``(Sigma, l)``.

    ``v_pre = x0 + E z``; ``sigma^2(z) = z'Qz + 2 p'z + s0``; bias ``M(||z||_1 + c_post)``.
    """

    x0: np.ndarray
    e: np.ndarray
    q: np.ndarray
    p: np.ndarray
    s0: float
    c_post: float
    l_vec: np.ndarray

    @classmethod
    def build(cls, sigma: np.ndarray, num_pre: int, num_post: int, l_vec: np.ndarray) -> "FLCIProblem":
        k, t_post = num_pre, num_post
        pre_t = np.arange(-k, 0, dtype=float)
        post_t = np.arange(1, t_post + 1, dtype=float)
        # z_j = sum_{t<j} (j - t) v_t for j = -K+1..-1, and the trend row t'v_pre
        js = np.arange(-k + 1, 0, dtype=float)
        g = np.clip(js[:, None] - pre_t[None, :], 0.0, None)
        h = np.vstack([g, pre_t[None, :]])
        h_inv = np.linalg.inv(h)
        a0 = -float(post_t @ l_vec)  # t_pre'v_pre = -t_post'l
        x0 = h_inv[:, -1] * a0
        e = h_inv[:, :-1]
        s_pp = sigma[:k, :k]
        r = sigma[:k, k:] @ l_vec
        s_post = float(l_vec @ sigma[k:, k:] @ l_vec)
        q = e.T @ s_pp @ e
        p = e.T @ (s_pp @ x0 + r)
        s0 = float(x0 @ s_pp @ x0 + 2 * x0 @ r + s_post)
        jpost = np.arange(0, t_post, dtype=float)
        c_post = float(np.abs(np.clip(post_t[None, :] - jpost[:, None], 0.0, None) @ l_vec).sum())
        return cls(x0=x0, e=e, q=0.5 * (q + q.T), p=p, s0=s0, c_post=c_post, l_vec=l_vec)

    def variance(self, z: np.ndarray) -> float:
        return float(z @ self.q @ z + 2 * self.p @ z + self.s0)

    def weights(self, z: np.ndarray) -> np.ndarray:
        """All weights ``v = (v_pre, l)`` on betahat."""
        return np.concatenate([self.x0 + self.e @ z, self.l_vec])

    def min_variance_z(self) -> np.ndarray:
        if self.q.shape[0] == 0:
            return np.zeros(0)
        return -np.linalg.solve(self.q, self.p)


@dataclass(frozen=True)
class FLCIResult:
    weights: np.ndarray  # v on all of betahat (pre weights, then l)
    center: float
    sd: float
    max_bias: float
    half_length: float
    converged: bool


def _objective(prob: FLCIProblem, z: np.ndarray, m: float, alpha: float):
    """chi, its gradient (with the sign vector of z) and Hessian on a face."""
    var = prob.variance(z)
    sd = np.sqrt(var)
    bias = m * (np.abs(z).sum() + prob.c_post)
    t = bias / sd
    cv, d1, d2 = _cv_derivatives(t, alpha)
    return sd, bias, t, cv, d1, d2


def _face_newton(prob: FLCIProblem, z: np.ndarray, m: float, alpha: float,
                 free: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """Newton's method for chi restricted to the face {z_j = 0 off ``free``, fixed signs}."""
    z = z.copy()
    z[~free] = 0.0
    if not free.any():
        return z
    qf = prob.q[np.ix_(free, free)]

    def value_grad_hess(zz):
        sd, bias, t, cv, d1, d2 = _objective(prob, zz, m, alpha)
        g = ((prob.q @ zz + prob.p) / sd)[free]
        ms = m * signs[free]
        grad = (cv - t * d1) * g + d1 * ms
        u = ms - t * g
        hess = (cv - t * d1) * (qf - np.outer(g, g)) / sd + d2 * np.outer(u, u) / sd
        return sd * cv, grad, hess

    f, grad, hess = value_grad_hess(z)
    for _ in range(50):
        try:
            step = -np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            step = -grad
        # stay on the face: a coordinate may not cross zero
        lam = 1.0
        zf = z[free]
        cross = (zf + step) * signs[free] < 0
        if cross.any():
            lam = min(lam, float(np.min(-zf[cross] / step[cross])) * 0.999)
        while lam > 1e-12:
            z_new = z.copy()
            z_new[free] = zf + lam * step
            f_new, g_new, h_new = value_grad_hess(z_new)
            if f_new <= f + 1e-4 * lam * float(grad @ step) or lam * np.abs(step).max() < 1e-15:
                break
            lam *= 0.5
        else:
            break
        done = np.abs(z_new - z).max() <= 1e-14 * (1.0 + np.abs(z).max())
        z, f, grad, hess = z_new, f_new, g_new, h_new
        if done or np.abs(grad).max() <= 1e-13 * max(1.0, abs(f)):
            break
    return z


def optimal_flci(sigma: np.ndarray, betahat: np.ndarray, num_pre: int, num_post: int,
                 l_vec: np.ndarray, m: float, alpha: float = 0.05,
                 problem: FLCIProblem | None = None) -> FLCIResult:
    """The FLCI with the shortest half length over affine estimators."""
    prob = problem if problem is not None else FLCIProblem.build(sigma, num_pre, num_post, l_vec)
    n = prob.q.shape[0]
    z = prob.min_variance_z()
    converged = True
    if m > 0 and n > 0:
        scale = np.sqrt(max(prob.variance(z), np.finfo(float).tiny))

        def fun(xu):
            zz, uu = xu[:n], xu[n:]
            var = prob.variance(zz)
            sd = np.sqrt(var)
            bias = m * (uu.sum() + prob.c_post)
            t = bias / sd
            cv, d1, _ = _cv_derivatives(t, alpha)
            gsd = (prob.q @ zz + prob.p) / sd
            grad = np.concatenate([(cv - t * d1) * gsd, np.full(n, d1 * m)])
            return sd * cv / scale, grad / scale

        cons = {
            "type": "ineq",
            "fun": lambda xu: np.concatenate([xu[n:] - xu[:n], xu[n:] + xu[:n]]),
            "jac": lambda xu: np.block([[-np.eye(n), np.eye(n)], [np.eye(n), np.eye(n)]]),
        }
        x_start = np.concatenate([z, np.abs(z)])
        res = minimize(fun, x_start, jac=True, method="SLSQP", constraints=[cons],
                       options={"ftol": 1e-15, "maxiter": 1000})
        z = res.x[:n]
        # Newton polish on the identified face, then check optimality off the face.
        zs = np.abs(z).max() if n else 0.0
        for _ in range(n + 2):
            free = np.abs(z) > 1e-9 * max(1.0, zs)
            signs = np.sign(z)
            z = _face_newton(prob, z, m, alpha, free, signs)
            sd, bias, t, cv, d1, _ = _objective(prob, z, m, alpha)
            g = (prob.q @ z + prob.p) / sd
            smooth = (cv - t * d1) * g
            viol = (~free) & (np.abs(smooth) > d1 * m * (1 + 1e-7) + 1e-12)
            if not viol.any():
                break
            # move the most violating zero coordinate off the face, downhill
            j = int(np.argmax(np.where(viol, np.abs(smooth), -np.inf)))
            z = z.copy()
            z[j] = -np.sign(smooth[j]) * 1e-6 * max(1.0, zs)
        else:
            converged = False
    sd = np.sqrt(prob.variance(z))
    bias = m * (np.abs(z).sum() + prob.c_post)
    cv = folded_normal_quantile(bias / sd, alpha)
    v = prob.weights(z)
    if not np.all(np.isfinite(v)):
        raise DiDEstimationError("the FLCI optimisation failed (non-finite weights)")
    return FLCIResult(weights=v, center=float(v @ betahat), sd=float(sd), max_bias=float(bias),
                      half_length=float(sd * cv), converged=converged)
