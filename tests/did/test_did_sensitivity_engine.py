"""The pieces behind did.sensitivity, each checked against an independent computation."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog
from scipy.stats import norm

from did._honest_arp import DualPolytope, _truncation_end, truncated_normal_quantile
from did._honest_flci import FLCIProblem, folded_normal_quantile, optimal_flci
from did._rstream import rmvnorm_r, rnorm_r, symmetric_sqrt
from did.sensitivity import relative_magnitudes

# --------------------------------------------------------------------------- R stream


@pytest.mark.parametrize(
    ("seed", "expected"),
    [
        (0, [1.2629543, -0.3262334, 1.3297993, 1.2724293, 0.4146414, -1.5399500, -0.9285670,
             -0.2947204, -0.0057672, 2.4046534]),
        (42, [1.3709584, -0.5646982, 0.3631284]),
        (123, [-0.5604756, -0.2301775, 1.5587083]),
    ],
)
def test_rnorm_reproduces_r(seed, expected):
    """``set.seed(seed); rnorm(n)`` as R 4.x prints it (7 significant digits)."""
    np.testing.assert_allclose(rnorm_r(len(expected), seed), expected, rtol=0, atol=6e-8)


def test_rmvnorm_uses_symmetric_root():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(6, 4))
    sigma = a @ a.T  # rank 4: clipped eigenvalues
    root = symmetric_sqrt(sigma)
    np.testing.assert_allclose(root, root.T, atol=1e-12)
    np.testing.assert_allclose(root @ root, sigma, atol=1e-10)
    draws = rmvnorm_r(5, sigma, seed=0)
    np.testing.assert_allclose(draws, rnorm_r(30, 0).reshape(5, 6) @ root, atol=1e-12)


# --------------------------------------------------------------------------- LP engine


def _random_problem(rng, m=8, k=3, zero_rows=2):
    x = rng.normal(size=(m, k))
    x[:zero_rows] = 0.0  # rows free of the nuisance (as the theta-only moments of Delta^RM)
    a = rng.normal(size=(m, m))
    sigma = a @ a.T / m + 0.1 * np.eye(m)
    sd = np.sqrt(np.diag(sigma)) * 0.01  # small units, as event-study moments
    return sd, x * 0.01, sigma * 1e-4


def test_support_function_matches_highs_and_dual_feasible():
    rng = np.random.default_rng(11)
    for _ in range(4):
        sd, x, _ = _random_problem(rng)
        poly = DualPolytope(sd, x)
        y = rng.normal(size=(300, sd.size)) * 0.02
        eta, g = poly.solve(y)
        assert poly.n_lp < 100  # bases are reused
        for i in range(0, 300, 7):
            ref = linprog(np.r_[1.0, np.zeros(x.shape[1])], A_ub=-np.column_stack([sd, x]), b_ub=-y[i],
                          bounds=[(None, None)] * (1 + x.shape[1]), method="highs")
            assert eta[i] == pytest.approx(ref.fun, abs=1e-7 * (1 + abs(ref.fun)))
        assert (g >= 0).all()
        np.testing.assert_allclose(g @ sd, 1.0, atol=1e-10)
        np.testing.assert_allclose(g @ x, 0.0, atol=1e-10)
        np.testing.assert_allclose(np.einsum("ij,ij->i", g, y), eta, atol=1e-10)


def _vertices(sd, x):
    """All vertices of {g >= 0, g'sd = 1, X'g = 0} by enumerating bases (small problems)."""
    w = np.column_stack([sd, x])
    m, r = w.shape
    out = []
    for rows in itertools.combinations(range(m), r):
        ws = w[list(rows)]
        if abs(np.linalg.det(ws)) < 1e-12:
            continue
        gs = np.linalg.solve(ws.T, np.eye(r)[0])
        if (gs >= -1e-12).all():
            g = np.zeros(m)
            g[list(rows)] = gs
            out.append(g)
    return np.array(out)


def test_truncation_interval_matches_vertex_enumeration():
    """V_lo / V_up: the c-range where the optimal vertex stays optimal (ARP, dual form)."""
    rng = np.random.default_rng(5)
    for _ in range(6):
        sd, x, sigma = _random_problem(rng, m=7, k=2, zero_rows=1)
        verts = _vertices(sd, x)
        poly = DualPolytope(sd, x)
        y = rng.normal(size=(20, 7)) * 0.02
        eta, g = poly.solve(y)
        np.testing.assert_allclose(eta, (verts @ y.T).max(axis=0), atol=1e-10)
        sg = g @ sigma
        sb2 = np.einsum("ij,ij->i", sg, g)
        b = sg / sb2[:, None]
        s = y - b * eta[:, None]
        far = 50 * np.sqrt(sb2)
        vup = _truncation_end(poly, s, b, eta + far, upper=True)
        vlo = _truncation_end(poly, s, b, eta - far, upper=False)
        for i in range(20):
            slope, inter = verts @ b[i], verts @ s[i]
            hi_ = slope > 1 + 1e-12
            lo_ = slope < 1 - 1e-12
            exp_up = np.min(inter[hi_] / (1 - slope[hi_])) if hi_.any() else np.inf
            exp_lo = np.max(inter[lo_] / (1 - slope[lo_])) if lo_.any() else -np.inf
            exp_up = np.inf if exp_up > eta[i] + far[i] else exp_up
            exp_lo = -np.inf if exp_lo < eta[i] - far[i] else exp_lo
            assert vup[i] == pytest.approx(exp_up, rel=1e-9, abs=1e-12)
            assert vlo[i] == pytest.approx(exp_lo, rel=1e-9, abs=1e-12)
            assert vlo[i] <= eta[i] + 1e-12 <= vup[i] + 2e-12


def test_truncated_normal_quantile_tails_and_symmetry():
    lo = np.array([-np.inf, -1.0, 0.5, 30.0, -3.0])
    hi = np.array([np.inf, 2.0, 3.0, np.inf, -2.9])
    q = truncated_normal_quantile(0.95, lo, hi)
    assert q[0] == pytest.approx(norm.ppf(0.95), abs=1e-12)
    p1 = (norm.cdf(q[1]) - norm.cdf(-1.0)) / (norm.cdf(2.0) - norm.cdf(-1.0))
    assert p1 == pytest.approx(0.95, abs=1e-12)
    # far tail: P(X > 30 + x | X > 30) = 0.05 with x from the Mills-ratio expansion
    assert q[3] == pytest.approx(30.0997, abs=2e-4)
    np.testing.assert_allclose(truncated_normal_quantile(0.05, -hi, -lo), -q, rtol=1e-9)


def test_folded_normal_quantile_exact():
    assert folded_normal_quantile(0.0) == pytest.approx(norm.ppf(0.975), abs=1e-14)
    for t in (1e-6, 0.3, 1.0, 2.5, 12.0):
        c = folded_normal_quantile(t)
        assert norm.cdf(c - t) - norm.cdf(-c - t) == pytest.approx(0.95, abs=1e-14)
    draws = np.abs(np.random.default_rng(0).standard_normal(400_000) + 0.7)
    assert folded_normal_quantile(0.7) == pytest.approx(np.quantile(draws, 0.95), abs=0.01)


# --------------------------------------------------------------------------- FLCI


def _worst_case_bias_lp(v, k, t, m):
    """sup v'delta over Delta^SD(M) = {|second differences| <= M, delta_0 = 0} by LP."""
    n = k + t + 1
    d2 = np.zeros((n - 2, n))
    for r in range(n - 2):
        d2[r, r:r + 3] = [1.0, -2.0, 1.0]
    d2 = np.delete(d2, k, axis=1)
    res = linprog(-v, A_ub=np.vstack([d2, -d2]), b_ub=np.full(2 * (n - 2), m),
                  bounds=[(None, None)] * (k + t), method="highs")
    return -res.fun if res.status == 0 else np.inf


