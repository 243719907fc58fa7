"""Two-group, two-period DiD estimators for panel data with their influence functions.

These are the building blocks of ATT(g,t): each cell of Callaway and Sant'Anna (2021)
is one 2x2 comparison of the change in outcome of group g against a comparison group.
Cells that share their sample (same treated group, comparison units and covariates,
e.g. every period of a cohort against the never treated) differ only in the outcome
change, so each estimator takes a matrix of outcome changes, one column per cell, and
fits the propensity score and the regression design once.

References
----------
Sant'Anna, P. H. C. and Zhao, J. (2020). "Doubly robust difference-in-differences
estimators." Journal of Econometrics 219(1), 101-122. Eq. (3.1) (locally efficient DR
panel estimator), eq. (2.2) (outcome regression, Heckman-Ichimura-Todd) and the
standardised (Hajek) IPW estimator of Abadie (2005), eq. (2.4). The influence functions
follow the asymptotic linear representations of their Theorem 3.1 and the reference
implementation in R ``DRDID`` 1.2.3 (``drdid_panel``, ``std_ipw_did_panel``,
``reg_did_panel``), including its propensity-score cap (1 - 1e-6) and the trimming of
comparison units with scores of 0.995 or more.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from did._linalg import weighted_logit
from did.errors import DiDEstimationError

_PS_CAP = 1.0 - 1e-6
_TRIM_LEVEL = 0.995


@dataclass(frozen=True)
class TwoByTwo:
    """ATTs of 2x2 comparisons on one sample and their influence functions.

    ``att`` has one entry per outcome-change column, ``influence`` is (n, columns).
    """

    att: np.ndarray
    influence: np.ndarray


def _thin(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for a tall (n, k) ``a`` with few columns, as k broadcast passes.

    Multithreaded BLAS handles such thin products poorly (thread start-up dominates
    and, on a busy machine, can cost 10x); k axpy-like passes do not depend on it.
    """
    out = a[:, 0, None] * b[0]
    for j in range(1, a.shape[1]):
        out += a[:, j, None] * b[j]
    return out


