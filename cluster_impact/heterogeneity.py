"""Heterogeneity of the membership effect (table T5) and robustness variants (T6).

Heterogeneity comes from one regression per dimension: membership interacted with
the subgroup, ``treated x 1[group = s]`` for every subgroup ``s``, with firm and year
effects, so that all subgroups share the same control firms and the equality test is
a Wald test on one coefficient vector with its firm-clustered covariance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

import did
import tfp
from cluster_impact.study_estimates import FIRM, YEAR, Y, balanced_subpanel, twfe_estimate

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


def sample_variants(panel: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The robustness samples of the study design (T6)."""
    return {
        "Balanced panel": balanced_subpanel(panel),
        "Without 2020": panel.loc[panel[YEAR] != 2020],
        "Full-model filers only": panel.loc[panel.groupby(FIRM)["model"].transform(lambda m: (m == "full").all())],
        "Without multi-cluster firms": panel.loc[panel["multi_cluster"] == 0],
    }


def robustness_rows(panel: pd.DataFrame, tfp_variants: pd.DataFrame, labels: Mapping[str, str],
                    control_groups: pd.DataFrame) -> pd.DataFrame:
    """T6 rows: TWFE on every TFP variant, CS by control group, TWFE on each sample.

    ``tfp_variants`` holds one ``log_tfp_<method>`` column per TFP estimator keyed by
    firm and year; ``control_groups`` are the Callaway-Sant'Anna rows of the study.
    """
    rows = []
    base = panel.drop(columns=[Y])
    for method, label in labels.items():
        column = f"{Y}_{method}"
        variant = base.merge(tfp_variants[[FIRM, YEAR, column]], on=[FIRM, YEAR]).rename(columns={column: Y})
        variant = variant.loc[np.isfinite(variant[Y])]
        rows.append(_as_row("TFP estimator", label, twfe_estimate(variant)))
    for row in control_groups.itertuples(index=False):
        label = "Never members" if row.control_group == "never" else "Not-yet members"
        rows.append(_as_row("Control group (Callaway-Sant'Anna)", label, pd.DataFrame([row._asdict()])))
    for label, sample in sample_variants(panel).items():
        rows.append(_as_row("Sample (TWFE)", label, twfe_estimate(sample)))
    return pd.DataFrame(rows)


def _as_row(dimension: str, variant: str, estimate: pd.DataFrame) -> dict[str, object]:
    r = estimate.iloc[0]
    return {"dimension": dimension, "variant": variant, "estimate": float(r["estimate"]), "se": float(r["se"]),
            "pvalue": float(r["pvalue"]), "n_obs": int(r["n_obs"]), "n_firms": int(r["n_firms"]),
            "n_members": int(r["n_members"]), "residual_df": float(r["residual_df"])}


def tfp_variants(panel: pd.DataFrame, methods: Sequence[str], *, min_obs: int, seed: int,
                 pf_columns: Mapping[str, str], acf_options: Mapping[str, object] | None = None
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Log TFP from every estimator of the robustness grid, and their elasticities (T2).

    ``cost_share`` is the index-number TFP with industry-year median cost shares
    (labour: wage bill over value added; capital: the rest), ``labour_productivity``
    log value added per FTE; the others are production functions by NACE 2-digit.
    """
    keys = panel[[FIRM, YEAR]].copy()
    elasticities = []
    for method in methods:
        if method == "cost_share":
            shares = panel.assign(labour_share=panel["wage_bill"] / panel["va_nominal"])
            cs = tfp.cost_share_tfp(shares, id=FIRM, time=YEAR, group="nace2", output="log_va",
                                    inputs={"log_fte": "labour_share", "log_capital": None})
            keys[f"{Y}_{method}"] = cs["log_tfp"].to_numpy()
            continue
        if method == "labour_productivity":
            keys[f"{Y}_{method}"] = (panel["log_va"] - panel["log_fte"]).to_numpy()
            continue
        options = dict(acf_options or {}) if method == "acf" else {}
        grouped = tfp.estimate_by_group(panel, group="nace2", min_obs=min_obs, method=method, seed=seed,
                                        **options, **pf_columns)
        merged = keys.merge(grouped.tfp[[FIRM, YEAR, "log_tfp"]], on=[FIRM, YEAR], how="left")
        keys[f"{Y}_{method}"] = merged["log_tfp"].to_numpy()
        el = grouped.elasticities.assign(estimator=method)
        elasticities.append(el)
    return keys, pd.concat(elasticities, ignore_index=True) if elasticities else pd.DataFrame()
