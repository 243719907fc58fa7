"""The study's analysis panel: firm TFP joined with membership timing.

This is where the study design's treatment definition lives (section 2: the
treatment year is the first join across clusters, companies only; section 3: firms
already members before they are first observed are left out of the DiD), and the
derived classifications that the tables break results down by.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_contracts import PANEL_COLUMNS

FIRM = "enterprise_number"
YEAR = "year"

# The analysis sample's column vocabulary: what a study file may name (matching
# covariates and exact-matching variables are validated against it on load), and
# what :func:`build_analysis_panel` returns (a test keeps the two in step).

#: Firm TFP columns carried into the analysis sample (:mod:`study.productivity`).
TFP_COLUMNS: tuple[str, ...] = ("log_tfp", "log_tfp_net_of_noise")
#: Treatment timing and derived columns added by :func:`build_analysis_panel`.
TREATMENT_COLUMNS: tuple[str, ...] = (
    "first_join_year", "first_clusters", "clusters", "n_clusters", "member", "treated", "event_time",
    "multi_cluster",
)
DERIVED_COLUMNS: tuple[str, ...] = ("log_lp", "size_class", "tfp_growth")

#: Firm characteristics a study may match on, measured in the baseline year g - 1:
#: the panel's numeric measures, log TFP (and its growth) and labour productivity.
#: Treatment and timing columns are not covariates (matching on them is circular).
MATCHING_COVARIATES: tuple[str, ...] = tuple(
    c.name for c in PANEL_COLUMNS if c.dtype in ("float64", "int64") and c.name not in (YEAR, "months")
) + TFP_COLUMNS + ("tfp_growth", "log_lp")
#: Categories a study may match exactly on.
EXACT_MATCHING_VARIABLES: tuple[str, ...] = ("nace2", "nace", "region", "model", "size_class")

#: Size classes of the study design (section 4, T5), on pre-membership FTE.
SIZE_BINS: tuple[float, ...] = (-np.inf, 50.0, 250.0, np.inf)
SIZE_LABELS: tuple[str, ...] = ("small", "medium", "large")


def size_class(fte: pd.Series) -> pd.Series:
    """small (< 50 FTE), medium (50-249) or large (>= 250)."""
    return pd.cut(fte, bins=list(SIZE_BINS), labels=list(SIZE_LABELS), right=False).astype("string")


def build_analysis_panel(panel: pd.DataFrame, tfp: pd.DataFrame, timing: pd.DataFrame) -> pd.DataFrame:
    """Join the deflated firm-year panel, firm TFP and first-join years.

    Parameters
    ----------
    panel : DataFrame
        The validated firm-year panel (one row per ``enterprise_number`` x ``year``).
    tfp : DataFrame
        Firm-year log TFP keyed by ``enterprise_number`` and ``year`` (column ``log_tfp``).
    timing : DataFrame
        One row per member company: ``enterprise_number``, ``first_join_year``,
        ``first_clusters`` (joined on the first join date), ``clusters``, ``n_clusters``.

    Returns
    -------
    DataFrame
        One row per firm-year with ``first_join_year`` (0 = never a member, as R's
        ``did`` codes it), ``treated`` (year at or after the first join),
        ``event_time``, ``size_class`` (FTE before joining, or over the whole
        window for non-members), ``tfp_growth``, ``log_lp`` (log value added per
        FTE), ``clusters``, ``multi_cluster``. Firms that joined in or before
        their first observed year have no pre-membership year and are left out;
        ``attrs["excluded_already_members"]`` counts them.
    """
    keep = [c for c in tfp.columns if c not in panel.columns or c in (FIRM, YEAR)]
    frame = panel.merge(tfp[keep], on=[FIRM, YEAR], how="inner", validate="one_to_one")
    frame = assign_treatment(frame, timing)
    frame.insert(frame.columns.get_loc("size_class"), "log_lp", frame["log_va"] - frame["log_fte"])
    previous = frame.groupby(FIRM)["log_tfp"].shift(1)
    gap = frame[YEAR] - frame.groupby(FIRM)[YEAR].shift(1)
    frame["tfp_growth"] = np.where(gap == 1, frame["log_tfp"] - previous, np.nan)
    return frame


def assign_treatment(frame: pd.DataFrame, timing: pd.DataFrame) -> pd.DataFrame:
    """Treatment timing of every firm-year (the study design's definition, one place).

    Used by :func:`build_analysis_panel` and, on the firm-year panel before any TFP
    is estimated, by the study's pre-flight checks (:mod:`study.preflight`).

    Returns
    -------
    DataFrame
        ``frame`` sorted by firm and year with ``first_join_year`` (0 = never a
        member), ``clusters``, ``first_clusters``, ``n_clusters``, ``member``,
        ``treated``, ``event_time``, ``multi_cluster`` and ``size_class``; firms
        that joined in or before their first observed year are left out and counted
        in ``attrs["excluded_already_members"]``.
    """
    timing_cols = [FIRM, "first_join_year", "first_clusters", "clusters", "n_clusters"]
    frame = frame.merge(timing[[c for c in timing_cols if c in timing.columns]], on=FIRM, how="left",
                        validate="many_to_one")
    if "first_clusters" not in frame.columns:
        frame["first_clusters"] = frame["clusters"]
    # Joins after the panel's last year are not treatment within the window (as R did).
    frame.loc[frame["first_join_year"] > frame[YEAR].max(), "first_join_year"] = np.nan
    frame["first_join_year"] = frame["first_join_year"].fillna(0).astype("int64")
    for col in ("clusters", "first_clusters"):
        frame[col] = frame[col].where(frame["first_join_year"] > 0, "").fillna("").astype("string")
    frame["n_clusters"] = frame["n_clusters"].where(frame["first_join_year"] > 0, 0).fillna(0).astype("int64")
    frame = frame.sort_values([FIRM, YEAR], kind="stable").reset_index(drop=True)

    first_seen = frame.groupby(FIRM)[YEAR].transform("min")
    member = frame["first_join_year"] > 0
    already = member & (frame["first_join_year"] <= first_seen)
    n_excluded = int(frame.loc[already, FIRM].nunique())
    frame = frame.loc[~already].reset_index(drop=True)

    member = frame["first_join_year"] > 0
    frame["member"] = member.astype("int8")
    frame["treated"] = (member & (frame[YEAR] >= frame["first_join_year"])).astype("int8")
    frame["event_time"] = pd.array(
        np.where(member, frame[YEAR] - frame["first_join_year"], pd.NA), dtype="Int64"
    )
    frame["multi_cluster"] = (frame["n_clusters"] > 1).astype("int8")

    # Size before treatment, so that joining cannot move a firm between classes.
    pre = frame.loc[(frame["treated"] == 0), [FIRM, "fte"]]
    pre_fte = pre.groupby(FIRM)["fte"].mean()
    frame["size_class"] = size_class(frame[FIRM].map(pre_fte))
    frame.attrs["excluded_already_members"] = n_excluded
    return frame


def cluster_classification(analysis: pd.DataFrame, industry: str = "nace2") -> pd.Series:
    """Group every firm by cluster instead of by sector (robustness column 6).

    A member belongs to the cluster it joined first (alphabetically first if it
    joined several that day); a non-member to the cluster with most member firms in its industry, or to
    ``"none"`` where its industry has no members. Returns a Series aligned with
    ``analysis``.
    """
    first_cluster = analysis["first_clusters"].str.split(";").str[0].where(analysis["member"] == 1)
    members = analysis.loc[analysis["member"] == 1, [FIRM, industry]].drop_duplicates(FIRM)
    members = members.assign(cluster=first_cluster[members.index])
    counts = members.groupby([industry, "cluster"]).size().rename("n").reset_index()
    # Most members, ties broken alphabetically, so the classification is deterministic.
    top = counts.sort_values([industry, "n", "cluster"], ascending=[True, False, True]).drop_duplicates(industry)
    by_industry = analysis[industry].map(top.set_index(industry)["cluster"]).fillna("none")
    return first_cluster.fillna(by_industry).astype("string").rename("cluster_group")


def tfp_truth_correlations(analysis: pd.DataFrame, truth: pd.DataFrame, industry: str = "nace2") -> pd.DataFrame:
    """Correlation of estimated and true log TFP, pooled and within industry.

    A production function identifies productivity up to an industry-specific level
    (output and inputs are in industry-specific units), so the within-industry
    correlation (both sides demeaned by industry) is the one that measures recovery.
    ``log_tfp_net_of_noise`` removes the first-stage estimate of the unforeseen shock.
    """
    columns = ["estimate", "n_firm_years", "correlation_pooled", "correlation_within_industry"]
    if truth.empty:  # a study on real data has no known truth
        return pd.DataFrame(columns=columns)
    estimated = [c for c in ("log_tfp", "log_tfp_net_of_noise") if c in analysis.columns]
    joined = analysis[[FIRM, YEAR, industry, *estimated]].merge(
        truth[[FIRM, YEAR, "log_tfp"]].rename(columns={"log_tfp": "true_log_tfp"}), on=[FIRM, YEAR])
    rows = []
    for col in estimated:
        within = joined.groupby(industry)[[col, "true_log_tfp"]].transform(lambda s: s - s.mean())
        rows.append({"estimate": col, "n_firm_years": int(len(joined)),
                     "correlation_pooled": float(joined[col].corr(joined["true_log_tfp"])),
                     "correlation_within_industry": float(within[col].corr(within["true_log_tfp"]))})
    return pd.DataFrame(rows, columns=columns)
