"""Callaway and Sant'Anna (2021) group-time average treatment effects, ATT(g,t).

References
----------
Callaway, B. and Sant'Anna, P. H. C. (2021). "Difference-in-differences with multiple
time periods." Journal of Econometrics 225(2), 200-230. ATT(g,t) with never-treated
comparison units is eq. (2.6) (IPW), (2.5) (outcome regression) and (2.7) (doubly
robust); with not-yet-treated comparison units eqs. (2.8)-(2.9). Section 4 gives the
influence-function standard errors and the multiplier bootstrap.

The numbers reproduce R ``did`` 2.3.0 ``att_gt(panel = TRUE)`` with ``DRDID`` 1.2.3:
same cell definitions (varying or universal base period, anticipation), same 2x2
estimators, same ``n / n_cell`` rescaling of the influence function, same analytic
variance ``Psi'Psi / n^2`` and same Wald pre-test. On an unbalanced panel, R's two
behaviours are ``panel="balance"`` (its default: units missing any period are dropped)
and ``panel="unbalanced"`` (``allow_unbalanced_panel = TRUE``); ``panel="pairwise"``
runs each cell's panel 2x2 estimator on the units observed in both of its periods.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from did.bootstrap import multiplier_bootstrap
from did.errors import DiDEstimationError, DiDInputError
from did.panel import WidePanel, to_wide
from did.summaries import AGGREGATIONS, att_gt_display, att_gt_document
from did.two_by_two import PANEL_ESTIMATORS
from did.two_by_two_rc import RC_ESTIMATORS
from did._linalg import weighted_logit_fit

_DEGENERATE = np.sqrt(np.finfo(float).eps) * 10.0
_CONTROL_ALIASES = {
    "never": "never",
    "nevertreated": "never",
    "notyet": "notyet",
    "notyettreated": "notyet",
}
PANEL_MODES = ("balance", "unbalanced", "pairwise")


@dataclass(frozen=True)
class Pretest:
    """Wald test that all pre-treatment ATT(g,t) are zero (CS 2021, Section 4.2)."""

    W: float
    df: int
    pvalue: float

    def __str__(self) -> str:
        return f"Pre-trend Wald test: W = {self.W:.4f}, df = {self.df}, p = {self.pvalue:.4f}"


@dataclass(frozen=True)
class ATTgtResults:
    """Fitted group-time ATTs.

    Attributes
    ----------
    att_gt : DataFrame
        One row per (group, time) cell: ``group, time, event_time, post, att, se,
        ci_lower, ci_upper``. ``se`` is analytic unless a bootstrap was requested.
    influence : ndarray (n_units, n_cells)
        Influence functions of the cells (unit-level, rescaled as in R ``did``), rows in
        the order of ``unit_ids``.
    pretest : Pretest or None
        Joint Wald test of the pre-treatment cells (None when there are none or their
        covariance is singular).
    critical_value : float
        1.96 for pointwise intervals, or the bootstrap sup-t value for uniform bands.
    panel : str
        How an unbalanced panel was handled: "balance", "unbalanced" or "pairwise".
    n_units_dropped : int
        Units dropped to balance the panel (``panel="balance"``; 0 otherwise).
    cell_units : ndarray (n_cells,)
        Units entering each cell's 2x2 comparison (treated and comparison units; for
        ``panel="unbalanced"`` units observed in at least one of the two periods),
        in the row order of ``att_gt``.
    """

    att_gt: pd.DataFrame
    influence: np.ndarray = field(repr=False)
    unit_ids: np.ndarray = field(repr=False)  # row labels of ``influence``
    pretest: Pretest | None
    critical_value: float
    n_units: int
    n_obs: int
    unit_group: np.ndarray = field(repr=False)
    unit_weights: np.ndarray = field(repr=False)
    periods: np.ndarray = field(repr=False)
    groups: np.ndarray = field(repr=False)
    control_group: str
    method: str
    base_period: str
    anticipation: int
    covariates: tuple[str, ...]
    balanced: bool
    bootstrap: int
    seed: int
    alpha: float
    panel: str = "unbalanced"
    n_units_dropped: int = 0
    cell_units: np.ndarray = field(default=None, repr=False)

    @cached_property
    def vcov(self) -> np.ndarray:
        """Analytic covariance of the cells, ``Psi'Psi / n^2`` (computed on first use)."""
        return self.influence.T @ self.influence / self.n_units**2

    @property
    def params(self) -> pd.Series:
        """ATT(g,t) indexed by (group, time)."""
        return self.att_gt.set_index(["group", "time"])["att"]

    @property
    def std_errors(self) -> pd.Series:
        """Standard errors indexed by (group, time)."""
        return self.att_gt.set_index(["group", "time"])["se"]

    def conf_int(self) -> pd.DataFrame:
        """Confidence intervals (pointwise, or uniform when bootstrapped)."""
        return self.att_gt.set_index(["group", "time"])[["ci_lower", "ci_upper"]].rename(
            columns={"ci_lower": "lower", "ci_upper": "upper"}
        )

    def to_frame(self) -> pd.DataFrame:
        """Tidy copy of the ATT(g,t) table."""
        return self.att_gt.copy()

    def aggregate(
        self,
        kind: Literal["simple", "dynamic", "group", "calendar"] = "simple",
        *,
        min_e: float = -np.inf,
        max_e: float = np.inf,
        na_rm: bool = False,
    ):
        """Aggregate ATT(g,t) into summary parameters (CS 2021, Section 3).

        See :func:`did.aggregate.aggregate_att_gt`.
        """
        from did.aggregate import aggregate_att_gt

        return aggregate_att_gt(self, kind, min_e=min_e, max_e=max_e, na_rm=na_rm)

    def summary(self, aggregations: Sequence[str] = AGGREGATIONS, elements: bool = False) -> str:
        """R ``did``-style summary: ATT(g,t) with SEs and intervals (pointwise, and the
        simultaneous band with its critical value when bootstrapped), the pre-test of
        parallel trends, control group, estimation method and the aggregated effects
        (``elements=True`` adds the dynamic, group and calendar tables)."""
        return att_gt_display(self, aggregations, elements).text()

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return att_gt_display(self).html()

    def to_dict(self) -> dict:
        """JSON-ready document (the ``did att-gt`` layout); NaN becomes None."""
        return att_gt_document(self)


