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
        lines = [
            f"Callaway-Sant'Anna aggregated effect: {self.kind}",
            f"overall ATT = {self.overall_att:.6f} (SE {self.overall_se:.6f})",
        ]
        if self.key is not None:
            lines += ["", self.elements.to_string(index=False, float_format=lambda v: f"{v:.6f}")]
            lines.append(f"element intervals use critical value {self.critical_value:.4f}")
        return "\n".join(lines)


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


def _combine(
    psi: np.ndarray, att: np.ndarray, cells: np.ndarray, weights: np.ndarray, wif: np.ndarray | None
) -> np.ndarray:
    out = psi[:, cells] @ weights
    if wif is not None:
        out = out + wif
    return out


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

    overall_cols: np.ndarray
    labels: list[float] = []
    el_att: list[float] = []
    el_inf: list[np.ndarray] = []

    if kind == "simple":
        cells = np.flatnonzero(post)
        w = pg[cells] / pg[cells].sum()
        overall = float(att[cells] @ w)
        inf = _combine(psi, att, cells, w, _weight_influence(cells, pg, group, unit_group, unit_w, att))
    elif kind == "group":
        for gval in glist:
            cells = np.flatnonzero((group == gval) & post)
            w = pg[cells] / pg[cells].sum()
            labels.append(gval)
            el_att.append(float(np.mean(att[cells])) if len(cells) else np.nan)
            el_inf.append(_combine(psi, att, cells, w, None))
        el_att_arr = np.array(el_att)
        pgg = np.array([pg_of_group[gval] for gval in glist])
        w = pgg / pgg.sum()
        overall = float(el_att_arr @ w)
        inf_g = np.column_stack(el_inf)
        wif = _weight_influence(
            np.arange(len(glist)), pgg, glist, unit_group, unit_w, el_att_arr
        )
        inf = inf_g @ w + wif
    elif kind == "dynamic":
        eseq = np.unique(event)
        eseq = eseq[(eseq >= min_e) & (eseq <= max_e)]
        for e in eseq:
            cells = np.flatnonzero(event == e)
            w = pg[cells] / pg[cells].sum()
            labels.append(e)
            el_att.append(float(att[cells] @ w))
            el_inf.append(_combine(psi, att, cells, w, _weight_influence(cells, pg, group, unit_group, unit_w, att)))
        el_att_arr = np.array(el_att)
        pos = eseq >= 0
        if not pos.any():
            raise DiDEstimationError("no post-treatment event times to aggregate")
        overall = float(el_att_arr[pos].mean())
        inf = np.column_stack(el_inf)[:, pos].mean(axis=1)
    else:  # calendar
        tlist = np.unique(time)
        tlist = tlist[tlist >= group.min()]
        for tval in tlist:
            cells = np.flatnonzero((time == tval) & (group <= time))
            w = pg[cells] / pg[cells].sum()
            labels.append(tval)
            el_att.append(float(att[cells] @ w))
            el_inf.append(_combine(psi, att, cells, w, _weight_influence(cells, pg, group, unit_group, unit_w, att)))
        el_att_arr = np.array(el_att)
        overall = float(el_att_arr.mean())
        inf = np.column_stack(el_inf).mean(axis=1)

    overall_se = _se(inf)
    el_inf_mat = np.column_stack(el_inf) if el_inf else np.empty((psi.shape[0], 0))
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
    )
