"""Sensitivity of event-study conclusions to violations of parallel trends.

Rambachan, A. and Roth, J. (2023). "A More Credible Approach to Parallel Trends."
Review of Economic Studies 90(5), 2555-2591 ("RR"); R package ``HonestDiD`` 0.2.6.

The event-study coefficients ``betahat = (beta_pre, beta_post)`` (``K`` pre-periods
before the reference period, ``T`` post-periods from it on) estimate
``beta = (0, tau_post) + delta``. The target is ``theta = l'tau_post``: the first
post-period effect (``l = e_1``) or the average of the post-periods (``l = 1/T``).
Parallel trends says ``delta_post = 0``; RR bound ``delta`` instead by a set ``Delta``
informed by the pre-trends ``delta_pre`` and report confidence sets for ``theta`` that
are uniformly valid over ``delta in Delta`` (RR Section 2):

* relative magnitudes ``Delta^RM(Mbar)`` (RR Section 2): no post-period change
  ``|delta_{t+1} - delta_t|`` exceeds ``Mbar`` times the largest pre-period one. The set is
  a union over the location ``s`` and sign of the largest pre-period change of
  polyhedra ``{A delta <= 0}``; the confidence set is the union of the ARP conditional
  (``method="Conditional"``) or conditional least-favourable hybrid (``"C-LF"``, the
  default) test inversions over those pieces (RR Section 3; Andrews,
  Roth and Pakes 2023), computed on the grid HonestDiD uses,
  ``linspace(-20 sd_theta, 20 sd_theta, grid_points)``, ``sd_theta^2 = l' Sigma_post l``,
  centred at 0. Bounds are the smallest and largest accepted grid points, so they are
  exact to one grid step;
* smoothness ``Delta^SD(M)`` (RR Section 2): second differences of
  ``delta`` bounded by ``M`` (``M = 0``: linear trends). The confidence interval is the
  optimal fixed-length CI (FLCI, RR Section 3; Armstrong and Kolesar 2018); see
  :mod:`did._honest_flci`.

The *breakdown value* reported here is, as in the reference results, the smallest
``M`` / ``Mbar`` of the given grid whose robust confidence set contains 0 (None when
none does).

Numerics and reproducibility
----------------------------
* Linear programs: HiGHS dual simplex via ``scipy.optimize.linprog``, with optimal
  bases reused across the grid and the simulation draws (:mod:`did._honest_arp`).
  The truncation points of the conditional test are computed exactly (Newton steps on
  a piecewise-linear convex function) where HonestDiD bisects to a 1e-6 tolerance.
* C-LF's least-favourable critical value is simulated, as in HonestDiD, from
  ``lf_draws`` (1000) draws of ``N(0, A Sigma A')``; the draws are R's stream
  (Mersenne-Twister, inversion, ``set.seed(seed)``, ``mvtnorm::rmvnorm``'s eigen root;
  :mod:`did._rstream`) so the critical value equals R's for the same seed.
  Conditional uses no simulation.
* FLCI: the folded-normal quantile is computed exactly (HonestDiD simulates it with
  10^6 draws: its half lengths differ from the exact ones by up to a few 1e-5). The
  optimal affine estimator is found by ``scipy.optimize.minimize`` (SLSQP) on a smooth
  convex reformulation, polished by Newton steps with the exact Hessian and checked
  against the optimality conditions; no extra dependency. HonestDiD instead bisects
  on the standard deviation with numerical derivatives of a simulated objective and
  can stop short of the optimum (on mpdta by up to 3e-4 in the bounds at small M,
  with a longer interval than the one found here).
* One post-period: HonestDiD 0.2.6's C-LF code for a single post-period does not cap
  the second-stage truncation at the least-favourable critical value (its code with
  several post-periods does, as ARP's hybrid test prescribes); here both cases cap it.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy.linalg import null_space
from scipy.stats import norm

from did._honest_arp import DualPolytope, conditional_test, least_favorable_cv
from did._honest_flci import FLCIProblem, optimal_flci
from did._rstream import rmvnorm_r
from did.errors import DiDEstimationError, DiDInputError

if TYPE_CHECKING:
    from did.att_gt import ATTgtResults

Target = Literal["first", "average"]
_RESTRICTIONS = {"relative_magnitudes": "DeltaRM", "smoothness": "DeltaSD"}
_RM_METHODS = {"c-lf": "C-LF", "conditional": "Conditional"}
_REFERENCE_EVENT_TIME = -1


# --------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class EventStudyInputs:
    """Event-study coefficients and covariance in HonestDiD's layout.

    Attributes
    ----------
    betahat : ndarray (K + T,)
        Pre-period coefficients (event times before the reference period -1), then the
        post-period ones (event times 0, 1, ...). The reference period is left out.
    sigma : ndarray (K + T, K + T)
        Their covariance.
    event_times : ndarray (K + T,)
    num_pre_periods, num_post_periods : int
        ``K`` and ``T``.
    n_units : int
        Units behind the influence functions (0 when built from given arrays).
    """

    betahat: np.ndarray
    sigma: np.ndarray = field(repr=False)
    event_times: np.ndarray
    num_pre_periods: int
    num_post_periods: int
    n_units: int = 0

    def to_frame(self) -> pd.DataFrame:
        """``event_time, estimate, se`` (reference period left out)."""
        return pd.DataFrame(
            {
                "event_time": self.event_times,
                "estimate": self.betahat,
                "se": np.sqrt(np.diag(self.sigma)),
            }
        )


def event_study_inputs(
    res: "ATTgtResults", *, min_e: float = -np.inf, max_e: float = np.inf
) -> EventStudyInputs:
    """``betahat`` and ``sigma`` of a Callaway-Sant'Anna event study, as HonestDiD builds them.

    As ``HonestDiD::honest_did.AGGTEobj``: the dynamic aggregation (CS 2021 eq. 3.4) of a
    fit with a universal base period, ``sigma = Psi'Psi / n^2`` from the unit-level
    influence functions ``Psi`` of the event-time effects, and event time -1 (the
    reference period, 0 by construction) dropped from both.

    Parameters
    ----------
    res : ATTgtResults
        From :func:`did.att_gt` with ``base_period="universal"`` and no anticipation.
    min_e, max_e : float
        Event-time window of the aggregation (``aggte(min_e=, max_e=)``).

    Raises
    ------
    DiDInputError
        Varying base period, anticipation, gaps in the event times, or no pre- or
        post-period.
    """
    if res.base_period != "universal":
        raise DiDInputError(
            "sensitivity analysis (HonestDiD) needs event-study coefficients relative to one "
            f"reference period: refit att_gt with base_period='universal' (got {res.base_period!r})"
        )
    if res.anticipation:
        raise DiDInputError(
            "sensitivity analysis takes event time -1 as the reference period; it is not defined "
            f"with anticipation={res.anticipation} (refit with anticipation=0)"
        )
    agg = res.aggregate("dynamic", min_e=min_e, max_e=max_e)
    key = agg.elements["event_time"].to_numpy(dtype=float)
    att = agg.elements["att"].to_numpy(dtype=float)
    psi = agg.influence[:, 1:]  # column 0 is the overall effect
    n = psi.shape[0]
    pre_all, post_all = key[key <= _REFERENCE_EVENT_TIME], key[key >= _REFERENCE_EVENT_TIME]
    if np.any(np.diff(pre_all) != 1) or np.any(np.diff(post_all) != 1):
        raise DiDInputError(
            "sensitivity analysis needs consecutive event times around the reference period -1, "
            f"got {', '.join(f'{e:g}' for e in key)}"
        )
    if not np.any(key == _REFERENCE_EVENT_TIME):
        raise DiDInputError("the event study has no reference period (event time -1); widen min_e/max_e")
    keep = key != _REFERENCE_EVENT_TIME
    k = int(np.sum(key < _REFERENCE_EVENT_TIME))
    t = int(np.sum(key >= 0))
    if k == 0 or t == 0:
        raise DiDInputError(
            f"sensitivity analysis needs at least one pre-period before event time -1 and one "
            f"post-period; the event study has {k} and {t}"
        )
    if not np.all(np.isfinite(att[keep])):
        raise DiDEstimationError("some event-study coefficients are NaN")
    sigma = psi[:, keep].T @ psi[:, keep] / n**2
    return EventStudyInputs(
        betahat=att[keep], sigma=sigma, event_times=key[keep], num_pre_periods=k,
        num_post_periods=t, n_units=n,
    )


def target_vector(target: "Target | Sequence[float] | np.ndarray", num_post_periods: int) -> np.ndarray:
    """``l``: ``"first"`` = e_1 (HonestDiD's ``basisVector(1)``), ``"average"`` = 1/T, or given weights."""
    if isinstance(target, str):
        if target == "first":
            vec = np.zeros(num_post_periods)
            vec[0] = 1.0
            return vec
        if target == "average":
            return np.full(num_post_periods, 1.0 / num_post_periods)
        raise DiDInputError(f"target must be 'first', 'average' or a weight vector, got {target!r}")
    vec = np.asarray(target, dtype=float).ravel()
    if vec.shape[0] != num_post_periods or not np.all(np.isfinite(vec)) or not np.any(vec):
        raise DiDInputError(
            f"target weights must be {num_post_periods} finite numbers, not all 0 (one per post-period)"
        )
    return vec


def _check_inputs(betahat, sigma, num_pre: int, num_post: int) -> tuple[np.ndarray, np.ndarray]:
    b = np.asarray(betahat, dtype=float)
    s = np.asarray(sigma, dtype=float)
    if b.ndim != 1:
        raise DiDInputError(f"betahat must be a vector, got shape {b.shape}")
    if s.ndim != 2 or s.shape[0] != s.shape[1]:
        raise DiDInputError(f"sigma must be a square matrix, got shape {s.shape}")
    if s.shape[0] != b.shape[0]:
        raise DiDInputError(f"betahat ({b.shape[0]}) and sigma ({s.shape[0]} x {s.shape[1]}) do not conform")
    if int(num_pre) != num_pre or int(num_post) != num_post or num_pre < 1 or num_post < 1:
        raise DiDInputError(
            f"num_pre_periods and num_post_periods must be integers >= 1, got {num_pre} and {num_post}"
        )
    if num_pre + num_post != b.shape[0]:
        raise DiDInputError(
            f"betahat has {b.shape[0]} coefficients but num_pre_periods + num_post_periods = "
            f"{num_pre} + {num_post}"
        )
    if not (np.all(np.isfinite(b)) and np.all(np.isfinite(s))):
        raise DiDInputError("betahat and sigma must be finite (no NaN or inf)")
    scale = max(np.abs(s).max(), np.finfo(float).tiny)
    if np.abs(s - s.T).max() > 1e-8 * scale:
        raise DiDInputError("sigma is not symmetric")
    if np.linalg.eigvalsh(0.5 * (s + s.T)).min() < -1e-10 * scale:
        raise DiDInputError("sigma is not positive semi-definite")
    return b, 0.5 * (s + s.T)


def _check_grid(values, name: str) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(values, dtype=float))
    if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise DiDInputError(f"{name} must be one or more finite values >= 0, got {values!r}")
    return arr


