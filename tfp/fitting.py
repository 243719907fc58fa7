"""Dispatch one fit on a :class:`~tfp.panel.PanelArrays` to the estimator ``cfg.method`` names."""

from __future__ import annotations

import numpy as np

from .acf import fit_acf
from .linear import fit_fe, fit_ols
from .olley_pakes import fit_oplp
from .panel import PanelArrays
from .spec import CoreFit, FitConfig
from .wooldridge import fit_wrdg_gmm, fit_wrdg_iv


def fit_core(panel: PanelArrays, cfg: FitConfig, theta0: np.ndarray | None = None) -> CoreFit:
    """Fit ``cfg.method``; ``theta0`` (second-stage start) is used by OP, LP and ACF only."""
    m = cfg.method
    if m == "acf":
        return fit_acf(panel, cfg, theta0)
    if m in ("op", "lp"):
        return fit_oplp(panel, cfg, theta0)
    if m == "wrdg":
        return fit_wrdg_iv(panel, cfg)
    if m == "wrdg_gmm":
        return fit_wrdg_gmm(panel, cfg)
    if m == "ols":
        return fit_ols(panel, cfg)
    if m == "fe":
        return fit_fe(panel, cfg)
    raise ValueError(f"unknown method {m!r}")


def second_stage_start(fit: CoreFit, cfg: FitConfig, panel: PanelArrays) -> np.ndarray | None:
    """Start of the bootstrap replications' search: the point estimate.

    prodest restarts every replication from ``theta0`` (or first-stage values plus noise);
    starting at the point estimate is quicker and keeps each replication on the root the
    point estimate chose, rather than letting it jump to another local minimum of the ACF
    criterion, which would inflate the standard errors spuriously.
    """
    if cfg.method not in ("op", "lp", "acf"):
        return None
    if not np.all(np.isfinite(fit.coef)):
        return None if cfg.theta0 is None else np.asarray(cfg.theta0, float)
    kc = panel.controls.shape[1]
    if cfg.method == "acf":
        return fit.coef[: len(fit.coef) - kc]
    kf, ks = panel.free.shape[1], panel.state.shape[1]
    return fit.coef[kf : kf + ks]