def integral_or_float(values: pd.Series) -> pd.Series:
    """Periods as integers when they are whole numbers (years), floats otherwise."""
    arr = values.to_numpy(dtype=float)
    return values.astype("int64") if np.all(arr == np.round(arr)) else values.astype(float)


def _control_mask(
    group: np.ndarray, g: float, control_group: str, threshold: float
) -> np.ndarray:
    """Comparison units: never treated, or also not yet treated by ``threshold``."""
    if control_group == "never":
        return group == 0
    return (group == 0) | ((group > threshold) & (group != g))


def _prepare_groups(
    panel: WidePanel, control_group: str, anticipation: int, group_col: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, WidePanel]:
    """Recode groups and periods as R ``did::pre_process_did`` does, refusing bad input."""
    periods = panel.periods
    group = panel.group.copy()
    if (group < 0).any():
        raise DiDInputError(f"group column {group_col!r} has negative values")
    # R did: a first-treatment period after the last observed period is never treated
    # within the panel's window.
    group[group > periods.max()] = 0
    early = (group > 0) & (group <= periods.min())
    if early.any():
        unit = panel.unit_ids[np.argmax(early)]
        raise DiDInputError(
            f"{int(early.sum())} units have {group_col!r} at or before the first period "
            f"{periods.min():g} (treated before the panel starts, e.g. unit {unit!r}); drop "
            "them explicitly"
        )
    glist = np.unique(group[group > 0])
    if len(glist) == 0:
        raise DiDInputError(f"no treated units: {group_col!r} is 0 for every unit")
    if not (group == 0).any():
        if control_group == "never":
            raise DiDInputError(
                f"no never-treated units ({group_col!r} == 0) to serve as controls with "
                "control_group='never'; use control_group='notyet'"
            )
        # R did with not-yet-treated controls and no never-treated units: periods from
        # the last cohort's (anticipated) start on have no comparison units and are cut,
        # and that cohort only serves as a comparison group.
        latest = glist.max()
        keep_t = periods < latest - anticipation
        warnings.warn(
            "no never-treated units: periods from "
            f"{latest - anticipation:g} on are dropped and cohort {latest:g} is used "
            "only as a comparison group",
            stacklevel=3,
        )
        last_period = periods.max()
        panel = _keep_periods(panel, keep_t)
        periods = panel.periods
        group = panel.group.copy()
        group[group > last_period] = 0
        glist = glist[glist < latest]
    glist = glist[glist > periods.min() + anticipation]
    if len(glist) == 0:
        raise DiDInputError("no treated group has a pre-treatment period in the panel")
    return group, glist, periods, panel