def _check_alpha(alpha: float) -> float:
    if not 0 < alpha < 1:
        raise DiDInputError(f"alpha must be in (0, 1), got {alpha}")
    return float(alpha)


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class SensitivityResults:
    """Robust confidence sets for ``theta = l'tau_post`` over a grid of ``M`` or ``Mbar``.

    Attributes
    ----------
    restriction : str
        ``"relative_magnitudes"`` (``Delta^RM(Mbar)``) or ``"smoothness"`` (``Delta^SD(M)``).
    method : str
        ``"C-LF"``, ``"Conditional"`` or ``"FLCI"``.
    target : str
        ``"first"``, ``"average"`` or ``"custom"``; ``l_vec`` holds the weights.
    estimate, se : float
        ``l'betahat_post`` and its standard error.
    original : tuple of float
        The usual interval under parallel trends, ``estimate -+ z_{1-alpha/2} se``
        (HonestDiD's ``constructOriginalCS``).
    robust : DataFrame
        One row per grid value: ``m, lb, ub, method`` (and for relative magnitudes
        ``lb_at_grid_edge, ub_at_grid_edge``: the bound is the grid's end, so the
        true bound lies beyond it; for smoothness ``center, sd, max_bias,
        half_length`` of the optimal affine estimator).
    breakdown : float or None
        Smallest grid value whose robust set contains 0.
    grid : dict or None
        Relative magnitudes: ``grid_lb, grid_ub, grid_points, step`` of the test grid.
    flci_weights : ndarray or None
        Smoothness: the estimator's weights on all of betahat, one row per ``m``.
    """

    restriction: str
    method: str
    target: str
    l_vec: np.ndarray
    estimate: float
    se: float
    original: tuple[float, float]
    robust: pd.DataFrame
    breakdown: float | None
    alpha: float
    num_pre_periods: int
    num_post_periods: int
    grid: dict | None = None
    flci_weights: np.ndarray | None = field(default=None, repr=False)

    @property
    def parameter(self) -> str:
        """``"Mbar"`` (relative magnitudes) or ``"M"`` (smoothness)."""
        return "Mbar" if self.restriction == "relative_magnitudes" else "M"

    def to_frame(self) -> pd.DataFrame:
        """``m, lb, ub, method, delta``: the original interval (``m`` NaN) then the robust sets."""
        orig = pd.DataFrame(
            {"m": [np.nan], "lb": [self.original[0]], "ub": [self.original[1]],
             "method": ["Original"], "delta": [None]}
        )
        rob = self.robust[["m", "lb", "ub", "method"]].assign(delta=_RESTRICTIONS[self.restriction])
        return pd.concat([orig, rob], ignore_index=True)

    def to_dict(self) -> dict:
        """``{"original": {"lb", "ub"}, "robust": [{"m", "lb", "ub", "method"}], "breakdown": m}``."""

        def num(v: float) -> float | None:
            return float(v) if np.isfinite(v) else None

        return {
            "original": {"lb": num(self.original[0]), "ub": num(self.original[1])},
            "robust": [
                {"m": float(r.m), "lb": num(r.lb), "ub": num(r.ub), "method": r.method}
                for r in self.robust.itertuples()
            ],
            "breakdown": None if self.breakdown is None else float(self.breakdown),
        }

    def summary(self) -> str:
        """Text table: target, original interval, robust sets and breakdown value."""
        name = {"relative_magnitudes": "relative magnitudes, Delta^RM(Mbar)",
                "smoothness": "smoothness, Delta^SD(M)"}[self.restriction]
        level = int(round((1 - self.alpha) * 100))
        target = {"first": "first post-period effect (e = 0)",
                  "average": f"average of the {self.num_post_periods} post-period effects"}.get(
            self.target, f"l'tau_post, l = {np.array2string(self.l_vec, precision=4)}")
        table = self.robust[["m", "lb", "ub", "method"]].rename(columns={"m": self.parameter})
        table[self.parameter] = table[self.parameter].map(lambda v: f"{v:g}")
        lines = [
            f"Sensitivity to violations of parallel trends (Rambachan & Roth 2023): {name}",
            f"target: {target}; {self.num_pre_periods} pre-periods, {self.num_post_periods} post-periods",
            f"estimate {self.estimate:.6f} (SE {self.se:.6f}); original {level}% CI "
            f"[{self.original[0]:.6f}, {self.original[1]:.6f}]",
            "",
            table.to_string(index=False, float_format=lambda v: f"{v:.6f}"),
            "",
            f"breakdown {self.parameter} (smallest value whose {level}% robust set contains 0): "
            + ("none in the grid" if self.breakdown is None else f"{self.breakdown:g}"),
        ]
        if self.grid is not None:
            lines.append(
                f"test inversion on {self.grid['grid_points']} points of "
                f"[{self.grid['grid_lb']:.6f}, {self.grid['grid_ub']:.6f}] (step {self.grid['step']:.6f})"
            )
            edge = self.robust["lb_at_grid_edge"] | self.robust["ub_at_grid_edge"]
            if edge.any():
                lines.append("some sets reach the end of the grid: the true bound lies beyond it")
        return "\n".join(lines)


