"""Weighted logit for the propensity scores of the 2x2 DiD estimators.

Written out on numpy rather than statsmodels because it runs once per cohort (or per
cell with not-yet-treated controls) and only the fitted probabilities are needed.
"""

from __future__ import annotations

import numpy as np

from did.errors import DiDEstimationError

# Convergence of the logit: the Newton steps are quadratic near the optimum, so a tight
# tolerance costs one or two extra iterations and keeps ATT(g,t) reproducible to 1e-10.
_LOGIT_TOL = 1e-13
_LOGIT_MAXITER = 100


def weighted_logit(
    x: np.ndarray, d: np.ndarray, w: np.ndarray, start: np.ndarray | None = None
) -> np.ndarray:
    """Fitted probabilities of a weighted logit of ``d`` on ``x`` (no added intercept).

    Maximum likelihood by Newton-Raphson (IRLS), as ``fastglm(..., family=binomial())``
    in DRDID. With a single constant column the MLE is the weighted share, returned in
    closed form. ``start`` (coefficients of a similar sample, e.g. the previous cell)
    only saves iterations: the tolerance makes the optimum independent of it.
    """
    return weighted_logit_fit(x, d, w, start)[0]


def weighted_logit_fit(
    x: np.ndarray, d: np.ndarray, w: np.ndarray, start: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`weighted_logit` returning ``(probabilities, coefficients)``.

    The coefficients are None for the closed-form constant-only case.
    """
    if x.shape[1] == 1 and np.all(x[:, 0] == x[0, 0]):
        # einsum, not np.dot: a multithreaded BLAS dot is slow on a busy machine
        return np.full(d.shape[0], np.einsum("i,i->", w, d) / w.sum()), None
    beta = np.zeros(x.shape[1]) if start is None else np.array(start, dtype=float)
    for _ in range(_LOGIT_MAXITER):
        eta = np.einsum("ij,j->i", x, beta)
        p = 1.0 / (1.0 + np.exp(-eta))
        v = w * p * (1.0 - p)
        grad = np.einsum("ij,i->j", x, w * (d - p))
        hess = np.einsum("ij,ik->jk", x * v[:, None], x)
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError as exc:
            raise DiDEstimationError(
                "propensity-score logit is singular (collinear covariates or no variation)"
            ) from exc
        beta = beta + step
        if np.max(np.abs(step)) < _LOGIT_TOL * (1.0 + np.max(np.abs(beta))):
            break
    eta = np.einsum("ij,j->i", x, beta)
    return 1.0 / (1.0 + np.exp(-eta)), beta