def _keep_periods(panel: WidePanel, keep: np.ndarray) -> WidePanel:
    observed = panel.observed[:, keep]
    units = observed.any(axis=1)
    return WidePanel(
        unit_ids=panel.unit_ids[units],
        periods=panel.periods[keep],
        y=panel.y[units][:, keep],
        observed=observed[units],
        covariates=panel.covariates[:, units][:, :, keep],
        covariate_names=panel.covariate_names,
        group=panel.group[units],
        weights=panel.weights[units],
        n_obs=int(observed.sum()),
    )


def _design(panel: WidePanel, period_index: int, idx: np.ndarray) -> np.ndarray:
    """Constant plus covariates of units ``idx`` in period ``period_index`` (R: base period)."""
    x = np.ones((len(idx), 1 + len(panel.covariate_names)))
    for k in range(len(panel.covariate_names)):
        x[:, k + 1] = panel.covariates[k, idx, period_index]
    return x


def _covariates_time_invariant(panel: WidePanel) -> bool:
    if not panel.covariate_names:
        return True
    cov = panel.covariates
    first = np.nanmax(np.where(panel.observed[None], cov, -np.inf), axis=2)
    last = np.nanmin(np.where(panel.observed[None], cov, np.inf), axis=2)
    return bool(np.all(first == last))


def _cell_plan(
    periods: np.ndarray,
    glist: np.ndarray,
    control: str,
    universal: bool,
    anticipation: int,
    time_invariant_x: bool,
) -> list[dict]:
    """The (g, t) cells of R ``did::compute.att_gt``, with base period and batch key.

    Cells in the same batch share the treated group, the comparison units and the
    covariate period, hence the propensity score and regression design.
    """
    n_t = len(periods)
    plan = []
    for g in glist:
        last_pre = int(np.flatnonzero(periods + anticipation < g)[-1])
        for c in range(0 if universal else 1, n_t):
            t = periods[c]
            post = bool(g <= t)
            if universal:
                base = last_pre
                threshold = periods[max(c, last_pre)] + anticipation
            else:
                base = last_pre if post else c - 1
                threshold = t + anticipation
            x_period = min(c, base)
            batch = (
                g,
                None if control == "never" else threshold,
                None if time_invariant_x else x_period,
            )
            plan.append(
                {"group": g, "time": t, "post": post, "c": c, "base": base, "x_period": x_period,
                 "batch": batch, "reference": universal and base == c}
            )
    return plan