def _sigma_example(k, t, seed):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(k + t, k + t))
    return (a @ a.T / (k + t) + 0.5 * np.eye(k + t)) * 1e-4


@pytest.mark.parametrize(("k", "t", "target"), [(3, 4, "first"), (3, 4, "average"), (5, 3, "average"),
                                                (1, 2, "first"), (4, 1, "first")])
def test_flci_bias_is_worst_case_and_estimator_is_optimal(k, t, target):
    sigma = _sigma_example(k, t, seed=k * 10 + t)
    lv = np.eye(t)[0] if target == "first" else np.full(t, 1 / t)
    beta = np.zeros(k + t)
    prob = FLCIProblem.build(sigma, k, t, lv)
    rng = np.random.default_rng(1)
    for m in (0.0, 0.002, 0.01, 0.05):
        fl = optimal_flci(sigma, beta, k, t, lv, m, problem=prob)
        assert fl.converged
        np.testing.assert_allclose(fl.weights[k:], lv)
        assert fl.sd == pytest.approx(np.sqrt(fl.weights @ sigma @ fl.weights), rel=1e-12)
        assert fl.max_bias == pytest.approx(_worst_case_bias_lp(fl.weights, k, t, m), rel=1e-7, abs=1e-12)
        # at the worst case the interval covers with probability exactly 1 - alpha
        cover = norm.cdf((fl.half_length - fl.max_bias) / fl.sd) - norm.cdf((-fl.half_length - fl.max_bias) / fl.sd)
        assert cover == pytest.approx(0.95, abs=1e-12)
        # no trend-free perturbation of the pre-period weights gives a shorter interval
        trend = np.r_[np.arange(-k, 0), np.arange(1, t + 1)].astype(float)
        for scale in (1e-4, 1e-2, 1.0):
            for _ in range(10):
                d = rng.normal(size=k + t) * scale
                d[k:] = 0.0
                if k > 1:
                    d[:k] -= trend[:k] * (trend[:k] @ d[:k]) / (trend[:k] @ trend[:k])
                else:
                    d[:] = 0.0
                v = fl.weights + d
                sd = np.sqrt(v @ sigma @ v)
                bias = _worst_case_bias_lp(v, k, t, m)
                assert sd * folded_normal_quantile(bias / sd) >= fl.half_length - 1e-12


