"""Two-group, two-period DiD estimators for panel data with their influence functions.

These are the building blocks of ATT(g,t): each cell of Callaway and Sant'Anna (2021)
is one 2x2 comparison of the change in outcome of group g against a comparison group.

References
----------
Sant'Anna, P. H. C. and Zhao, J. (2020). "Doubly robust difference-in-differences
estimators." Journal of Econometrics 219(1), 101-122. Eq. (3.1) (improved/traditional
DR panel estimator), eq. (2.2) (outcome regression, Heckman-Ichimura-Todd) and the
standardised (Hajek) IPW estimator of Abadie (2005), eq. (2.4). The influence functions
follow the asymptotic linear representations of their Theorem 3.1 and the reference
implementation in R ``DRDID`` 1.2.3 (``drdid_panel``, ``std_ipw_did_panel``,
``reg_did_panel``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from did._linalg import weighted_logit, weighted_ols
from did.errors import DiDEstimationError

# DRDID caps fitted propensity scores to avoid division by zero, and drops comparison
# units whose score exceeds the trimming level (R default trim.level = 0.995).
_PS_CAP = 1.0 - 1e-6
_TRIM_LEVEL = 0.995


@dataclass(frozen=True)
class TwoByTwo:
    """ATT of one 2x2 comparison and its influence function (one value per unit)."""

    att: float
    influence: np.ndarray


def _normalised(w: np.ndarray) -> np.ndarray:
    return w / w.mean()


def _ps_parts(x: np.ndarray, d: np.ndarray, w: np.ndarray, ps: np.ndarray | None):
    """Fitted (capped) propensity score, trimming indicator and logit linear rep."""
    n = d.shape[0]
    if ps is None:
        ps = weighted_logit(x, d, w)
    ps = np.minimum(ps, _PS_CAP)
    keep = np.where(d == 1, ps < 1.01, ps < _TRIM_LEVEL)
    hess_w = ps * (1.0 - ps) * w
    info = (x * hess_w[:, None]).T @ x
    try:
        chol = np.linalg.cholesky(info)
    except np.linalg.LinAlgError as exc:
        raise DiDEstimationError("propensity-score information matrix is singular") from exc
    inv_info = np.linalg.inv(chol).T @ np.linalg.inv(chol)
    score = x * (w * (d - ps))[:, None]
    return ps, keep.astype(float), score @ (inv_info * n)


def _ols_parts(x: np.ndarray, dy: np.ndarray, d: np.ndarray, w: np.ndarray):
    """Fitted outcome change from the comparison-group regression and its linear rep."""
    n = d.shape[0]
    ctrl = d == 0
    beta = weighted_ols(x[ctrl], dy[ctrl], w[ctrl])
    fitted = x @ beta
    w_ols = w * (1.0 - d)
    xpx = (x * w_ols[:, None]).T @ x / n
    if 1.0 / np.linalg.cond(xpx, 1) < np.finfo(float).eps:
        raise DiDEstimationError("the outcome-regression design matrix is singular")
    lin_rep = (x * (w_ols * (dy - fitted))[:, None]) @ np.linalg.inv(xpx)
    return fitted, lin_rep


def dr_panel(
    dy: np.ndarray, d: np.ndarray, x: np.ndarray, w: np.ndarray, ps: np.ndarray | None = None
) -> TwoByTwo:
    """Locally efficient doubly robust DiD (Sant'Anna and Zhao 2020, eq. 3.1, panel).

    ``dy`` is the outcome change, ``d`` the 0/1 treatment-group indicator, ``x`` the
    covariate matrix including the constant, ``w`` sampling weights; ``ps`` optionally
    supplies already fitted propensity scores for this sample.
    """
    w = _normalised(w)
    ps, keep, lin_ps = _ps_parts(x, d, w, ps)
    fitted, lin_ols = _ols_parts(x, dy, d, w)
    resid = dy - fitted
    w_treat = keep * w * d
    w_cont = keep * w * ps * (1.0 - d) / (1.0 - ps)
    m_treat, m_cont = w_treat.mean(), w_cont.mean()
    eta_treat = np.mean(w_treat * resid) / m_treat
    eta_cont = np.mean(w_cont * resid) / m_cont
    inf_treat = (
        w_treat * (resid - eta_treat) - lin_ols @ (w_treat @ x / d.shape[0])
    ) / m_treat
    m2 = (w_cont * (resid - eta_cont)) @ x / d.shape[0]
    m3 = w_cont @ x / d.shape[0]
    inf_cont = (w_cont * (resid - eta_cont) + lin_ps @ m2 - lin_ols @ m3) / m_cont
    return TwoByTwo(eta_treat - eta_cont, inf_treat - inf_cont)


def ipw_panel(
    dy: np.ndarray, d: np.ndarray, x: np.ndarray, w: np.ndarray, ps: np.ndarray | None = None
) -> TwoByTwo:
    """Standardised (Hajek) inverse-probability-weighted DiD (Abadie 2005), panel."""
    w = _normalised(w)
    ps, keep, lin_ps = _ps_parts(x, d, w, ps)
    w_treat = keep * w * d
    w_cont = keep * w * ps * (1.0 - d) / (1.0 - ps)
    m_treat, m_cont = w_treat.mean(), w_cont.mean()
    eta_treat = np.mean(w_treat * dy) / m_treat
    eta_cont = np.mean(w_cont * dy) / m_cont
    inf_treat = w_treat * (dy - eta_treat) / m_treat
    m2 = (w_cont * (dy - eta_cont)) @ x / d.shape[0]
    inf_cont = (w_cont * (dy - eta_cont) + lin_ps @ m2) / m_cont
    return TwoByTwo(eta_treat - eta_cont, inf_treat - inf_cont)


def reg_panel(
    dy: np.ndarray, d: np.ndarray, x: np.ndarray, w: np.ndarray, ps: np.ndarray | None = None
) -> TwoByTwo:
    """Outcome-regression DiD (Heckman, Ichimura and Todd 1997; SZ 2020 eq. 2.2), panel."""
    del ps  # the outcome-regression estimator has no propensity score
    w = _normalised(w)
    fitted, lin_ols = _ols_parts(x, dy, d, w)
    w_treat = w * d
    m_treat = w_treat.mean()
    eta_treat = np.mean(w_treat * dy) / m_treat
    eta_cont = np.mean(w_treat * fitted) / m_treat
    inf_treat = w_treat * (dy - eta_treat) / m_treat
    inf_cont = (w_treat * (fitted - eta_cont) + lin_ols @ (w_treat @ x / d.shape[0])) / m_treat
    return TwoByTwo(eta_treat - eta_cont, inf_treat - inf_cont)


PANEL_ESTIMATORS = {"dr": dr_panel, "ipw": ipw_panel, "reg": reg_panel}