def _pooled_cell(
    panel: WidePanel, unit_group: np.ndarray, cell: dict, control: str, method: str
) -> tuple[float, np.ndarray, int]:
    """ATT(g,t), unit-level influence function and number of units of one cell of an
    unbalanced panel (R ``allow_unbalanced_panel = TRUE``)."""
    g, c, base = cell["group"], cell["c"], cell["base"]
    n = panel.n_units
    is_g = unit_group == g
    idx = np.flatnonzero(is_g | _control_mask(unit_group, g, control, cell["batch"][1]))
    in_post = idx[panel.observed[idx, c]]
    in_pre = idx[panel.observed[idx, base]]
    units = np.concatenate([in_post, in_pre])
    n_cell_units = len(np.union1d(in_post, in_pre))
    post = np.concatenate([np.ones(len(in_post)), np.zeros(len(in_pre))])
    d = is_g[units].astype(float)
    y = np.concatenate([panel.y[in_post, c], panel.y[in_pre, base]])
    x = np.ones((len(units), 1 + len(panel.covariate_names)))
    for k in range(len(panel.covariate_names)):
        x[:, k + 1] = np.concatenate([panel.covariates[k, in_post, c], panel.covariates[k, in_pre, base]])
    empty = [
        label
        for label, count in (
            ("treated units after", np.sum(d * post)), ("treated units before", np.sum(d * (1 - post))),
            ("comparison units after", np.sum((1 - d) * post)),
            ("comparison units before", np.sum((1 - d) * (1 - post))),
        )
        if count == 0
    ]
    if empty:
        warnings.warn(
            f"group {g:g}, period {cell['time']:g}: no {' / '.join(empty)} observed; ATT(g,t) set to NaN",
            stacklevel=3,
        )
        return np.nan, np.full(n, np.nan), n_cell_units
    try:
        fit = RC_ESTIMATORS[method](y, post, d, x, panel.weights[units])
    except DiDEstimationError as exc:
        raise DiDEstimationError(f"cell group {g:g}, period {cell['time']:g}: {exc}") from exc
    att = float(fit.att[0])
    if not np.isfinite(att):
        return np.nan, np.zeros(n), n_cell_units
    # R: rescale by n / (observations in the cell), then sum over each unit's rows
    psi = np.bincount(units, weights=fit.influence[:, 0] * (n / len(units)), minlength=n)
    return att, psi, n_cell_units


def _propensity(
    x: np.ndarray, d: np.ndarray, w: np.ndarray, uniform_w: bool, start: np.ndarray | None = None
) -> tuple[np.ndarray, bool, np.ndarray | None]:
    """Weighted logit scores, R did's overlap pre-check (unweighted scores < 0.999) and
    the logit coefficients (a warm start for the next cell of the same cohort)."""
    try:
        ps, beta = weighted_logit_fit(x, d, w / w.mean(), start)
    except DiDEstimationError:
        if start is None:
            raise
        ps, beta = weighted_logit_fit(x, d, w / w.mean())
    check = ps if uniform_w else weighted_logit_fit(x, d, np.ones_like(w), beta)[0]
    return ps, bool(check.max() < 0.999), beta


def _control_regression_ok(x: np.ndarray, d: np.ndarray, method: str) -> bool:
    """R did's pre-check that the comparison-group outcome regression can be run."""
    if method == "ipw":
        return True
    xc = x[d == 0]
    if xc.shape[0] == 0:
        return False
    xtx = xc.T @ xc
    return bool(1.0 / np.linalg.cond(xtx, 1) >= np.finfo(float).eps)


def _keep_units(panel: WidePanel, keep: np.ndarray) -> WidePanel:
    return WidePanel(
        unit_ids=panel.unit_ids[keep],
        periods=panel.periods,
        y=panel.y[keep],
        observed=panel.observed[keep],
        covariates=panel.covariates[:, keep],
        covariate_names=panel.covariate_names,
        group=panel.group[keep],
        weights=panel.weights[keep],
        n_obs=int(panel.observed[keep].sum()),
    )


