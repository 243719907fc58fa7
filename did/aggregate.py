"""Aggregation of ATT(g,t) into summary treatment effects.

Callaway and Sant'Anna (2021), Section 3: the simple weighted average of post-treatment
cells (eq. 3.10 with group-size weights), event-study / dynamic effects theta_es(e)
(eq. 3.4), group (cohort) effects theta_sel(g) (eq. 3.6, overall eq. 3.7) and calendar-
time effects theta_c(t) (eq. 3.8, overall eq. 3.9). Influence functions include the
estimation of the group-share weights, as R ``did::aggte`` (``wif``), so analytic
standard errors match it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy.stats import norm

from did.bootstrap import multiplier_bootstrap
from did.errors import DiDEstimationError, DiDInputError
from did.summaries import aggregate_display

if TYPE_CHECKING:
    from did.att_gt import ATTgtResults

_DEGENERATE = np.sqrt(np.finfo(float).eps) * 10.0
_KEY = {"simple": None, "dynamic": "event_time", "group": "group", "calendar": "time"}


@dataclass(frozen=True)
class AggregateResults:
    """An aggregated Callaway-Sant'Anna effect.

    Attributes
    ----------
    kind : str
        "simple", "dynamic", "group" or "calendar".
    overall_att, overall_se : float
        The overall summary parameter and its standard error.
    elements : DataFrame
        Per event time / group / period (empty for "simple"): ``<key>, att, se,
        ci_lower, ci_upper`` where key is ``event_time``, ``group`` or ``time``.
    critical_value : float
        Used for the element intervals (uniform band when bootstrapped).
    """

    kind: str
    overall_att: float
    overall_se: float
    elements: pd.DataFrame
    critical_value: float
    alpha: float
    influence: np.ndarray = field(repr=False)  # (n, 1 + n_elements): overall first
    bootstrap: int = 0  # multiplier-bootstrap draws (0: analytic SEs, pointwise intervals)

    @property
    def key(self) -> str | None:
        return _KEY[self.kind]

    def _table(self) -> pd.DataFrame:
        crit = float(norm.ppf(1 - self.alpha / 2))
        overall = pd.DataFrame(
            {
                "term": ["overall"],
                "att": [self.overall_att],
                "se": [self.overall_se],
                "ci_lower": [self.overall_att - crit * self.overall_se],
                "ci_upper": [self.overall_att + crit * self.overall_se],
            }
        )
        if self.key is None:
            return overall
        el = self.elements.rename(columns={self.key: "term"})
        el["term"] = el["term"].map(lambda v: f"{self.key}={v:g}")
        return pd.concat([overall, el], ignore_index=True)

    @property
    def params(self) -> pd.Series:
        """Overall effect first, then the elements, labelled like ``event_time=2``."""
        t = self._table()
        return pd.Series(t["att"].to_numpy(), index=t["term"], name="att")

    @property
    def std_errors(self) -> pd.Series:
        t = self._table()
        return pd.Series(t["se"].to_numpy(), index=t["term"], name="se")

    def conf_int(self) -> pd.DataFrame:
        """Intervals: pointwise for the overall effect, element band per ``critical_value``."""
        t = self._table().set_index("term")
        return t[["ci_lower", "ci_upper"]].rename(columns={"ci_lower": "lower", "ci_upper": "upper"})

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: ``term, att, se, ci_lower, ci_upper`` (overall row first)."""
        return self._table()

    def summary(self) -> str:
        """R ``summary(aggte(...))``: overall effect with its interval, then the elements
        with pointwise intervals and, when bootstrapped, the simultaneous band."""
        return aggregate_display(self).text()

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return aggregate_display(self).html()


def _weight_influence(
    cells: np.ndarray,
    pg: np.ndarray,
    cell_group: np.ndarray,
    unit_group: np.ndarray,
    unit_w: np.ndarray,
    att: np.ndarray,
) -> np.ndarray:
    """``wif @ att`` of R did: effect of estimating the group-share weights (length n).

    For cells k in ``cells`` with weights pg_k / sum(pg), the weight influence of unit i
    is  (w_i 1{G_i = g_k} - pg_k) / S  -  sum_j (w_i 1{G_i = g_j} - pg_j) pg_k / S^2,
    contracted with att_k. Computed per distinct group instead of per cell.
    """
    pgk = pg[cells]
    s = pgk.sum()
    a = att[cells]
    groups = np.unique(cell_group[cells])
    # sum over cells of a_k * 1{G_i = g_k}, and count of cells per group, per unit
    a_by_unit = np.zeros(unit_group.shape[0])
    n_by_unit = np.zeros(unit_group.shape[0])
    for gval in groups:
        sel = cell_group[cells] == gval
        member = unit_group == gval
        a_by_unit[member] = a[sel].sum()
        n_by_unit[member] = sel.sum()
    first = (unit_w * a_by_unit - pgk @ a) / s
    second = (unit_w * n_by_unit - pgk.sum()) * (pgk @ a) / s**2
    return first - second


def _se(inf: np.ndarray) -> float:
    n = inf.shape[0]
    se = float(np.sqrt(np.mean(inf**2) / n))
    return se if se > _DEGENERATE else np.nan


