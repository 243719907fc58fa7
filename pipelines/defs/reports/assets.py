"""Chapter 6: published tables and figures (disclosure-controlled) and the report.

Each table asset builds one ``reports`` table, writes it as CSV, Markdown, LaTeX and
XLSX (plus its disclosure companion) into ``<publish_dir>/tables`` and shows the
Markdown in the UI; each figure asset writes PNG and SVG into ``figures`` and shows
the image. Stored asset values are the published (aggregate) tables themselves.
"""

from __future__ import annotations

import dagster as dg
import pandas as pd

import matching
from study.hashing import sha256_file
from study import publication as pub
from pipelines.defs.resources import StudyResource
from pipelines.metadata import image_markdown
from reports import figures as fig
from reports import impact_tables as it
from reports import monitoring_tables as mt
from reports.html import ReportFigure, write_html_report
from reports.render import to_markdown
from reports.tables import PublishedTable

GROUP = "publication"
MONITORING = dict(firm="enterprise_number", value_added="va_nominal")


def _publish_table(study: StudyResource, table: PublishedTable) -> dg.Output[pd.DataFrame]:
    paths = pub.publish_table(table, study.tables_dir(), study.disclosure_dir())
    return dg.Output(pub.table_record(table), metadata={
        "table": dg.MetadataValue.md(to_markdown(table)),
        "suppressed_cells": table.n_suppressed,
        "files": dg.MetadataValue.json([p.name for p in paths]),
    })