def _breakdown(table: pd.DataFrame) -> float | None:
    inc = (table["lb"] <= 0) & (table["ub"] >= 0)
    return float(table.loc[inc, "m"].min()) if inc.any() else None


def _target_label(target) -> str:
    return target if isinstance(target, str) else "custom"


def original_ci(
    betahat, sigma, num_pre_periods: int, num_post_periods: int, *,
    target: "Target | Sequence[float]" = "first", alpha: float = 0.05,
) -> tuple[float, float]:
    """Confidence interval for ``l'tau_post`` under parallel trends (HonestDiD ``constructOriginalCS``)."""
    b, s = _check_inputs(betahat, sigma, num_pre_periods, num_post_periods)
    lv = target_vector(target, num_post_periods)
    est, se = _estimate(b, s, num_pre_periods, lv)
    crit = norm.ppf(1 - _check_alpha(alpha) / 2)
    return est - crit * se, est + crit * se


def _estimate(b: np.ndarray, s: np.ndarray, k: int, lv: np.ndarray) -> tuple[float, float]:
    return float(lv @ b[k:]), float(np.sqrt(lv @ s[k:, k:] @ lv))


# --------------------------------------------------------------------------- Delta^RM
def _rm_moments(k: int, t: int, mbar: float, s: int, positive: bool) -> np.ndarray:
    """Rows ``A`` of ``Delta^RM_{s,sign}(Mbar) = {A delta <= 0}`` that involve post-periods.

    Periods ``-K..T`` (``delta_0 = 0``). With ``D`` the first differences
    ``delta_{r+1} - delta_r`` and ``v = +-(delta_s - delta_{s-1})`` the largest
    pre-period change: ``|D_r delta| <= v`` for pre-period changes and
    ``|D_r delta| <= Mbar v`` for post-period ones, i.e. rows ``D - U`` and ``-D - U``.
    Rows that vanish are dropped, then the column of period 0 and the rows that only
    involve pre-periods (they do not restrict ``theta``; HonestDiD's
    ``postPeriodMomentsOnly``). Row order follows HonestDiD's, which matters only for
    reproducing its simulation draws.
    """
    n_periods = k + t + 1
    d = np.zeros((k + t, n_periods))
    idx = np.arange(k + t)
    d[idx, idx] = -1.0
    d[idx, idx + 1] = 1.0
    v = np.zeros(n_periods)
    v[k + s - 1], v[k + s] = -1.0, 1.0
    if not positive:
        v = -v
    u = np.vstack([np.tile(v, (k, 1)), np.tile(mbar * v, (t, 1))])
    a = np.vstack([d - u, -d - u])
    a = a[np.einsum("ij,ij->i", a, a) > 1e-10]
    a = np.delete(a, k, axis=1)
    return a[np.any(a[:, k:] != 0, axis=1)]


