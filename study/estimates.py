"""The study's effect estimates, one tidy row each (the columns of table T3).

Each function calls one estimator of ``did`` (or ``linearmodels`` for the pooled
premium) on the analysis panel and returns a one-row frame with the columns of
:data:`ESTIMATE_COLUMNS`, so tables, figures and the manifest read every estimate
the same way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from linearmodels.panel import PanelOLS
from scipy import stats

import did

FIRM, YEAR, Y = "enterprise_number", "year", "log_tfp"

ESTIMATE_COLUMNS: tuple[str, ...] = (
    "specification", "label", "estimate", "se", "pvalue", "ci_lower", "ci_upper", "df",
    "n_obs", "n_firms", "n_members", "r2_within", "residual_df",
    "firm_fe", "year_fe", "industry_year_fe", "control_group",
)


def _row(**values: object) -> pd.DataFrame:
    row = {c: values.get(c) for c in ESTIMATE_COLUMNS}
    est, se, df = float(row["estimate"]), float(row["se"]), row["df"]
    if row["pvalue"] is None:
        z = est / se if se > 0 else np.nan
        row["pvalue"] = float(2 * (stats.t.sf(abs(z), df) if df else stats.norm.sf(abs(z))))
    crit = float(stats.t.ppf(0.975, df) if df else stats.norm.ppf(0.975))
    row["ci_lower"], row["ci_upper"] = est - crit * se, est + crit * se
    for col in ("firm_fe", "year_fe", "industry_year_fe"):
        row[col] = bool(row[col])
    row["control_group"] = row["control_group"] or ""
    for col in ("df", "r2_within", "residual_df"):
        row[col] = np.nan if row[col] is None else float(row[col])
    return pd.DataFrame([row], columns=list(ESTIMATE_COLUMNS))


def _counts(frame: pd.DataFrame, id: str = FIRM) -> dict[str, int]:
    return {
        "n_obs": int(len(frame)),
        "n_firms": int(frame[id].nunique()),
        "n_members": int(frame.loc[frame["member"] == 1, id].nunique()),
    }


def pooled_premium(panel: pd.DataFrame, *, y: str = Y) -> pd.DataFrame:
    """Column (1): pooled OLS member premium with year and industry effects.

    ``y`` regressed on current membership without firm effects, so the estimate
    mixes the effect with members' pre-existing advantage (the selection that the
    DiD columns remove). Firm-clustered SEs (linearmodels, debiased).
    """
    data = panel.set_index([FIRM, YEAR])
    model = PanelOLS(data[y], data[["treated"]].astype(float), time_effects=True,
                     other_effects=data[["nace2"]].astype("category"), check_rank=False)
    fit = model.fit(cov_type="clustered", cluster_entity=True, debiased=True)
    n_clusters = int(panel[FIRM].nunique())
    return _row(specification="pooled_ols", label="Pooled OLS", estimate=fit.params["treated"],
                se=fit.std_errors["treated"], df=n_clusters - 1, r2_within=None,
                residual_df=float(fit.df_resid), year_fe=True, **_counts(panel))


def twfe_estimate(panel: pd.DataFrame, *, y: str = Y, industry_year: bool = False,
                  specification: str = "twfe", label: str = "TWFE DiD",
                  weights: str | None = None, id: str = FIRM, cluster: str | None = None,
                  stack: bool = False) -> pd.DataFrame:
    """Columns (2), (3), (5), (6): two-way fixed-effects DiD of ``y`` on membership.

    ``stack`` replaces the year effects by stack-by-year effects (stacked designs).
    """
    absorb = [("nace2", YEAR)] if industry_year else [("stack", YEAR)] if stack else None
    fit = did.twfe(panel, y=y, id=id, time=YEAR, treated="treated", absorb=absorb,
                   weights=weights, cluster=cluster)
    return _row(specification=specification, label=label, estimate=fit.params["treated"],
                se=fit.std_errors["treated"], df=fit.n_clusters - 1, r2_within=fit.rsquared_within,
                residual_df=fit.df_resid, firm_fe=True, year_fe=not industry_year,
                industry_year_fe=industry_year, **_counts(panel, id))


def balanced_subpanel(panel: pd.DataFrame, id: str = FIRM, time: str = YEAR) -> pd.DataFrame:
    """Firms observed in every year of the panel's window (an explicit, reported choice)."""
    n_periods = panel[time].nunique()
    complete = panel.groupby(id)[time].transform("nunique") == n_periods
    return panel.loc[complete].reset_index(drop=True)


def callaway_santanna(panel: pd.DataFrame, *, control_group: str, method: str, base_period: str,
                      y: str = Y, seed: int = 0) -> tuple[pd.DataFrame, did.ATTgtResults]:
    """Column (4): Callaway-Sant'Anna simple aggregate of ATT(g,t) (analytic SEs).

    Estimated on the balanced sub-panel of firms observed in every year.
    """
    panel = balanced_subpanel(panel)
    res = did.att_gt(panel, y=y, id=FIRM, time=YEAR, group="first_join_year",
                     control_group=control_group, method=method, base_period=base_period, seed=seed)
    simple = res.aggregate("simple")
    label = "Callaway-Sant'Anna" + (" (not yet members)" if control_group == "notyet" else "")
    row = _row(specification=f"cs_{control_group}", label=label, estimate=simple.overall_att,
               se=simple.overall_se, df=None, r2_within=None, residual_df=float(res.n_units - 1),
               firm_fe=True, year_fe=True, control_group=control_group, **_counts(panel))
    return row, res


def matched_twfe(stacked: pd.DataFrame) -> pd.DataFrame:
    """Column (5): DiD on the stacked matched sample.

    Each cohort's members and their matched controls form one stack; the regression
    has stack-by-firm and stack-by-year effects (so every comparison stays within
    its cohort, avoiding the forbidden comparisons of staggered TWFE), matching
    weights, and SEs clustered by firm (a control may serve several stacks).
    """
    frame = stacked.assign(
        stack_unit=stacked["stack"].astype(str) + ":" + stacked[FIRM].astype(str),
        member=stacked["treated"],
        treated=(stacked["treated"] * stacked["post"]).astype("int8"),
    )
    out = twfe_estimate(frame, specification="matched_twfe", label="Matched DiD", weights="weight",
                        id="stack_unit", cluster=FIRM, industry_year=False, stack=True)
    counts = _counts(frame.assign(member=stacked["treated"]))
    for key, value in counts.items():
        out[key] = value
    return out