def _balance(
    panel: WidePanel, unit_group: np.ndarray, glist: np.ndarray
) -> tuple[WidePanel, np.ndarray, np.ndarray, int]:
    """Keep the units observed in every period, as R ``BMisc::makeBalancedPanel``."""
    complete = panel.observed.all(axis=1)
    n_dropped = int((~complete).sum())
    if n_dropped == 0:
        return panel, unit_group, glist, 0
    if not complete.any():
        raise DiDInputError(
            "panel='balance': no unit is observed in every period; use panel='pairwise' or "
            "panel='unbalanced'"
        )
    treated = unit_group > 0
    warnings.warn(
        f"panel='balance': dropped {n_dropped} of {panel.n_units} units not observed in every "
        f"period ({int((treated & ~complete).sum())} of {int(treated.sum())} treated units)",
        stacklevel=3,
    )
    panel = _keep_units(panel, complete)
    unit_group = unit_group[complete]
    # R keeps a cohort all of whose units were dropped in its list of groups and then
    # fails on it; a cohort without units has no ATT(g,t), so it is left out here.
    gone = glist[~np.isin(glist, unit_group)]
    if len(gone):
        warnings.warn(
            "panel='balance': no unit of group(s) "
            f"{', '.join(format(g, 'g') for g in gone)} is observed in every period; "
            "they are left out",
            stacklevel=3,
        )
        glist = glist[np.isin(glist, unit_group)]
        if len(glist) == 0:
            raise DiDInputError("panel='balance': no treated unit is observed in every period")
    return panel, unit_group, glist, n_dropped


def _same_sample_cells(
    panel: WidePanel, idx: np.ndarray, cells: list[dict], members: list[int]
) -> list[tuple[np.ndarray, list[int]]]:
    """Split a batch of cells by the units observed in both periods of each cell.

    Cells with the same observed units share the propensity score and the regression
    design; on a balanced panel the whole batch is one sample.
    """
    if panel.balanced:
        return [(idx, members)]
    obs = panel.observed[idx]
    samples: dict[bytes, tuple[np.ndarray, list[int]]] = {}
    for k in members:
        mask = obs[:, cells[k]["c"]] & obs[:, cells[k]["base"]]
        key = np.packbits(mask).tobytes()
        if key not in samples:
            samples[key] = (idx[mask], [])
        samples[key][1].append(k)
    return list(samples.values())


def _panel_cells(
    panel: WidePanel,
    unit_group: np.ndarray,
    cells: list[dict],
    members: list[int],
    idx: np.ndarray,
    x_period: int,
    method: str,
    uniform_w: bool,
    att: np.ndarray,
    influence: np.ndarray,
    start: np.ndarray | None = None,
) -> np.ndarray | None:
    """Fill ``att`` and ``influence`` for cells estimated on the same units ``idx``.

    The panel 2x2 estimator runs on the ``n_cell`` units of ``idx`` (treated and
    comparison units with both periods observed); its influence function is scattered
    into the ``n``-unit matrix, times ``n / n_cell`` (R ``did``), with zeros for the
    units outside the cell. ``start`` warm-starts the propensity-score logit; the fitted
    coefficients are returned for the next call.
    """
    g = cells[members[0]]["group"]
    n = panel.n_units
    when = ", ".join(format(cells[k]["time"], "g") for k in members)
    d = (unit_group[idx] == g).astype(float)
    n_treated = int(d.sum())
    if n_treated == 0 or n_treated == len(idx):
        missing = "treated" if n_treated == 0 else "comparison"
        warnings.warn(
            f"no {missing} units of group {g:g} observed in both periods of the cell(s) "
            f"in period(s) {when}; ATT(g,t) set to NaN",
            stacklevel=3,
        )
        att[members] = np.nan
        influence[:, members] = np.nan
        return start
    x = _design(panel, x_period, idx)
    w_cell = panel.weights[idx]
    ps, usable, beta = None, True, start
    if method in ("dr", "ipw"):
        ps, usable, beta = _propensity(x, d, w_cell, uniform_w, start)
        if not usable:
            warnings.warn(
                f"overlap condition violated for group {g:g} in periods {when}; ATT(g,t) "
                "set to NaN",
                stacklevel=3,
            )
    if usable and not _control_regression_ok(x, d, method):
        usable = False
        warnings.warn(
            f"not enough control units for group {g:g} in periods {when} to run the "
            "outcome regression; ATT(g,t) set to NaN",
            stacklevel=3,
        )
    if not usable:
        att[members] = np.nan
        influence[:, members] = np.nan
        return beta
    current = [cells[k]["c"] for k in members]
    base = [cells[k]["base"] for k in members]
    dy = panel.y[np.ix_(idx, current)] - panel.y[np.ix_(idx, base)]
    try:
        fit = PANEL_ESTIMATORS[method](dy, d, x, w_cell, ps=ps)
    except DiDEstimationError as exc:
        raise DiDEstimationError(f"group {g:g}, period(s) {when}: {exc}") from exc
    att[members] = fit.att
    # R did rescales by n / n_cell because the cell uses only its own units; the
    # aggregations then average the columns over all n units.
    scale = n / len(idx)
    for j, k in enumerate(members):
        influence[idx, k] = fit.influence[:, j] * scale
    return beta