def _rm_accept(b, s, k, t, lv, mbar, grid, method, alpha, lf_draws, seed) -> np.ndarray:
    """Grid points accepted by the union over ``(s, sign)`` of the ARP tests."""
    kappa = alpha / 10.0
    u = lv / (lv @ lv)  # tau_post = u theta + N tau_tilde, l'u = 1, l'N = 0
    null = null_space(lv[None, :])
    accept = np.zeros(grid.shape[0], dtype=bool)
    for s_loc in range(-(k - 1), 1):
        for positive in (True, False):
            todo = np.flatnonzero(~accept)  # the union needs one acceptance per point
            if todo.size == 0:
                return accept
            a = _rm_moments(k, t, mbar, s_loc, positive)
            y0 = a @ b
            sig_y = a @ s @ a.T
            sd = np.sqrt(np.clip(np.diag(sig_y), 0.0, None))
            poly = DualPolytope(sd, a[:, k:] @ null)
            cv = None
            if method == "C-LF":
                draws = rmvnorm_r(lf_draws, sig_y, seed)
                cv = least_favorable_cv(poly, draws, kappa)
            y = y0[None, :] - grid[todo, None] * (a[:, k:] @ u)[None, :]
            rej = conditional_test(poly, y, sig_y, alpha, lf_cv=cv, kappa=kappa)
            accept[todo[~rej]] = True
    return accept