# --------------------------------------------------------------------------- known truth


@pytest.mark.slow
def test_relative_magnitudes_cover_the_truth_under_a_violation():
    """Known truth: a linear pre-trend that continues, so delta is in Delta^RM(1).

    60 draws of betahat ~ N(beta, Sigma). The usual interval misses theta = tau_0 most
    of the time (the violation is about 2.3 SEs); the C-LF set at Mbar = 1 must cover it
    in at least 52 (nominal >= 95%; the binomial SD at 95% is 2.8 points).
    """
    k, t = 2, 2
    sigma = _sigma_example(k, t, seed=7)
    delta = np.array([-0.04, -0.02, 0.02, 0.04])
    tau = np.array([0.03, 0.05])
    beta = delta + np.r_[np.zeros(k), tau]
    rng = np.random.default_rng(2024)
    robust = original = 0
    for _ in range(60):
        b = rng.multivariate_normal(beta, sigma)
        res = relative_magnitudes(b, sigma, k, t, [1.0], grid_points=80, grid_bounds=(-0.3, 0.4))
        row = res.robust.iloc[0]
        assert not (row.lb_at_grid_edge or row.ub_at_grid_edge)
        step = res.grid["step"]
        robust += bool(row.lb - step <= tau[0] <= row.ub + step)
        original += bool(res.original[0] <= tau[0] <= res.original[1])
    assert original <= 40
    assert robust >= 52
