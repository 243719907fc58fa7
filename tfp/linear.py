"""Pooled OLS and the within (firm fixed-effects) estimator of the production function.

Both are biased when input choices respond to productivity (Marschak and Andrews 1944;
Griliches and Mairesse 1998): they are the benchmarks the control-function estimators
correct.  Standard errors are the classical ones (``lm``; ``plm`` within, whose residual
degrees of freedom subtract one per firm).
"""

from __future__ import annotations

import numpy as np

from .exceptions import InsufficientDataError, where
from .linalg import classical_se, wls
from .panel import PanelArrays
from .spec import CoreFit, FitConfig, production_matrix


def fit_ols(panel: PanelArrays, cfg: FitConfig) -> CoreFit:
    x = np.hstack([np.ones((panel.n, 1)), production_matrix(panel, cfg), panel.controls])
    w = panel.weights
    if w.sum() <= x.shape[1]:
        raise InsufficientDataError(f"{where(cfg.label)}{int(w.sum())} observations for {x.shape[1]} coefficients")
    coef = wls(x, panel.y, w)
    resid = panel.y - x @ coef
    se = classical_se(x, resid, w.sum() - x.shape[1], w)
    return CoreFit(coef=coef[1:], se=se[1:], converged=True, objective=float(resid @ (w * resid)),
                   n_used=panel.n, intercept=float(coef[0]), intercept_se=float(se[0]))


def demean_by_firm(a: np.ndarray, firm: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Subtract each firm's (weighted) mean from every column of ``a``."""
    # firms absent from a bootstrap resample have zero total weight and are never indexed
    sw = np.bincount(firm, weights=w)
    sw[sw == 0] = 1.0
    if a.ndim == 1:
        return a - (np.bincount(firm, weights=w * a) / sw)[firm]
    means = np.column_stack([np.bincount(firm, weights=w * a[:, j], minlength=len(sw)) for j in range(a.shape[1])])
    return a - (means / sw[:, None])[firm]


def fit_fe(panel: PanelArrays, cfg: FitConfig) -> CoreFit:
    x = np.hstack([production_matrix(panel, cfg), panel.controls])
    w = panel.weights
    n_firms = panel.n_firms
    df = w.sum() - x.shape[1] - n_firms
    if df <= 0:
        raise InsufficientDataError(f"{where(cfg.label)}no residual degrees of freedom left after firm effects")
    xd = demean_by_firm(x, panel.firm, w)
    yd = demean_by_firm(panel.y, panel.firm, w)
    coef = wls(xd, yd, w)
    resid = yd - xd @ coef
    se = classical_se(xd, resid, df, w)
    return CoreFit(coef=coef, se=se, converged=True, objective=float(resid @ (w * resid)), n_used=panel.n)
