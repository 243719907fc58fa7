"""Heterogeneity of the membership effect (table T5).

Heterogeneity comes from one regression per dimension: membership interacted with
the subgroup, ``treated x 1[group = s]`` for every subgroup ``s``, with firm and year
effects, so that all subgroups share the same control firms and the equality test is
a Wald test on one coefficient vector with its firm-clustered covariance.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

import did
from study.estimates import FIRM, YEAR, Y, balanced_subpanel

COHORT = "Entry cohort"


def cohort_effects(res: "did.ATTgtResults", panel: pd.DataFrame) -> pd.DataFrame:
    """Callaway-Sant'Anna effect of each entry cohort and the test that they are equal.

    Cohort effects from staggered TWFE interactions would use already-treated firms as
    controls and mix cohort with length of exposure; CS's group aggregation (CS 2021,
    eq. 3.6) compares each cohort with never-members only. One row per cohort, then
    one row ``group == "Equality test"`` with the Wald statistic in ``estimate``, its
    df in ``se`` and the p-value in ``pvalue``.
    """
    groups = res.aggregate("group").elements
    sample = balanced_subpanel(panel)  # the sample the CS estimate used
    members = sample.loc[sample["member"] == 1].groupby("first_join_year")[FIRM].nunique()
    rows = [{"dimension": COHORT, "group": str(int(g.group)), "estimate": float(g.att), "se": float(g.se),
             "df": np.nan, "n_obs": int(res.n_obs), "n_firms": int(res.n_units),
             "n_members": int(members.get(int(g.group), 0)), "residual_df": float(res.n_units - 1)}
            for g in groups.itertuples(index=False)]
    test = did.cohort_equality_test(res)
    rows.append({"dimension": COHORT, "group": "Equality test", "estimate": float(test.W), "se": float(test.df),
                 "pvalue": float(test.pvalue)})
    return pd.DataFrame(rows)


#: Subgroup columns of T5. Clusters are the ones a firm joined on entry, so the
#: interaction switches on with the treatment (a later second cluster does not
#: relabel earlier years).
DIMENSIONS: dict[str, str] = {"first_join_year": COHORT, "size_class": "Size class", "first_clusters": "Cluster"}


def _membership_dummies(panel: pd.DataFrame, column: str) -> tuple[pd.DataFrame, list[str], list[str]]:
    """``treated`` split by the members' value of ``column``; ``clusters`` is a ';' list."""
    frame = panel.copy()
    # Levels of treated firm-years only: a group with no treated year has no effect to estimate.
    treated = frame["treated"] == 1
    if column in ("clusters", "first_clusters"):
        levels = sorted({c for cell in frame.loc[treated, column] for c in str(cell).split(";") if c})
        has = {lvl: frame[column].str.split(";").apply(lambda cs, lvl=lvl: lvl in cs) for lvl in levels}
    else:
        values = frame.loc[treated, column].dropna()
        levels = sorted(values.astype(str).unique())
        has = {lvl: frame[column].astype(str) == lvl for lvl in levels}
    names = []
    for i, lvl in enumerate(levels):
        name = f"treated_{i}"
        frame[name] = (frame["treated"].astype(bool) & has[lvl].fillna(False).to_numpy()).astype("int8")
        names.append(name)
    return frame, names, levels


def equality_wald(params: np.ndarray, cov: np.ndarray) -> tuple[float, int, float]:
    """Wald test that all coefficients are equal: chi2 statistic, df, p-value."""
    k = len(params)
    if k < 2:
        return float("nan"), 0, float("nan")
    r = np.hstack([-np.ones((k - 1, 1)), np.eye(k - 1)])
    diff = r @ params
    stat = float(diff @ np.linalg.solve(r @ cov @ r.T, diff))
    return stat, k - 1, float(stats.chi2.sf(stat, k - 1))


def heterogeneity(panel: pd.DataFrame, dimensions: Mapping[str, str] = DIMENSIONS, *, y: str = Y
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Effects by subgroup and equality tests (tidy inputs of ``reports`` T5).

    Returns
    -------
    effects : DataFrame
        ``dimension, group, estimate, se, df, n_obs, n_firms, n_members, residual_df``.
    tests : DataFrame
        ``dimension, test, statistic, df, pvalue`` (Wald chi2, firm-clustered).
    """
    effects, tests = [], []
    for column, label in dimensions.items():
        frame, names, levels = _membership_dummies(panel, column)
        fit = did.twfe(frame, y=y, id=FIRM, time=YEAR, treated=names)
        members = frame.loc[frame["member"] == 1]
        for name, lvl in zip(names, levels):
            covered = members.loc[members[name] == 1, FIRM].nunique()
            effects.append({
                "dimension": label, "group": lvl, "estimate": float(fit.params[name]),
                "se": float(fit.std_errors[name]), "df": float(fit.n_clusters - 1),
                "n_obs": int(fit.nobs), "n_firms": int(fit.n_entities), "n_members": int(covered),
                "residual_df": float(fit.df_resid),
            })
        stat, df, p = equality_wald(fit.params[names].to_numpy(), fit.cov.loc[names, names].to_numpy())
        tests.append({"dimension": label, "test": "Wald chi2", "statistic": stat, "df": str(df), "pvalue": p})
    return pd.DataFrame(effects), pd.DataFrame(tests)