def relative_magnitudes(
    betahat, sigma, num_pre_periods: int, num_post_periods: int, mbar: Sequence[float], *,
    target: "Target | Sequence[float]" = "first", method: str = "C-LF", alpha: float = 0.05,
    grid_points: int = 100, grid_bounds: tuple[float, float] | None = None,
    lf_draws: int = 1000, seed: int = 0,
) -> SensitivityResults:
    """Robust confidence sets under relative-magnitude bounds ``Delta^RM(Mbar)`` (Rambachan-Roth).

    HonestDiD's ``createSensitivityResults_relativeMagnitudes``.

    Parameters
    ----------
    betahat, sigma : array-like
        Event-study coefficients (pre-periods first, reference period left out) and
        their covariance.
    num_pre_periods, num_post_periods : int
    mbar : sequence of float
        Values of ``Mbar >= 0``.
    target : {"first", "average"} or weights
        ``theta = l'tau_post``.
    method : {"C-LF", "Conditional"}
        Conditional least-favourable hybrid (default, HonestDiD's) or conditional test.
    alpha : float
        1 - coverage; the hybrid's first stage has size ``alpha / 10``.
    grid_points : int
        Points of the test-inversion grid (100, as ``honest_did.AGGTEobj`` passes).
    grid_bounds : (float, float), optional
        Ends of the grid; default ``-+20 sqrt(l' Sigma_post l)``.
    lf_draws, seed : int
        Simulation draws for C-LF's least-favourable critical value and the seed of
        R's stream (``set.seed(seed)``).

    Returns
    -------
    SensitivityResults
    """
    b, s = _check_inputs(betahat, sigma, num_pre_periods, num_post_periods)
    k, t = int(num_pre_periods), int(num_post_periods)
    alpha = _check_alpha(alpha)
    mvals = _check_grid(mbar, "mbar")
    lv = target_vector(target, t)
    meth = _RM_METHODS.get(str(method).lower())
    if meth is None:
        raise DiDInputError(f"method for relative magnitudes must be 'C-LF' or 'Conditional', got {method!r}")
    if int(grid_points) != grid_points or grid_points < 2:
        raise DiDInputError(f"grid_points must be an integer >= 2, got {grid_points}")
    if int(lf_draws) != lf_draws or lf_draws < 10:
        raise DiDInputError(f"lf_draws must be an integer >= 10, got {lf_draws}")
    est, se = _estimate(b, s, k, lv)
    if not se > 0:
        raise DiDInputError("the target has zero variance (l' sigma_post l = 0)")
    lo, hi = (-20.0 * se, 20.0 * se) if grid_bounds is None else map(float, grid_bounds)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise DiDInputError(f"grid_bounds must be two finite numbers, lower < upper, got {grid_bounds!r}")
    grid = np.linspace(lo, hi, int(grid_points))
    step = (hi - lo) / (int(grid_points) - 1)
    rows = []
    for mb in mvals:
        acc = _rm_accept(b, s, k, t, lv, float(mb), grid, meth, alpha, int(lf_draws), seed)
        if acc.any():
            lb, ub = float(grid[acc].min()), float(grid[acc].max())
        else:
            lb = ub = np.nan
            warnings.warn(f"Mbar = {mb:g}: no grid point accepted; the robust set is empty on the grid",
                          stacklevel=2)
        rows.append({"m": float(mb), "lb": lb, "ub": ub, "method": meth,
                     "lb_at_grid_edge": bool(acc[0]), "ub_at_grid_edge": bool(acc[-1])})
    table = pd.DataFrame(rows)
    if (table["lb_at_grid_edge"] | table["ub_at_grid_edge"]).any():
        warnings.warn("the robust set reaches the end of the test grid for some Mbar; its true bound "
                      "lies beyond (widen grid_bounds)", stacklevel=2)
    crit = norm.ppf(1 - alpha / 2)
    return SensitivityResults(
        restriction="relative_magnitudes", method=meth, target=_target_label(target), l_vec=lv,
        estimate=est, se=se, original=(est - crit * se, est + crit * se), robust=table,
        breakdown=_breakdown(table), alpha=alpha, num_pre_periods=k, num_post_periods=t,
        grid={"grid_lb": float(lo), "grid_ub": float(hi), "grid_points": int(grid_points), "step": step},
    )


