"""TWFE event study: leads and lags of treatment with unit and period effects.

``y_it = a_i + l_t + sum_{e != -1} b_e 1{t - G_i = e} + u_it`` with the period before
treatment (e = -1) as reference and the end points binned (all e <= -leads in the
first lead, all e >= lags in the last lag), the specification of Borusyak, Jaravel and
Spiess (2024, eq. 4) and Sun and Abraham (2021, eq. 3). Never-treated units have all
indicators zero. The joint pre-trend test is the Wald test that every lead is zero.
Under heterogeneous effects the leads and lags are contaminated (Sun and Abraham 2021,
Prop. 3); compare with :meth:`did.ATTgtResults.aggregate` ("dynamic").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from did.errors import DiDInputError
from did.fixed_effects import fe_ols
from did.panel import require_columns, require_complete, require_numeric
from did.summaries import event_study_display
from did.twfe import SMALL_SAMPLE_NOTE, AbsorbSpec, build_design


@dataclass(frozen=True)
class EventStudyResults:
    """TWFE event-study coefficients.

    Attributes
    ----------
    estimates : DataFrame
        One row per event time (reference -1 included with estimate 0 and NaN SE):
        ``event_time, estimate, se, ci_lower, ci_upper, binned``.
    pretrend_wald, pretrend_df, pretrend_pvalue : float, int, float
        Joint Wald test that all leads are zero (chi-squared).
    """

    estimates: pd.DataFrame
    cov: pd.DataFrame = field(repr=False)
    pretrend_wald: float
    pretrend_df: int
    pretrend_pvalue: float
    nobs: int
    n_entities: int
    n_clusters: int
    df_resid: int
    rsquared_within: float
    cluster: str
    alpha: float

    @property
    def params(self) -> pd.Series:
        est = self.estimates[self.estimates["event_time"] != -1]
        return pd.Series(est["estimate"].to_numpy(), index=est["term"], name="estimate")

    @property
    def std_errors(self) -> pd.Series:
        est = self.estimates[self.estimates["event_time"] != -1]
        return pd.Series(est["se"].to_numpy(), index=est["term"], name="se")

    def conf_int(self) -> pd.DataFrame:
        est = self.estimates[self.estimates["event_time"] != -1].set_index("term")
        return est[["ci_lower", "ci_upper"]].rename(columns={"ci_lower": "lower", "ci_upper": "upper"})

    def to_frame(self) -> pd.DataFrame:
        return self.estimates.copy()

    def summary(self) -> str:
        """Leads and lags with SEs and intervals, the pre-trend test, clusters and df."""
        return event_study_display(self, SMALL_SAMPLE_NOTE.format(cluster=self.cluster)).text()

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return event_study_display(self, SMALL_SAMPLE_NOTE.format(cluster=self.cluster)).html()


def event_time_dummies(event: np.ndarray, leads: int, lags: int) -> tuple[np.ndarray, list[int]]:
    """Binned event-time indicators, reference -1 omitted; NaN event time = never treated."""
    treated = np.isfinite(event)
    binned = np.clip(np.where(treated, event, 0), -leads, lags)
    times = [e for e in range(-leads, lags + 1) if e != -1]
    cols = np.column_stack([(treated & (binned == e)).astype(float) for e in times])
    return cols, times


def event_study(
    data: pd.DataFrame,
    *,
    y: str,
    id: str,
    time: str,
    group: str,
    leads: int = 4,
    lags: int | None = None,
    absorb: list[AbsorbSpec] | AbsorbSpec | None = None,
    weights: str | None = None,
    cluster: str | None = None,
    alpha: float = 0.05,
) -> EventStudyResults:
    """Dynamic TWFE regression around the first treatment period.

    Parameters
    ----------
    data : DataFrame
        Long panel (may be unbalanced).
    y, id, time : str
        Outcome, unit and period.
    group : str
        First treatment period (0 = never treated).
    leads : int
        Leads -leads..-2 are estimated; -leads bins all earlier event times. At least 2.
    lags : int, optional
        Lags 0..lags; ``lags`` bins all later event times. Default: the largest
        observed event time (no binning at the top).
    absorb, weights, cluster, alpha
        As in :func:`did.twfe`.
    """
    require_columns(data, [group, time])
    require_numeric(data, group, "group")
    require_complete(data, group, "group")
    require_numeric(data, time, "time")
    if leads < 2:
        raise DiDInputError(f"leads must be at least 2 (reference period is -1), got {leads}")
    g = data[group].to_numpy(dtype=float)
    if (g < 0).any():
        raise DiDInputError(f"group column {group!r} has negative values")
    t = data[time].to_numpy(dtype=float)
    event = np.where(g > 0, t - g, np.nan)
    if not np.isfinite(event).any():
        raise DiDInputError(f"no treated units: {group!r} is 0 for every row")
    max_e = int(np.nanmax(event))
    min_e = int(np.nanmin(event))
    lags = max_e if lags is None else int(lags)
    if lags < 0:
        raise DiDInputError(f"lags must be non-negative, got {lags}")
    dummies, times = event_time_dummies(event, leads, lags)
    names = [f"event_time={e}" for e in times]
    frame = data.assign(**{nm: dummies[:, k] for k, nm in enumerate(names)})
    design = build_design(
        frame, y=y, id=id, time=time, regressors=names, absorb=absorb, weights=weights, cluster=cluster
    )
    keep = dummies.any(axis=0)
    if not keep.all():
        missing = [times[k] for k in np.flatnonzero(~keep)]
        raise DiDInputError(f"no observations at event times {missing}; reduce leads/lags")
    fit = fe_ols(frame[y].to_numpy(dtype=float), dummies, design.effects, design.clusters, design.weights)
    se = np.sqrt(np.diag(fit.cov))
    q = stats.t.ppf(1 - alpha / 2, fit.df_resid)
    est = pd.DataFrame(
        {
            "event_time": times,
            "term": names,
            "estimate": fit.params,
            "se": se,
            "ci_lower": fit.params - q * se,
            "ci_upper": fit.params + q * se,
            "binned": [(e == -leads and min_e < -leads) or (e == lags and lags < max_e) for e in times],
        }
    )
    ref = pd.DataFrame(
        {"event_time": [-1], "term": ["event_time=-1"], "estimate": [0.0], "se": [np.nan],
         "ci_lower": [np.nan], "ci_upper": [np.nan], "binned": [False]}
    )
    est = pd.concat([est, ref], ignore_index=True).sort_values("event_time", ignore_index=True)
    pre = [k for k, e in enumerate(times) if e < -1]
    b = fit.params[pre]
    v = fit.cov[np.ix_(pre, pre)]
    wald = float(b @ np.linalg.solve(v, b))
    return EventStudyResults(
        estimates=est,
        cov=pd.DataFrame(fit.cov, index=names, columns=names),
        pretrend_wald=wald,
        pretrend_df=len(pre),
        pretrend_pvalue=float(stats.chi2.sf(wald, len(pre))),
        nobs=fit.nobs,
        n_entities=design.n_entities,
        n_clusters=fit.n_clusters,
        df_resid=fit.df_resid,
        rsquared_within=fit.rsquared,
        cluster=design.cluster_name,
        alpha=alpha,
    )
