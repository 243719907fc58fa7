"""From the study's assets to published, disclosure-controlled tables and figures.

The ``reports`` package formats tidy inputs; this module knows the study: which
estimates fill which column, what the footnotes say (from the study spec), and the
aggregates each figure plots. Nothing firm-level leaves this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from study.spec import StudySpec, weaker_disclosure_thresholds
from reports.disclosure import DisclosureRules
from reports.figures import save_figure
from reports.impact_tables import EffectColumn
from reports.notes import StudyNotes
from reports.render import write_table
from reports.tables import PublishedTable

TFP_METHOD_NAMES = {
    "ols": "pooled OLS", "fe": "within (firm fixed effects)", "op": "Olley-Pakes (1996)",
    "lp": "Levinsohn-Petrin (2003)", "acf": "Ackerberg-Caves-Frazer (2015)",
    "wrdg": "Wooldridge (2009), pooled IV", "wrdg_gmm": "Wooldridge (2009)", "cost_share": "cost-share index",
}
#: The main table's columns (1)-(6), by specification name of the tidy estimates.
MAIN_COLUMNS = ("pooled_ols", "twfe", "twfe_industry_year", "cs_never", "matched_twfe", "twfe_cluster_tfp")
FIXED_EFFECT_LABELS = {"firm_fe": "Firm FE", "year_fe": "Year FE", "industry_year_fe": "Industry × year FE"}


def disclosure_rules(spec: StudySpec) -> DisclosureRules:
    d = spec.disclosure
    return DisclosureRules(min_firms=d.min_firms, dominance_top2_share=d.dominance_top2_share,
                           p_percent=d.p_percent, min_residual_df=d.min_residual_df,
                           min_dummy_firms=d.min_firms)


def study_notes(spec: StudySpec) -> StudyNotes:
    s = spec.sample
    source = ("simulated demo population (data_contracts.synthetic), "
              f"true effect {spec.inputs.demo.true_effect:+.3f} log points") if spec.inputs.demo else \
        "annual accounts (Central Balance Sheet Office), cluster membership lists, deflators"
    return StudyNotes(
        sample=(f"non-financial corporations, region {s.region}, {s.first_year}-{s.last_year}, "
                f"at least {s.min_fte:g} FTE, {s.trim_percent:g}% tails of log VA/FTE and log K/FTE "
                "trimmed within industry-year; firms already members when first observed excluded"),
        estimator=(f"log TFP from {TFP_METHOD_NAMES[spec.tfp.method]} value-added Cobb-Douglas "
                   f"production functions by {'NACE 2-digit industry' if spec.tfp.grouping == 'nace2' else 'cluster'}"),
        se_clustering="clustered by firm (TWFE: CR1 small-sample correction as linearmodels, "
                      "t with G-1 df; Callaway-Sant'Anna: analytic influence-function SEs)",
        source=f"{source}; study '{spec.name}' v{spec.version}",
        extra=(
            f"Callaway-Sant'Anna (2021): {spec.did.method.upper()} estimator, {spec.did.base_period} base period, "
            "simple aggregation of ATT(g,t), on the balanced sub-panel of firms observed in every year.",
            f"Matched DiD: each entry cohort's members matched 1:{spec.matching.ratio} in the year before joining "
            f"to firms not yet members, exact on {', '.join(spec.matching.exact)}, caliper {spec.matching.caliper} SD "
            f"of the {spec.matching.link} score; cohorts stacked with stack-by-firm and stack-by-year effects.",
            # issue 12: a weaker threshold is stated in every footnote, never applied silently
            *(t.note for t in weaker_disclosure_thresholds(spec)),
        ),
    )


def effect_columns(estimates: pd.DataFrame) -> list[EffectColumn]:
    """One main-table column per row of a tidy estimates frame (``study_estimates``)."""
    columns = []
    for row in estimates.itertuples(index=False):
        columns.append(EffectColumn(
            label=row.label, estimate=float(row.estimate), se=float(row.se), pvalue=float(row.pvalue),
            df=None if pd.isna(row.df) else float(row.df), n_obs=int(row.n_obs), n_firms=int(row.n_firms),
            n_members=int(row.n_members),
            fixed_effects={label: bool(getattr(row, key)) for key, label in FIXED_EFFECT_LABELS.items()},
            r2_within=None if pd.isna(row.r2_within) else float(row.r2_within),
            residual_df=None if pd.isna(row.residual_df) else float(row.residual_df),
        ))
    return columns


def publish_table(table: PublishedTable, out_dir: str | Path, checker_dir: str | Path) -> list[Path]:
    """CSV, Markdown, LaTeX and XLSX under ``out_dir``; the disclosure companion
    (``n_firms``, ``top2_share``, ``suppressed_reason`` per cell) under ``checker_dir``,
    which is for the output checker and not for release."""
    return write_table(table, out_dir, companion_directory=checker_dir)


def publish_figure(fig, out_dir: str | Path, stem: str) -> list[Path]:
    """PNG and SVG (deterministic bytes) under ``out_dir``; closes the figure."""
    import matplotlib.pyplot as plt

    try:
        return save_figure(fig, Path(out_dir) / stem)
    finally:
        plt.close(fig)


def tfp_index_levels(panel: pd.DataFrame, *, y: str = "log_tfp", firm: str = "enterprise_number",
                     industry: str = "nace2") -> pd.DataFrame:
    """Mean log TFP by year of (ever-)members and of all firms, with firm counts (F1).

    Production functions estimated industry by industry identify log TFP only up to
    an industry-specific level, so each firm-year is first taken relative to its
    industry's mean over all years: the curves then show productivity growth and the
    members' advantage within industries, not the industry mix.
    """
    panel = panel.assign(**{y: panel[y] - panel.groupby(industry)[y].transform("mean")})

    def by_year(frame: pd.DataFrame, label: str) -> pd.DataFrame:
        g = frame.groupby("year")
        return pd.DataFrame({"tfp": g[y].mean(), "n_firms": g[firm].nunique()}).reset_index().assign(group=label)

    members = panel.loc[panel["member"] == 1]
    out = pd.concat([by_year(panel, "All firms"), by_year(members, "Members")], ignore_index=True)
    return out[["year", "group", "tfp", "n_firms"]].sort_values(["group", "year"], kind="stable").reset_index(drop=True)


def pick(frames: Sequence[pd.DataFrame], specification: str) -> pd.DataFrame:
    """The row of one specification from several tidy estimate frames."""
    rows = [f.loc[f["specification"] == specification] for f in frames]
    found = [r for r in rows if len(r)]
    if len(found) != 1:
        raise KeyError(f"expected one estimate for specification {specification!r}, found {len(found)}")
    return found[0]


# --- records: published tables stored as assets, rebuilt for the HTML report -------------

def table_record(table: PublishedTable) -> pd.DataFrame:
    """The table as a flat frame whose ``attrs`` carry what rebuilding it needs."""
    flat = table.to_frame()
    flat.attrs.update({
        "name": table.name, "title": table.title, "footnote": table.footnote,
        "index_levels": int(table.frame.index.nlevels),
        "disclosure": table.disclosure.astype(object).where(table.disclosure.notna(), None).to_dict(orient="list"),
    })
    return flat


def table_from_record(record: pd.DataFrame) -> PublishedTable:
    """Inverse of :func:`table_record` (after a Parquet round trip)."""
    levels = int(record.attrs["index_levels"])
    frame = record.set_index(list(record.columns[:levels]))
    if levels == 1:
        frame.index = frame.index.astype(str)
    disclosure = pd.DataFrame(record.attrs["disclosure"])
    return PublishedTable(name=record.attrs["name"], title=record.attrs["title"], frame=frame.astype(str),
                          footnote=record.attrs["footnote"], disclosure=disclosure)


# --- aggregates behind the tables and figures ---------------------------------------------

PROFILE_VARIABLES: dict[str, str] = {
    "fte": "Employment (FTE)", "va": "Value added (EUR, real)", "va_per_fte": "Value added per FTE (EUR)",
    "capital_per_fte": "Capital per FTE (EUR)", "log_tfp": "Log TFP", "age": "Age (years)",
    "foreign_owned": "Foreign owned (share)",
}


def pre_membership_firms(panel: pd.DataFrame, reference_year: int | None = None) -> pd.DataFrame:
    """One row per firm in a year before any membership (T1, F5).

    Every firm is measured in the same reference year, by default the year before
    the first cohort joins (2016 for the spearhead clusters, which started in 2017),
    so that no member has joined yet and members and non-members are compared at the
    same date (age and business-cycle effects cancel). ``member`` flags future members.
    """
    if reference_year is None:
        reference_year = int(panel.loc[panel["member"] == 1, "first_join_year"].min()) - 1
    firms = panel.loc[panel["year"] == reference_year]
    firms = firms.assign(va_per_fte=firms["va"] / firms["fte"], capital_per_fte=firms["capital"] / firms["fte"],
                         foreign_owned=firms["foreign_owned"].astype(float))
    cols = ["enterprise_number", "member", "nace2", *PROFILE_VARIABLES, "log_fte", "log_capital", "tfp_growth"]
    out = firms[list(dict.fromkeys(cols))].sort_values("enterprise_number", kind="stable").reset_index(drop=True)
    out.attrs["reference_year"] = reference_year
    return out


TERM_NAMES = {"log_fte": "labour", "log_capital": "capital"}


POOLED_LABEL = "All industries (pooled; used for industries below the minimum sample)"


def elasticities_for_table(elasticities: pd.DataFrame) -> pd.DataFrame:
    """Tidy elasticities of every estimator in the layout of T2.

    Industries too small to estimate on their own borrow the pooled estimate; the
    table shows that estimate once, as its own row block, not once per industry.
    """
    frame = elasticities.loc[elasticities["term"].isin(list(TERM_NAMES))]
    own = frame.loc[~frame["fallback_used"].astype(bool)]
    pooled = frame.loc[frame["fallback_used"].astype(bool)].drop_duplicates(["estimator", "group_used", "term"])
    frame = pd.concat([own, pooled.assign(group=POOLED_LABEL)], ignore_index=True)
    return pd.DataFrame({
        "estimator": frame["estimator"].map(lambda m: TFP_SHORT_NAMES.get(m, m)),
        "industry": frame["group"].astype(str),
        "term": frame["term"].map(TERM_NAMES),
        "estimate": frame["estimate"].astype(float),
        "se": frame["std_error"].astype(float),
        "n_obs": frame["n_obs"].astype("int64"),
        "n_firms": frame["n_firms"].astype("int64"),
        "residual_df": (frame["n_obs"] - frame["n_firms"]).astype(float),
    }).reset_index(drop=True)


TFP_SHORT_NAMES = {"ols": "OLS", "fe": "FE", "op": "OP", "lp": "LP", "acf": "ACF", "wrdg": "Wooldridge (IV)", "wrdg_gmm": "Wooldridge",
                   "cost_share": "Cost share", "labour_productivity": "Labour productivity"}


def matched_paths(stacked: pd.DataFrame) -> pd.DataFrame:
    """Weighted mean log TFP by event time, members vs matched controls (F3)."""
    frame = stacked.assign(wy=stacked["weight"] * stacked["log_tfp"])
    g = frame.groupby(["event_time", "treated"])
    out = pd.DataFrame({"tfp": g["wy"].sum() / g["weight"].sum(), "n_firms": g["enterprise_number"].nunique()})
    out = out.reset_index()
    out["group"] = out["treated"].map({1: "Members", 0: "Matched controls"})
    return out[["event_time", "group", "tfp", "n_firms"]].sort_values(["group", "event_time"], kind="stable").reset_index(drop=True)


def employment_totals(panel: pd.DataFrame) -> pd.DataFrame:
    """FTE and value added by year, (ever-)members vs the economy (F4)."""
    def totals(frame: pd.DataFrame, label: str) -> pd.DataFrame:
        g = frame.groupby("year")
        return pd.DataFrame({"fte": g["fte"].sum(), "value_added": g["va"].sum(),
                             "n_firms": g["enterprise_number"].nunique()}).reset_index().assign(group=label)

    out = pd.concat([totals(panel, "Economy"), totals(panel.loc[panel["member"] == 1], "Members")], ignore_index=True)
    return out[["year", "group", "fte", "value_added", "n_firms"]]



def members_by_event_time(panel: pd.DataFrame, did_spec) -> pd.DataFrame:
    """Member firms behind each (binned) event-study coefficient, for disclosure (F2).

    Event times beyond the leads and lags are counted in the end bins, as the
    event study bins them.
    """
    members = panel.loc[panel["member"] == 1, ["enterprise_number", "event_time"]].dropna()
    binned = members["event_time"].astype(int).clip(-did_spec.leads, did_spec.lags)
    counts = members.assign(event_time=binned).groupby("event_time")["enterprise_number"].nunique()
    return counts.rename("n_firms").reset_index()