def _publish_figure(study: StudyResource, figure, stem: str, data: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    paths = pub.publish_figure(figure, study.figures_dir(), stem)
    data = data.copy()
    data.attrs["png"] = paths[0].name
    return dg.Output(data, metadata={"figure": image_markdown(paths[0], stem),
                                     "files": dg.MetadataValue.json([p.name for p in paths])})


def _context(study: StudyResource):
    spec = study.spec()
    return spec, pub.study_notes(spec), pub.disclosure_rules(spec)


# --- impact tables -----------------------------------------------------------------------

@dg.asset(group_name=GROUP, code_version="1", description="T3: the main effect table, columns (1)-(6); tables/main_effect.*")
def main_effect_table(
    study: StudyResource,
    pooled_ols_premium: pd.DataFrame,
    twfe_did: pd.DataFrame,
    twfe_did_industry_year: pd.DataFrame,
    callaway_santanna: pd.DataFrame,
    matched_did: pd.DataFrame,
    cluster_tfp_did: pd.DataFrame,
) -> dg.Output[pd.DataFrame]:
    spec, notes, rules = _context(study)
    frames = [pooled_ols_premium, twfe_did, twfe_did_industry_year, callaway_santanna, matched_did, cluster_tfp_did]
    estimates = pd.concat([pub.pick(frames, s) for s in pub.MAIN_COLUMNS], ignore_index=True)
    table = it.build_main_table(pub.effect_columns(estimates), notes, rules=rules,
                                decimals=spec.report.decimals, name="main_effect")
    return _publish_table(study, table)


@dg.asset(group_name=GROUP, code_version="1", description="T1: pre-membership profile of members vs non-members with standardised differences.")
def pre_membership_profile_table(study: StudyResource, analysis_panel: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    spec, notes, rules = _context(study)
    firms = pub.pre_membership_firms(analysis_panel)
    year = int(firms.attrs["reference_year"])
    table = it.build_profile_table(
        firms, pub.PROFILE_VARIABLES, notes, rules=rules, decimals=spec.report.decimals,
        firm="enterprise_number", magnitudes=["fte", "va"],
        timing_note=f"All firms measured in {year}, the year before the first members joined; "
                    "members are the firms that join a cluster later.")
    return _publish_table(study, table)


@dg.asset(group_name=GROUP, code_version="1", description="T2: production-function elasticities by industry, one column block per estimator.")
def elasticities_table(study: StudyResource, elasticities_by_estimator: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    spec, notes, rules = _context(study)
    table = it.build_elasticity_table(pub.elasticities_for_table(elasticities_by_estimator), notes, rules=rules,
                                      decimals=spec.report.decimals)
    return _publish_table(study, table)


@dg.asset(group_name=GROUP, code_version="1", description="T4: covariate balance before and after matching (all cohorts).")
def balance_table(study: StudyResource, matching_balance: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    spec, notes, rules = _context(study)
    pooled = matching_balance.loc[matching_balance["cohort"].astype(str) == "all"]
    table = it.build_balance_table(pooled, notes, rules=rules, decimals=spec.report.decimals)
    return _publish_table(study, table)


@dg.asset(group_name=GROUP, code_version="1", description="T5: heterogeneity by entry cohort, size class and cluster, with equality tests.")
def heterogeneity_table(study: StudyResource, heterogeneity_effects: pd.DataFrame,
                        heterogeneity_tests: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    spec, notes, rules = _context(study)
    table = it.build_heterogeneity_table(
        heterogeneity_effects, heterogeneity_tests, notes, rules=rules, decimals=spec.report.decimals,
        design_note="Entry cohort, size class (FTE before joining) and cluster (joined on entry): one TWFE "
                    "regression each, membership interacted with the group dummies, never- and not-yet members "
                    "as shared controls, firm-clustered Wald test.")
    return _publish_table(study, table)


@dg.asset(group_name=GROUP, code_version="1", description="T6: robustness grid across TFP estimators, control groups and samples.")
def robustness_table(study: StudyResource, robustness_estimates: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    spec, notes, rules = _context(study)
    table = it.build_robustness_table(robustness_estimates, notes, rules=rules, decimals=spec.report.decimals)
    return _publish_table(study, table)


# --- monitoring tables -------------------------------------------------------------------

def _monitoring_panel(analysis_panel: pd.DataFrame) -> pd.DataFrame:
    return analysis_panel.assign(foreign_owned=analysis_panel["foreign_owned"].astype(int))


@dg.asset(group_name=GROUP, code_version="1", description="M1: members listed and matched to accounts, SME and foreign-owned shares, by cluster and year.")
def membership_table(study: StudyResource, validated_membership: pd.DataFrame, analysis_panel: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    _, notes, rules = _context(study)
    table = mt.build_membership_table(validated_membership, _monitoring_panel(analysis_panel), notes, rules=rules,
                                      firm="enterprise_number")
    return _publish_table(study, table)


@dg.asset(group_name=GROUP, code_version="1", description="M2: stayers, entrants, leavers and net change by cluster and year.")
def flows_table(study: StudyResource, validated_membership: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    _, notes, rules = _context(study)
    table = mt.build_flows_table(validated_membership, notes, rules=rules, firm="enterprise_number")
    return _publish_table(study, table)


@dg.asset(group_name=GROUP, code_version="1", description="M3: members' FTE and value added and their share of the regional total.")
def weight_table(study: StudyResource, validated_membership: pd.DataFrame, analysis_panel: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    _, notes, rules = _context(study)
    table = mt.build_weight_table(validated_membership, _monitoring_panel(analysis_panel), notes, rules=rules, **MONITORING)
    return _publish_table(study, table)


@dg.asset(group_name=GROUP, code_version="1", description="M4: value added per FTE and TFP of members vs all firms vs same-industry firms.")
def performance_table(study: StudyResource, validated_membership: pd.DataFrame, analysis_panel: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    spec, notes, rules = _context(study)
    table = mt.build_performance_table(validated_membership, _monitoring_panel(analysis_panel), notes, rules=rules,
                                       decimals=spec.report.decimals, tfp="log_tfp", **MONITORING)
    return _publish_table(study, table)


# --- figures -----------------------------------------------------------------------------

@dg.asset(group_name=GROUP, code_version="1", description="F1: TFP of cluster members vs all firms, indexed; figures/tfp_members_vs_all.*")
def tfp_members_vs_all_figure(study: StudyResource, analysis_panel: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    spec, _, rules = _context(study)
    levels = pub.tfp_index_levels(analysis_panel)
    figure = fig.tfp_index_figure(levels, base_year=spec.report.index_base_year, rules=rules)
    return _publish_figure(study, figure, "tfp_members_vs_all", levels)


@dg.asset(group_name=GROUP, code_version="1", description="F2: event study of log TFP around joining, 95% band.")
def event_study_figure(study: StudyResource, event_study: pd.DataFrame, analysis_panel: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    _, _, rules = _context(study)
    estimates = event_study.merge(pub.members_by_event_time(analysis_panel, study.spec().did), on="event_time", how="left")
    return _publish_figure(study, fig.event_study_figure(estimates, rules=rules), "event_study", estimates)


@dg.asset(group_name=GROUP, code_version="1", description="F3: mean TFP of members vs matched controls by event time.")
def matched_paths_figure(study: StudyResource, matched_panel: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    _, _, rules = _context(study)
    paths = pub.matched_paths(matched_panel)
    return _publish_figure(study, fig.matched_paths_figure(paths, rules=rules), "matched_paths", paths)


@dg.asset(group_name=GROUP, code_version="1", description="F4: FTE and value-added indices, members vs the economy.")
def employment_index_figure(study: StudyResource, analysis_panel: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    spec, _, rules = _context(study)
    totals = pub.employment_totals(analysis_panel)
    figure = fig.employment_index_figure(totals, base_year=spec.report.index_base_year, rules=rules)
    return _publish_figure(study, figure, "employment_value_added_index", totals)


@dg.asset(group_name=GROUP, code_version="1", description="F5: propensity-score overlap of members and non-members before membership.")
def overlap_figure(study: StudyResource, analysis_panel: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    spec, _, rules = _context(study)
    firms = pub.pre_membership_firms(analysis_panel)
    covariates = [c for c in spec.matching.covariates if c in firms.columns]
    firms = firms.dropna(subset=covariates)
    link = spec.matching.link.removeprefix("linear.")  # the figure shows probabilities
    scores = matching.propensity_score(firms, treatment="member", covariates=covariates, link=link)
    frame = pd.DataFrame({"pscore": pd.Series(scores.score).to_numpy(), "treated": firms["member"].to_numpy()})
    figure = fig.overlap_figure(frame, rules=rules)
    return _publish_figure(study, figure, "propensity_overlap", frame.iloc[0:0])


@dg.asset(group_name=GROUP, code_version="1", description="F6: love plot of standardised differences before and after matching.")
def love_plot_figure(study: StudyResource, matching_balance: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    pooled = matching_balance.loc[matching_balance["cohort"].astype(str) == "all"]
    return _publish_figure(study, fig.love_plot_figure(pooled), "love_plot", pooled)


# --- the report --------------------------------------------------------------------------

TABLE_ASSETS = ("membership_table", "flows_table", "weight_table", "performance_table", "pre_membership_profile_table",
                "elasticities_table", "main_effect_table", "balance_table", "heterogeneity_table", "robustness_table")
FIGURE_ASSETS = {
    "tfp_members_vs_all_figure": "F1. TFP of cluster members vs all firms, indexed",
    "event_study_figure": "F2. Event study: effect of membership on log TFP by years since joining (95% band)",
    "matched_paths_figure": "F3. Mean log TFP of members and matched controls by event time",
    "employment_index_figure": "F4. Employment and value added, members vs the economy",
    "overlap_figure": "F5. Propensity-score overlap before membership",
    "love_plot_figure": "F6. Covariate balance before and after matching",
}


@dg.asset(
    group_name=GROUP,
    code_version="1",
    description="The self-contained HTML report (tables, figures, footnotes, run summary): report.html.",
    ins={name: dg.AssetIn() for name in (*TABLE_ASSETS, *FIGURE_ASSETS, "raw_inputs")},
)
def html_report(study: StudyResource, **upstream: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    spec = study.spec()
    tables = [pub.table_from_record(upstream[name]) for name in TABLE_ASSETS]
    figures_dir = study.figures_dir()
    figures = [ReportFigure(name=name.removesuffix("_figure"), caption=caption,
                            png=(figures_dir / upstream[name].attrs["png"]).read_bytes())
               for name, caption in FIGURE_ASSETS.items()]
    raw = upstream["raw_inputs"]
    summary = {
        "study": f"{spec.name} (version {spec.version})",
        "study file SHA-256": sha256_file(study.study_file),
        "seed": spec.seed,
        **{f"input {r.kind}": f"{r.name} (SHA-256 {r.sha256})" for r in raw.itertuples(index=False)},
        "manifest": "manifest.json beside this report (output hashes, code commit, versions)",
    }
    path = write_html_report(study.report_path(), f"Cluster membership and firm productivity: study '{spec.name}'",
                             tables, figures, manifest=summary, introduction=spec.description.strip())
    out = pd.DataFrame({"table": [t.name for t in tables], "suppressed_cells": [t.n_suppressed for t in tables]})
    return dg.Output(out, metadata={"report": dg.MetadataValue.path(str(study.released_path(path))),
                                    "tables": dg.MetadataValue.md(out.to_markdown(index=False))})
