"""Two-way fixed-effects DiD: outcome on treatment with unit and period effects.

The static TWFE regression ``y_it = a_i + l_t + beta D_it + e_it`` (optionally with
further absorbed effects such as industry x year and observation weights). Under
staggered adoption with heterogeneous effects beta is a weighted average of 2x2
comparisons, some with negative weights (Goodman-Bacon 2021, eq. 10-11); see
:func:`did.bacon_decomposition` and the Callaway-Sant'Anna estimator for the robust
alternative.

Small-sample convention
-----------------------
Standard errors are clustered (by unit unless ``cluster`` is given) and equal those of
linearmodels ``PanelOLS(..., entity_effects=True, time_effects=True)
.fit(cov_type="clustered", cluster_entity=True)`` (7.1 defaults ``debiased=True``,
``group_debias=False``): ``V = n/(n - d - k) (X'X)^-1 S (X'X)^-1`` with d = units +
periods - 1 (+ levels - 1 per extra absorbed effect) and no G/(G-1) factor. On mpdta
this gives 0.0148; pyfixest's CRV1 (G/(G-1), effects nested in the clusters not
counted) gives 0.0133 for the same coefficient. Inference uses t(df_resid).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from did.errors import DiDInputError
from did.fixed_effects import fe_ols
from did.panel import require_columns, require_complete, require_numeric
from did.summaries import twfe_display, twfe_document

SMALL_SAMPLE_NOTE = (
    "SEs clustered by {cluster}; small-sample factor n/(n-d-k) as linearmodels PanelOLS "
    "(debiased, no G/(G-1)); d = absorbed effects."
)

AbsorbSpec = str | Sequence[str]


@dataclass(frozen=True)
class PanelDesign:
    """Codes of the absorbed effects and clusters for a long panel."""

    effects: list[np.ndarray]
    effect_names: list[str]
    clusters: np.ndarray
    cluster_name: str
    weights: np.ndarray | None
    n_entities: int
    unit_codes: np.ndarray
    time_codes: np.ndarray


def _codes(frame: pd.DataFrame, cols: Sequence[str]) -> np.ndarray:
    if len(cols) == 1:
        return pd.factorize(frame[cols[0]], sort=True)[0]
    return frame.groupby(list(cols), sort=True, observed=True).ngroup().to_numpy()


def build_design(
    data: pd.DataFrame,
    *,
    y: str,
    id: str,
    time: str,
    regressors: Sequence[str],
    absorb: Sequence[AbsorbSpec] | AbsorbSpec | None,
    weights: str | None,
    cluster: str | None,
) -> PanelDesign:
    """Validate the columns and encode unit, period and extra effects and clusters."""
    if isinstance(absorb, str):
        absorb = [absorb]
    absorb_specs = [[a] if isinstance(a, str) else list(a) for a in (absorb or [])]
    needed = [y, id, time, *regressors, weights, cluster] + [c for spec in absorb_specs for c in spec]
    require_columns(data, needed)
    for col, role in [(y, "outcome"), *[(r, "regressor") for r in regressors]]:
        require_numeric(data, col, role)
        require_complete(data, col, role)
    for col in [id, time, cluster] + [c for spec in absorb_specs for c in spec]:
        if col is not None:
            require_complete(data, col, "fixed-effect/cluster")
    w = None
    if weights is not None:
        require_numeric(data, weights, "weights")
        require_complete(data, weights, "weights")
        w = data[weights].to_numpy(dtype=float)
        if (w <= 0).any():
            raise DiDInputError(f"weights column {weights!r} must be strictly positive")
    unit = pd.factorize(data[id], sort=True)[0]
    period = pd.factorize(data[time], sort=True)[0]
    n_periods = int(period.max()) + 1
    if np.bincount(unit.astype(np.int64) * n_periods + period).max() > 1:
        raise DiDInputError(f"duplicate ({id}, {time}) rows in data")
    effects, names = [unit], [id]
    extra = [_codes(data, spec) for spec in absorb_specs]
    # An absorbed effect that nests the period (each level within one period, e.g.
    # industry x year) makes the period effects redundant: absorb it instead of them,
    # which is the same projection and the degrees-of-freedom count of linearmodels
    # PanelOLS(entity_effects=True, other_effects=that effect).
    nests_time = [
        np.count_nonzero(np.bincount(codes.astype(np.int64) * n_periods + period)) == codes.max() + 1
        for codes in extra
    ]
    if not any(nests_time):
        effects.append(period)
        names.append(time)
    for codes, spec in zip(extra, absorb_specs):
        effects.append(codes)
        names.append(" x ".join(spec))
    clusters = unit if cluster is None or cluster == id else pd.factorize(data[cluster], sort=True)[0]
    return PanelDesign(
        effects=effects,
        effect_names=names,
        clusters=clusters,
        cluster_name=cluster or id,
        weights=w,
        n_entities=int(unit.max()) + 1,
        unit_codes=unit,
        time_codes=period,
    )


@dataclass(frozen=True)
class TWFEResults:
    """Static two-way fixed-effects DiD estimate.

    Attributes
    ----------
    params, std_errors : Series
        Coefficient(s) on the treatment indicator and their clustered SEs.
    nobs, n_entities, n_clusters, df_resid : int
    rsquared_within : float
        R^2 of the regression after all effects are absorbed (linearmodels
        ``rsquared`` for PanelOLS).
    """

    params: pd.Series
    std_errors: pd.Series
    cov: pd.DataFrame = field(repr=False)
    nobs: int
    n_entities: int
    n_clusters: int
    df_resid: int
    rsquared_within: float
    absorbed: tuple[str, ...]
    cluster: str
    alpha: float = 0.05

    @property
    def tstats(self) -> pd.Series:
        return self.params / self.std_errors

    @property
    def pvalues(self) -> pd.Series:
        return pd.Series(2 * stats.t.sf(np.abs(self.tstats), self.df_resid), index=self.params.index)

    def conf_int(self, level: float | None = None) -> pd.DataFrame:
        """Intervals from t(df_resid), as linearmodels with ``debiased=True``."""
        level = 1 - self.alpha if level is None else level
        q = stats.t.ppf(0.5 + level / 2, self.df_resid)
        return pd.DataFrame(
            {"lower": self.params - q * self.std_errors, "upper": self.params + q * self.std_errors}
        )

    @property
    def note(self) -> str:
        """Footnote for tables: the small-sample convention."""
        return SMALL_SAMPLE_NOTE.format(cluster=self.cluster)

    def to_frame(self) -> pd.DataFrame:
        ci = self.conf_int()
        return pd.DataFrame(
            {
                "term": self.params.index,
                "estimate": self.params.to_numpy(),
                "se": self.std_errors.to_numpy(),
                "tstat": self.tstats.to_numpy(),
                "pvalue": self.pvalues.to_numpy(),
                "ci_lower": ci["lower"].to_numpy(),
                "ci_upper": ci["upper"].to_numpy(),
            }
        )

    def summary(self) -> str:
        """Coefficient table with t, p and interval, fixed effects, clusters and df."""
        return twfe_display(self).text()

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return twfe_display(self).html()

    def to_dict(self) -> dict:
        """JSON-ready document (the ``did twfe`` layout)."""
        return twfe_document(self)


def twfe(
    data: pd.DataFrame,
    *,
    y: str,
    id: str,
    time: str,
    treated: str | Sequence[str] | None = None,
    group: str | None = None,
    absorb: Sequence[AbsorbSpec] | AbsorbSpec | None = None,
    weights: str | None = None,
    cluster: str | None = None,
    alpha: float = 0.05,
) -> TWFEResults:
    """Two-way fixed-effects regression of ``y`` on ``treated`` (Goodman-Bacon 2021, eq. 2).

    Parameters
    ----------
    data : DataFrame
        Long panel (may be unbalanced).
    y, id, time : str
        Outcome, unit and period columns.
    treated : str or sequence of str, optional
        Treatment indicator D_it (1 from the first treated period on), or several
        regressors.
    group : str, optional
        Instead of ``treated``: first treatment period (0 = never treated); the
        regressor ``treated`` = 1{group > 0 and time >= group} is built from it.
    absorb : str, sequence of str or of tuples, optional
        Extra absorbed effects; a tuple ("industry", "year") is the interaction. An
        effect that nests the period replaces the period effects (same projection).
    weights : str, optional
        Observation weights (weighted least squares, e.g. matching weights).
    cluster : str, optional
        Cluster variable (default: the unit).

    Returns
    -------
    TWFEResults
        See the module docstring for the small-sample convention.
    """
    if (treated is None) == (group is None):
        raise DiDInputError("give exactly one of treated= (0/1 column) or group= (first treated period)")
    if group is not None:
        require_columns(data, [group, time])
        require_numeric(data, group, "group")
        require_complete(data, group, "group")
        g = data[group].to_numpy(dtype=float)
        data = data.assign(treated=((g > 0) & (data[time].to_numpy(dtype=float) >= g)).astype(float))
        treated = "treated"
    regressors = [treated] if isinstance(treated, str) else list(treated)
    design = build_design(
        data, y=y, id=id, time=time, regressors=regressors, absorb=absorb, weights=weights, cluster=cluster
    )
    fit = fe_ols(
        data[y].to_numpy(dtype=float),
        data[regressors].to_numpy(dtype=float),
        design.effects,
        design.clusters,
        design.weights,
    )
    se = np.sqrt(np.diag(fit.cov))
    return TWFEResults(
        params=pd.Series(fit.params, index=regressors, name="estimate"),
        std_errors=pd.Series(se, index=regressors, name="se"),
        cov=pd.DataFrame(fit.cov, index=regressors, columns=regressors),
        nobs=fit.nobs,
        n_entities=design.n_entities,
        n_clusters=fit.n_clusters,
        df_resid=fit.df_resid,
        rsquared_within=fit.rsquared,
        absorbed=tuple(design.effect_names),
        cluster=design.cluster_name,
        alpha=alpha,
    )