def aggregate_att_gt(
    res: "ATTgtResults",
    kind: Literal["simple", "dynamic", "group", "calendar"] = "simple",
    *,
    min_e: float = -np.inf,
    max_e: float = np.inf,
    na_rm: bool = False,
) -> AggregateResults:
    """Aggregate group-time ATTs (R ``did::aggte``).

    Parameters
    ----------
    res : ATTgtResults
        Output of :func:`did.att_gt`.
    kind : {"simple", "dynamic", "group", "calendar"}
        Simple group-size weighted average of post-treatment cells, event-study effects
        by time since treatment, average effect per cohort, or per calendar period.
    min_e, max_e : float
        Event-time window (dynamic; ``max_e`` also caps the cells used by simple and
        group aggregation, as in R).
    na_rm : bool
        Drop NaN cells (from failed overlap / regression checks) instead of raising.

    Returns
    -------
    AggregateResults
        With bootstrap standard errors and a uniform band when ``res`` was bootstrapped.
    """
    if kind not in _KEY:
        raise DiDInputError(f"aggregation kind must be simple, dynamic, group or calendar, got {kind!r}")
    tab = res.att_gt
    group = tab["group"].to_numpy(dtype=float)
    time = tab["time"].to_numpy(dtype=float)
    att = tab["att"].to_numpy(dtype=float)
    psi = res.influence
    keep = np.isfinite(att)
    if not keep.all():
        if not na_rm:
            raise DiDEstimationError(
                f"{int((~keep).sum())} ATT(g,t) cells are NaN; pass na_rm=True to drop them"
            )
        group, time, att, psi = group[keep], time[keep], att[keep], psi[:, keep]
    unit_group, unit_w = res.unit_group, res.unit_weights
    glist = np.unique(group)
    pg_of_group = {gval: float(np.mean(unit_w * (unit_group == gval))) for gval in glist}
    pg = np.array([pg_of_group[gval] for gval in group])
    event = time - group
    post = (group <= time) & (time <= group + max_e)

    labels: list[float] = []
    member_sets: list[np.ndarray] = []  # cells of each element
    if kind == "simple":
        member_sets = [np.flatnonzero(post)]
    elif kind == "group":
        labels = list(glist)
        member_sets = [np.flatnonzero((group == gval) & post) for gval in glist]
    elif kind == "dynamic":
        eseq = np.unique(event)
        labels = list(eseq[(eseq >= min_e) & (eseq <= max_e)])
        member_sets = [np.flatnonzero(event == e) for e in labels]
    else:  # calendar
        tlist = np.unique(time)
        labels = list(tlist[tlist >= group.min()])
        member_sets = [np.flatnonzero((time == tval) & (group <= time)) for tval in labels]

    # Every element is a pg-weighted mean of its cells: one matrix product for all.
    weight_matrix = np.zeros((len(att), len(member_sets)))
    for j, cells in enumerate(member_sets):
        if len(cells):
            weight_matrix[cells, j] = pg[cells] / pg[cells].sum()
    el_att_arr = np.array([att[c] @ weight_matrix[c, j] if len(c) else np.nan
                           for j, c in enumerate(member_sets)])
    el_inf_mat = psi @ weight_matrix
    if kind != "group":
        # group-share weights are estimated: add their influence (R did's wif)
        for j, cells in enumerate(member_sets):
            if len(cells):
                el_inf_mat[:, j] += _weight_influence(cells, pg, group, unit_group, unit_w, att)

    if kind == "simple":
        overall = float(el_att_arr[0])
        inf = el_inf_mat[:, 0]
        el_inf_mat = el_inf_mat[:, :0]
        el_att_arr = el_att_arr[:0]
    elif kind == "group":
        pgg = np.array([pg_of_group[gval] for gval in glist])
        w = pgg / pgg.sum()
        overall = float(el_att_arr @ w)
        wif = _weight_influence(np.arange(len(glist)), pgg, glist, unit_group, unit_w, el_att_arr)
        inf = el_inf_mat @ w + wif
    elif kind == "dynamic":
        pos = np.asarray(labels) >= 0
        if not pos.any():
            raise DiDEstimationError("no post-treatment event times to aggregate")
        overall = float(el_att_arr[pos].mean())
        inf = el_inf_mat[:, pos].mean(axis=1)
    else:
        overall = float(el_att_arr.mean())
        inf = el_inf_mat.mean(axis=1)
    el_att = list(el_att_arr)

    overall_se = _se(inf)
    el_se = np.array([_se(el_inf_mat[:, k]) for k in range(el_inf_mat.shape[1])])
    crit = float(norm.ppf(1 - res.alpha / 2))
    if res.bootstrap:
        boot = multiplier_bootstrap(np.column_stack([inf, el_inf_mat]), res.bootstrap, res.seed, res.alpha)
        overall_se = float(boot.se[0]) if np.isfinite(overall_se) else np.nan
        el_se = np.where(np.isfinite(el_se), boot.se[1:], np.nan)
        if el_inf_mat.shape[1]:
            band = multiplier_bootstrap(el_inf_mat, res.bootstrap, res.seed, res.alpha)
            if np.isfinite(band.critical_value):
                # R did falls back to the pointwise value when the band is narrower.
                crit = max(band.critical_value, crit)
    key = _KEY[kind]
    elements = pd.DataFrame(
        {key or "term": labels, "att": el_att, "se": el_se}
        if key
        else {"term": [], "att": [], "se": []}
    )
    if key:
        from did.att_gt import integral_or_float

        elements[key] = integral_or_float(elements[key])
        elements["ci_lower"] = elements["att"] - crit * elements["se"]
        elements["ci_upper"] = elements["att"] + crit * elements["se"]
    return AggregateResults(
        kind=kind,
        overall_att=overall,
        overall_se=overall_se,
        elements=elements,
        critical_value=crit,
        alpha=res.alpha,
        influence=np.column_stack([inf, el_inf_mat]),
        bootstrap=int(res.bootstrap),
    )