def att_gt(
    data: pd.DataFrame,
    *,
    y: str,
    id: str,
    time: str,
    group: str,
    control_group: Literal["never", "notyet"] = "never",
    method: Literal["dr", "ipw", "reg"] = "dr",
    covariates: Sequence[str] | None = None,
    base_period: Literal["varying", "universal"] = "varying",
    anticipation: int = 0,
    weights: str | None = None,
    panel: Literal["balance", "unbalanced", "pairwise"] = "unbalanced",
    bootstrap: int = 0,
    seed: int = 0,
    alpha: float = 0.05,
) -> ATTgtResults:
    """Group-time average treatment effects of Callaway and Sant'Anna (2021).

    Parameters
    ----------
    data : DataFrame
        Long panel, one row per unit and period.
    y, id, time, group : str
        Outcome, unit identifier (any hashable type), period (numeric) and first
        treatment period (numeric; 0 = never treated, as in R ``did``). A first
        treatment period after the last observed period counts as never treated.
    control_group : {"never", "notyet"}
        Never-treated units (CS eq. 2.6-2.7) or never- plus not-yet-treated units
        (eq. 2.8-2.9). ``"nevertreated"``/``"notyettreated"`` are accepted too.
    method : {"dr", "ipw", "reg"}
        Doubly robust (Sant'Anna-Zhao 2020 eq. 3.1), standardised IPW or outcome
        regression 2x2 estimator. Without covariates all three coincide.
    covariates : sequence of str, optional
        Covariates for the propensity score and the outcome regression, measured in
        the base period of each cell.
    base_period : {"varying", "universal"}
        Pre-treatment cells compare consecutive periods ("varying") or every period
        with g - 1 - anticipation ("universal"; that reference cell is reported as 0
        with NaN standard error).
    anticipation : int
        Number of periods before ``group`` in which units may already react.
    weights : str, optional
        Unit sampling weights (constant within a unit).
    panel : {"balance", "unbalanced", "pairwise"}
        What to do when units are missing in some periods (firms entering or leaving);
        on a balanced panel all three give the same numbers. See Notes.
    bootstrap : int
        Multiplier-bootstrap draws (0 = analytic standard errors). With draws, the
        reported SEs are bootstrap SEs and intervals are uniform (sup-t) bands.
    seed : int
        Seed of the bootstrap multipliers.
    alpha : float
        1 - coverage of the confidence intervals.

    Returns
    -------
    ATTgtResults

    Notes
    -----
    A balanced panel (every unit in every period) uses the panel 2x2 estimators, as
    R ``did`` with ``panel = TRUE``. On an unbalanced panel:

    ``"balance"``
        R ``did``'s default (``panel = TRUE``): units not observed in every period are
        dropped (with a warning) and the balanced sub-panel is estimated. The estimand
        is then the ATT of the always-observed units; with much entry and exit most
        treated units can be lost.
    ``"unbalanced"`` (default, the behaviour of earlier versions)
        R ``did`` with ``allow_unbalanced_panel = TRUE``: each cell uses all
        observations of its two periods with the repeated-cross-section estimators
        (Sant'Anna-Zhao 2020, eq. 3.4 and companions), and the influence function is
        summed over each unit's observations, so standard errors stay clustered by
        unit. Covariates enter with their value in each observation's own period. The
        comparison of means across periods is then between partly different units,
        which is consistent only if the units present in each period are comparable
        (entry and exit unrelated to outcome levels given covariates).
    ``"pairwise"``
        Each ATT(g,t) is the panel 2x2 estimator (R ``DRDID::drdid_panel``,
        ``std_ipw_did_panel`` or ``reg_did_panel``) on the units of group g and of the
        comparison group (chosen as usual: never treated, or not yet treated by
        ``max(t, base) + anticipation``) that are observed both in t and in the cell's
        base period; covariates are taken in the earlier of the two periods. It
        identifies ATT(g,t) for the treated units observed in both periods under
        parallel trends (conditional on covariates) among the units observed in both
        periods, e.g. when entry and exit are unrelated to outcome trends; unlike
        ``"unbalanced"`` it differences each unit's own outcomes, so permanent level
        differences between entering, exiting and staying units cancel. Inference is
        at the unit level: a cell estimated on n_gt of the panel's N units has
        influence function psi_i * N / n_gt for its units and 0 for the others, so its
        analytic variance sum(psi^2) / n_gt^2 is the cell estimator's own, and the
        aggregations (with group shares over all N units), their standard errors, the
        pre-test and the multiplier bootstrap combine the cells' unit-level influence
        functions, which keeps the covariance of cells that share units.

    Missing outcome values are refused: drop those rows explicitly.
    """
    control = _CONTROL_ALIASES.get(control_group)
    if control is None:
        raise DiDInputError(f"control_group must be 'never' or 'notyet', got {control_group!r}")
    if method not in PANEL_ESTIMATORS:
        raise DiDInputError(f"method must be 'dr', 'ipw' or 'reg', got {method!r}")
    if base_period not in ("varying", "universal"):
        raise DiDInputError(f"base_period must be 'varying' or 'universal', got {base_period!r}")
    if panel not in PANEL_MODES:
        raise DiDInputError(
            f"panel must be 'balance', 'unbalanced' or 'pairwise', got {panel!r}"
        )
    if int(anticipation) != anticipation or anticipation < 0:
        raise DiDInputError(f"anticipation must be a non-negative integer, got {anticipation!r}")
    if bootstrap < 0:
        raise DiDInputError(f"bootstrap must be a non-negative number of draws, got {bootstrap!r}")
    covariates = tuple(covariates or ())

    wide = to_wide(data, y=y, id=id, time=time, group=group, covariates=covariates, weights=weights)
    unit_group, glist, periods, wide = _prepare_groups(wide, control, anticipation, group)
    n_dropped = 0
    if panel == "balance":
        # After the period cut of _prepare_groups, as R balances after it.
        wide, unit_group, glist, n_dropped = _balance(wide, unit_group, glist)
    n = wide.n_units
    n_never = int((unit_group == 0).sum())
    if control == "never" and n_never < len(covariates) + 5:
        raise DiDInputError(
            f"never-treated group is too small ({n_never} units); use control_group='notyet'"
        )
    balanced = wide.balanced
    uniform_w = bool(np.all(wide.weights == wide.weights[0]))
    universal = base_period == "universal"
    time_invariant_x = _covariates_time_invariant(wide)

    cells = _cell_plan(periods, glist, control, universal, anticipation, time_invariant_x)
    n_cells = len(cells)
    att = np.zeros(n_cells)
    cell_units = np.zeros(n_cells, dtype=np.int64)
    # Dense (units x cells) influence matrix, column-major so that filling a cell and
    # selecting cells for an aggregate touch contiguous memory.
    influence = np.zeros((n, n_cells), order="F")
    batches: dict[tuple, list[int]] = {}
    for k, cell in enumerate(cells):
        if cell["reference"]:
            continue  # universal base period: ATT(g, g-1-anticipation) := 0
        batches.setdefault(cell["batch"], []).append(k)
    if not balanced and panel == "unbalanced":
        # R did, allow_unbalanced_panel = TRUE: every cell from the pooled observations
        # of its two periods, influence functions summed by unit.
        for k in (k for members in batches.values() for k in members):
            att[k], influence[:, k], cell_units[k] = _pooled_cell(
                wide, unit_group, cells[k], control, method
            )
        batches = {}
    for key, members in batches.items():
        g, threshold, x_period = key
        is_g = unit_group == g
        idx = np.flatnonzero(is_g | _control_mask(unit_group, g, control, threshold))
        start = None  # the cells of one cohort have similar samples: warm-start the logit
        for sub, sub_members in _same_sample_cells(wide, idx, cells, members):
            cell_units[sub_members] = len(sub)
            start = _panel_cells(
                wide, unit_group, cells, sub_members, sub,
                cells[sub_members[0]]["x_period"] if x_period is None else x_period,
                method, uniform_w, att, influence, start,
            )

    rows = [{"group": c["group"], "time": c["time"], "post": c["post"], "att": a} for c, a in zip(cells, att)]
    table = pd.DataFrame(rows)
    table["event_time"] = table["time"] - table["group"]
    for col in ("group", "time", "event_time"):
        table[col] = integral_or_float(table[col])
    # Analytic variance Psi'Psi / n^2 (R did: V = Psi'Psi / n, se = sqrt(diag(V) / n)).
    se = np.sqrt(np.einsum("ij,ij->j", influence, influence)) / n
    se[~(se > _DEGENERATE)] = np.nan
    # Wald pre-test uses the analytic covariance, as R did does even when bootstrapping.
    pretest = _pretest(table, influence, se, n)

    crit = float(norm.ppf(1.0 - alpha / 2.0))
    if bootstrap:
        boot = multiplier_bootstrap(influence, int(bootstrap), seed, alpha)
        usable = np.isfinite(se)
        se = np.where(usable, boot.se, np.nan)
        se[~(se > _DEGENERATE)] = np.nan
        if np.isfinite(boot.critical_value):
            crit = boot.critical_value

    table["se"] = se
    table["ci_lower"] = table["att"] - crit * table["se"]
    table["ci_upper"] = table["att"] + crit * table["se"]
    table = table[["group", "time", "event_time", "post", "att", "se", "ci_lower", "ci_upper"]]
    return ATTgtResults(
        att_gt=table,
        influence=influence,
        unit_ids=wide.unit_ids,
        pretest=pretest,
        critical_value=crit,
        n_units=n,
        n_obs=wide.n_obs,
        unit_group=unit_group,
        unit_weights=wide.weights,
        periods=periods,
        groups=glist,
        control_group=control,
        method=method,
        base_period=base_period,
        anticipation=int(anticipation),
        covariates=covariates,
        balanced=balanced,
        bootstrap=int(bootstrap),
        seed=int(seed),
        alpha=alpha,
        panel=panel,
        n_units_dropped=n_dropped,
        cell_units=cell_units,
    )


def _pretest(table: pd.DataFrame, influence: np.ndarray, se: np.ndarray, n: int) -> Pretest | None:
    pre = np.flatnonzero((table["group"] > table["time"]).to_numpy() & np.isfinite(se))
    if len(pre) == 0:
        return None
    pre_att = table["att"].to_numpy()[pre]
    psi_pre = influence[:, pre]
    pre_v = psi_pre.T @ psi_pre / n
    if not np.all(np.isfinite(pre_v)) or 1.0 / np.linalg.cond(pre_v, 1) <= np.finfo(float).eps:
        warnings.warn("pre-test not computed: singular covariance of pre-treatment cells", stacklevel=3)
        return None
    w_stat = float(n * pre_att @ np.linalg.solve(pre_v, pre_att))
    return Pretest(W=w_stat, df=len(pre), pvalue=float(chi2.sf(w_stat, len(pre))))