# --------------------------------------------------------------------------- Delta^SD
def smoothness(
    betahat, sigma, num_pre_periods: int, num_post_periods: int, m: Sequence[float], *,
    target: "Target | Sequence[float]" = "first", alpha: float = 0.05,
) -> SensitivityResults:
    """Optimal fixed-length confidence intervals under smoothness bounds ``Delta^SD(M)``.

    HonestDiD's ``createSensitivityResults`` with its default method, FLCI (RR Section
    3): the interval ``v'betahat -+ sigma_v cv_alpha(bias_M(v) / sigma_v)``
    of the affine estimator with the shortest such interval. See :mod:`did._honest_flci`
    for the formulation and solver (scipy SLSQP plus an exact Newton polish; exact
    folded-normal quantile).

    Parameters
    ----------
    betahat, sigma, num_pre_periods, num_post_periods
        As :func:`relative_magnitudes`.
    m : sequence of float
        Values of ``M >= 0`` (``M = 0``: deviations from parallel trends are linear).
    target : {"first", "average"} or weights
    alpha : float

    Returns
    -------
    SensitivityResults
        ``robust`` also holds ``center, sd, max_bias, half_length``; ``flci_weights``
        the estimator's weights on betahat.
    """
    b, s = _check_inputs(betahat, sigma, num_pre_periods, num_post_periods)
    k, t = int(num_pre_periods), int(num_post_periods)
    alpha = _check_alpha(alpha)
    mvals = _check_grid(m, "m")
    lv = target_vector(target, t)
    est, se = _estimate(b, s, k, lv)
    problem = FLCIProblem.build(s, k, t, lv)
    rows, weights = [], []
    for mv in mvals:
        fl = optimal_flci(s, b, k, t, lv, float(mv), alpha, problem=problem)
        if not fl.converged:
            warnings.warn(f"M = {mv:g}: the FLCI optimisation did not meet its optimality check",
                          stacklevel=2)
        rows.append({"m": float(mv), "lb": fl.center - fl.half_length, "ub": fl.center + fl.half_length,
                     "method": "FLCI", "center": fl.center, "sd": fl.sd, "max_bias": fl.max_bias,
                     "half_length": fl.half_length})
        weights.append(fl.weights)
    table = pd.DataFrame(rows)
    crit = norm.ppf(1 - alpha / 2)
    return SensitivityResults(
        restriction="smoothness", method="FLCI", target=_target_label(target), l_vec=lv,
        estimate=est, se=se, original=(est - crit * se, est + crit * se), robust=table,
        breakdown=_breakdown(table), alpha=alpha, num_pre_periods=k, num_post_periods=t,
        flci_weights=np.vstack(weights),
    )