def _wsum(w: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``w @ a`` (weighted column sums of a tall matrix) without a BLAS gemv."""
    return np.einsum("i,ij->j", w, a)


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a.T @ b`` for tall matrices with few columns."""
    return np.einsum("ij,ik->jk", a, b)


def _as_matrix(dy: np.ndarray) -> np.ndarray:
    return dy[:, None] if dy.ndim == 1 else dy


def _ps_parts(x: np.ndarray, d: np.ndarray, w: np.ndarray, ps: np.ndarray | None):
    """Capped propensity score, trimming indicator and the logit's linear representation."""
    n = d.shape[0]
    if ps is None:
        ps = weighted_logit(x, d, w)
    ps = np.minimum(ps, _PS_CAP)
    keep = np.where(d == 1, ps < 1.01, ps < _TRIM_LEVEL).astype(float)
    info = _cross(x * (ps * (1.0 - ps) * w)[:, None], x)
    try:
        chol = np.linalg.cholesky(info)
    except np.linalg.LinAlgError as exc:
        raise DiDEstimationError("propensity-score information matrix is singular") from exc
    chol_inv = np.linalg.inv(chol)
    inv_info = chol_inv.T @ chol_inv
    score = x * (w * (d - ps))[:, None]
    return ps, keep, _thin(score, inv_info * n)


def _ols_parts(x: np.ndarray, dy: np.ndarray, d: np.ndarray, w: np.ndarray):
    """Comparison-group regression of each column of ``dy`` on ``x``.

    Returns the residuals ``dy - x b`` (n, m) for all units, the OLS weights w(1-D) and
    the inverse of the scaled design ``X'W(1-D)X / n`` entering the linear
    representation ``(w(1-D) e x_i)' (X'W(1-D)X/n)^-1`` of the coefficients.
    """
    n = d.shape[0]
    w_ols = w * (1.0 - d)
    xw = x * w_ols[:, None]
    xpx = _cross(xw, x) / n
    if 1.0 / np.linalg.cond(xpx, 1) < np.finfo(float).eps:
        raise DiDEstimationError("the outcome-regression design matrix is singular")
    xpx_inv = np.linalg.inv(xpx)
    beta = np.linalg.solve(xpx, _cross(xw, dy) / n)
    return dy - _thin(x, beta), w_ols, xpx_inv


# The influence functions below are the DRDID ones rearranged as
#   psi = e * c + L @ M,
# with e the (n, m) residuals or outcome changes, c an (n,) vector and L @ M a thin
# matrix product, so that each (n, m) block is touched a few times only (the cohorts of
# a 200,000-firm panel have about 200,000 rows each).


def dr_panel(
    dy: np.ndarray, d: np.ndarray, x: np.ndarray, w: np.ndarray, ps: np.ndarray | None = None
) -> TwoByTwo:
    """Locally efficient doubly robust DiD (Sant'Anna and Zhao 2020, eq. 3.1, panel).

    Parameters
    ----------
    dy : (n,) or (n, m) array
        Outcome change(s) of each unit between base and current period.
    d : (n,) array
        1 for the treated group, 0 for comparison units.
    x : (n, k) array
        Covariates including the constant.
    w : (n,) array
        Sampling weights (normalised to mean one here).
    ps : (n,) array, optional
        Already fitted propensity scores for this sample.
    """
    dy = _as_matrix(dy)
    n = d.shape[0]
    w = w / w.mean()
    ps, keep, lin_ps = _ps_parts(x, d, w, ps)
    resid, w_ols, xpx_inv = _ols_parts(x, dy, d, w)
    w_treat = keep * w * d
    w_cont = keep * w * ps * (1.0 - d) / (1.0 - ps)
    m_treat, m_cont = w_treat.mean(), w_cont.mean()
    eta_treat = _wsum(w_treat, resid) / n / m_treat
    eta_cont = _wsum(w_cont, resid) / n / m_cont
    # estimation effect of the OLS coefficients: w(1-D) e_i * x_i' XpX^-1 M
    h_treat = np.einsum("ij,j->i", x, xpx_inv @ _wsum(w_treat, x) / n)
    h_cont = np.einsum("ij,j->i", x, xpx_inv @ _wsum(w_cont, x) / n)
    coef = w_treat / m_treat - w_cont / m_cont - w_ols * (h_treat / m_treat - h_cont / m_cont)
    # estimation effect of the propensity score: lin_ps @ M2 with
    # M2 = mean(w_cont (e - eta_cont) x)
    m2 = (_cross(x * w_cont[:, None], resid) - np.outer(_wsum(w_cont, x), eta_cont)) / n
    lead = np.column_stack([w_treat / m_treat, w_cont / m_cont, lin_ps])
    mix = np.vstack([-eta_treat, eta_cont, -m2 / m_cont])
    return TwoByTwo(eta_treat - eta_cont, resid * coef[:, None] + _thin(lead, mix))


def ipw_panel(
    dy: np.ndarray, d: np.ndarray, x: np.ndarray, w: np.ndarray, ps: np.ndarray | None = None
) -> TwoByTwo:
    """Standardised (Hajek) inverse-probability-weighted DiD (Abadie 2005), panel."""
    dy = _as_matrix(dy)
    n = d.shape[0]
    w = w / w.mean()
    ps, keep, lin_ps = _ps_parts(x, d, w, ps)
    w_treat = keep * w * d
    w_cont = keep * w * ps * (1.0 - d) / (1.0 - ps)
    m_treat, m_cont = w_treat.mean(), w_cont.mean()
    eta_treat = _wsum(w_treat, dy) / n / m_treat
    eta_cont = _wsum(w_cont, dy) / n / m_cont
    coef = w_treat / m_treat - w_cont / m_cont
    m2 = (_cross(x * w_cont[:, None], dy) - np.outer(_wsum(w_cont, x), eta_cont)) / n
    lead = np.column_stack([w_treat / m_treat, w_cont / m_cont, lin_ps])
    mix = np.vstack([-eta_treat, eta_cont, -m2 / m_cont])
    return TwoByTwo(eta_treat - eta_cont, dy * coef[:, None] + _thin(lead, mix))


def reg_panel(
    dy: np.ndarray, d: np.ndarray, x: np.ndarray, w: np.ndarray, ps: np.ndarray | None = None
) -> TwoByTwo:
    """Outcome-regression DiD (Heckman, Ichimura and Todd 1997; SZ 2020 eq. 2.2), panel."""
    del ps  # the outcome-regression estimator has no propensity score
    dy = _as_matrix(dy)
    n = d.shape[0]
    w = w / w.mean()
    resid, w_ols, xpx_inv = _ols_parts(x, dy, d, w)
    w_treat = w * d
    m_treat = w_treat.mean()
    # ATT = mean_treated(dy) - mean_treated(fitted) = mean_treated(resid)
    att = _wsum(w_treat, resid) / n / m_treat
    h_treat = np.einsum("ij,j->i", x, xpx_inv @ _wsum(w_treat, x) / n)
    coef = (w_treat - w_ols * h_treat) / m_treat
    return TwoByTwo(att, resid * coef[:, None] - np.outer(w_treat / m_treat, att))


PANEL_ESTIMATORS = {"dr": dr_panel, "ipw": ipw_panel, "reg": reg_panel}
