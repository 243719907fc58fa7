"""Two-period DiD estimators on pooled observations (repeated cross sections).

R ``did`` with ``allow_unbalanced_panel = TRUE`` computes each ATT(g,t) of an
unbalanced panel from all observations of the two periods, treated as repeated cross
sections, and sums the influence function over each unit's observations. These are the
estimators it calls, with their influence functions (one value per observation).

References
----------
Sant'Anna, P. H. C. and Zhao, J. (2020). "Doubly robust difference-in-differences
estimators." Journal of Econometrics 219(1), 101-122: the locally efficient DR
estimator for repeated cross sections, eq. (3.4) (R ``DRDID::drdid_rc``), the
standardised IPW estimator (``std_ipw_did_rc``) and the outcome-regression estimator
(``reg_did_rc``), DRDID 1.2.3, including its score cap and trimming.
"""

from __future__ import annotations

import numpy as np

from did._linalg import weighted_logit
from did.errors import DiDEstimationError
from did.two_by_two import TwoByTwo, _ps_parts, _thin


def _mv(a: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``a @ v`` for a tall thin ``a`` (einsum: no multithreaded BLAS call)."""
    return np.einsum("ij,j->i", a, v)


def _ols_rep(x: np.ndarray, y: np.ndarray, w_sub: np.ndarray, what: str):
    """Fitted values for all rows from a weighted OLS on the rows with ``w_sub > 0``.

    Also returns the linear representation ``(w e x_i)' (X'WX/n)^-1`` (n, k).
    """
    n = y.shape[0]
    xw = x * w_sub[:, None]
    xpx = np.einsum("ij,ik->jk", xw, x) / n
    if not np.any(w_sub > 0) or 1.0 / np.linalg.cond(xpx, 1) < np.finfo(float).eps:
        raise DiDEstimationError(f"the outcome regression for {what} is singular")
    xpx_inv = np.linalg.inv(xpx)
    beta = xpx_inv @ (np.einsum("ij,i->j", xw, y) / n)
    fitted = np.einsum("ij,j->i", x, beta)
    return fitted, _thin(x * (w_sub * (y - fitted))[:, None], xpx_inv)


def _lead(weight: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, float, float]:
    """``eta = weight * values / mean(weight)``, its mean, and the centred leading IF term."""
    m = weight.mean()
    eta = weight * values / m
    att = eta.mean()
    return eta - weight * att / m, att, m


def drdid_rc(
    y: np.ndarray, post: np.ndarray, d: np.ndarray, x: np.ndarray, w: np.ndarray
) -> TwoByTwo:
    """Locally efficient doubly robust DiD for pooled cross sections (SZ 2020, eq. 3.4)."""
    n = d.shape[0]
    w = w / w.mean()
    ps, keep, lin_ps = _ps_parts(x, d, w, weighted_logit(x, d, w))
    out_c_pre, lin_c_pre = _ols_rep(x, y, w * (1 - d) * (1 - post), "comparison units before")
    out_c_post, lin_c_post = _ols_rep(x, y, w * (1 - d) * post, "comparison units after")
    out_t_pre, lin_t_pre = _ols_rep(x, y, w * d * (1 - post), "the treated group before")
    out_t_post, lin_t_post = _ols_rep(x, y, w * d * post, "the treated group after")
    out_c = post * out_c_post + (1 - post) * out_c_pre
    odds = ps / (1 - ps)
    w_t_pre = keep * w * d * (1 - post)
    w_t_post = keep * w * d * post
    w_c_pre = keep * w * odds * (1 - d) * (1 - post)
    w_c_post = keep * w * odds * (1 - d) * post
    w_d = keep * w * d
    w_dt1 = keep * w * d * post
    w_dt0 = keep * w * d * (1 - post)

    inf_t_pre, att_t_pre, m_t_pre = _lead(w_t_pre, y - out_c)
    inf_t_post, att_t_post, m_t_post = _lead(w_t_post, y - out_c)
    inf_c_pre, att_c_pre, m_c_pre = _lead(w_c_pre, y - out_c)
    inf_c_post, att_c_post, m_c_post = _lead(w_c_post, y - out_c)
    inf_e1, att_d_post, m_d = _lead(w_d, out_t_post - out_c_post)
    inf_e2, att_dt1_post, m_dt1 = _lead(w_dt1, out_t_post - out_c_post)
    inf_e3, att_d_pre, _ = _lead(w_d, out_t_pre - out_c_pre)
    inf_e4, att_dt0_pre, m_dt0 = _lead(w_dt0, out_t_pre - out_c_pre)
    att = (
        (att_t_post - att_t_pre)
        - (att_c_post - att_c_pre)
        + (att_d_post - att_dt1_post)
        - (att_d_pre - att_dt0_pre)
    )

    def colmean(v: np.ndarray) -> np.ndarray:
        return np.einsum("i,ij->j", v, x) / n

    inf_treat_or = _mv(lin_c_post, -colmean(w_t_post * post) / m_t_post) + _mv(lin_c_pre, 
        -colmean(w_t_pre * (1 - post)) / m_t_pre
    )
    m2_pre = colmean(w_c_pre * (y - out_c - att_c_pre)) / m_c_pre
    m2_post = colmean(w_c_post * (y - out_c - att_c_post)) / m_c_post
    inf_cont_ps = _mv(lin_ps, m2_post - m2_pre)
    inf_cont_or = _mv(lin_c_post, -colmean(w_c_post * post) / m_c_post) + _mv(lin_c_pre, 
        -colmean(w_c_pre * (1 - post)) / m_c_pre
    )
    inf_eff = (inf_e1 - inf_e2) - (inf_e3 - inf_e4)
    mom_post = colmean(w_d / m_d - w_dt1 / m_dt1)
    mom_pre = colmean(w_d / m_d - w_dt0 / m_dt0)
    inf_or = _mv(lin_t_post - lin_c_post, mom_post) - _mv(lin_t_pre - lin_c_pre, mom_pre)
    inf_treat = inf_t_post - inf_t_pre + inf_treat_or
    inf_cont = inf_c_post - inf_c_pre + inf_cont_ps + inf_cont_or
    return TwoByTwo(np.array([att]), (inf_treat - inf_cont + inf_eff + inf_or)[:, None])


def ipw_rc(y: np.ndarray, post: np.ndarray, d: np.ndarray, x: np.ndarray, w: np.ndarray) -> TwoByTwo:
    """Standardised IPW DiD for pooled cross sections (R ``DRDID::std_ipw_did_rc``)."""
    n = d.shape[0]
    w = w / w.mean()
    ps, keep, lin_ps = _ps_parts(x, d, w, weighted_logit(x, d, w))
    odds = ps / (1 - ps)
    w_t_pre = keep * w * d * (1 - post)
    w_t_post = keep * w * d * post
    w_c_pre = keep * w * odds * (1 - d) * (1 - post)
    w_c_post = keep * w * odds * (1 - d) * post
    inf_t_pre, att_t_pre, _ = _lead(w_t_pre, y)
    inf_t_post, att_t_post, _ = _lead(w_t_post, y)
    inf_c_pre, att_c_pre, m_c_pre = _lead(w_c_pre, y)
    inf_c_post, att_c_post, m_c_post = _lead(w_c_post, y)
    att = (att_t_post - att_t_pre) - (att_c_post - att_c_pre)
    m2_pre = np.einsum("i,ij->j", w_c_pre * (y - att_c_pre), x) / n / m_c_pre
    m2_post = np.einsum("i,ij->j", w_c_post * (y - att_c_post), x) / n / m_c_post
    inf_cont = inf_c_post - inf_c_pre + _mv(lin_ps, m2_post - m2_pre)
    return TwoByTwo(np.array([att]), ((inf_t_post - inf_t_pre) - inf_cont)[:, None])


def reg_rc(y: np.ndarray, post: np.ndarray, d: np.ndarray, x: np.ndarray, w: np.ndarray) -> TwoByTwo:
    """Outcome-regression DiD for pooled cross sections (R ``DRDID::reg_did_rc``)."""
    n = d.shape[0]
    w = w / w.mean()
    out_pre, lin_pre = _ols_rep(x, y, w * (1 - d) * (1 - post), "comparison units before")
    out_post, lin_post = _ols_rep(x, y, w * (1 - d) * post, "comparison units after")
    w_t_pre = w * d * (1 - post)
    w_t_post = w * d * post
    w_cont = w * d
    m_t_pre, m_t_post, m_cont = w_t_pre.mean(), w_t_post.mean(), w_cont.mean()
    eta_t_pre = np.mean(w_t_pre * y) / m_t_pre
    eta_t_post = np.mean(w_t_post * y) / m_t_post
    eta_cont = np.mean(w_cont * (out_post - out_pre)) / m_cont
    att = (eta_t_post - eta_t_pre) - eta_cont
    inf_treat = w_t_post * (y - eta_t_post) / m_t_post - w_t_pre * (y - eta_t_pre) / m_t_pre
    m1 = np.einsum("i,ij->j", w_cont, x) / n
    inf_cont = (w_cont * (out_post - out_pre - eta_cont) + _mv(lin_post - lin_pre, m1)) / m_cont
    return TwoByTwo(np.array([att]), (inf_treat - inf_cont)[:, None])


RC_ESTIMATORS = {"dr": drdid_rc, "ipw": ipw_rc, "reg": reg_rc}