# --------------------------------------------------------------------------- front door
def honest_did(
    res: "ATTgtResults | EventStudyInputs", *,
    restriction: Literal["relative_magnitudes", "smoothness"], grid: Sequence[float],
    target: "Target | Sequence[float]" = "first", min_e: float = -np.inf, max_e: float = np.inf,
    **kwargs,
) -> SensitivityResults:
    """Sensitivity analysis of a Callaway-Sant'Anna event study (``honest_did.AGGTEobj``).

    Parameters
    ----------
    res : ATTgtResults or EventStudyInputs
        A fit with ``base_period="universal"`` (see :func:`event_study_inputs`).
    restriction : {"relative_magnitudes", "smoothness"}
    grid : sequence of float
        ``Mbar`` or ``M`` values.
    target : {"first", "average"} or weights
    min_e, max_e : float
        Event-time window of the dynamic aggregation.
    **kwargs
        Passed to :func:`relative_magnitudes` or :func:`smoothness`.
    """
    inputs = res if isinstance(res, EventStudyInputs) else event_study_inputs(res, min_e=min_e, max_e=max_e)
    args = (inputs.betahat, inputs.sigma, inputs.num_pre_periods, inputs.num_post_periods, grid)
    if restriction == "relative_magnitudes":
        return relative_magnitudes(*args, target=target, **kwargs)
    if restriction == "smoothness":
        return smoothness(*args, target=target, **kwargs)
    raise DiDInputError(f"restriction must be 'relative_magnitudes' or 'smoothness', got {restriction!r}")
