"""Weighted least squares helpers shared by the estimators (weights are bootstrap firm counts)."""

from __future__ import annotations

import numpy as np


def wls(x: np.ndarray, y: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
    """Least-squares coefficients of ``y`` on ``x`` with frequency weights ``w``.

    Frequency weights reproduce exactly the fit on data in which each row is repeated ``w``
    times, which is what a firm-block bootstrap resample is.
    """
    if w is None:
        return np.linalg.lstsq(x, y, rcond=None)[0]
    s = np.sqrt(w)
    if y.ndim == 1:
        return np.linalg.lstsq(x * s[:, None], y * s, rcond=None)[0]
    return np.linalg.lstsq(x * s[:, None], y * s[:, None], rcond=None)[0]


def classical_se(x: np.ndarray, resid: np.ndarray, df_resid: float, w: np.ndarray | None = None) -> np.ndarray:
    """Homoskedastic standard errors ``sqrt(diag(s^2 (X'WX)^-1))`` with ``s^2 = RSS / df``."""
    if w is None:
        w = np.ones(len(resid))
    xtx = x.T @ (x * w[:, None])
    s2 = float(resid @ (resid * w)) / df_resid
    return np.sqrt(np.diag(np.linalg.inv(xtx)) * s2)
