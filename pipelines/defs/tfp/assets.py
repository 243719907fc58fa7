"""Chapter 3: production functions by industry and firm-level TFP."""

from __future__ import annotations

import dagster as dg
import matplotlib.pyplot as plt
import pandas as pd

from study import productivity, robustness
from study.analysis_sample import build_analysis_panel, cluster_classification, tfp_truth_correlations
from pipelines.defs.resources import StudyResource
from study.publication import disclosure_rules
from pipelines.metadata import frame_metadata, png_markdown
from reports.figures import figure_bytes, tfp_distribution_figure

GROUP = "tfp"


def _estimate_by_group(panel: pd.DataFrame, study: StudyResource, group: str):
    spec = study.spec()
    return productivity.estimate_by_group(panel, spec.tfp, group=group, seed=spec.seed)


@dg.multi_asset(
    group_name=GROUP,
    code_version="1",
    outs={
        "production_function_estimates": dg.AssetOut(description="Output elasticities by NACE 2-digit industry for the study's estimator."),
        "firm_tfp": dg.AssetOut(description="Log TFP per firm-year from the by-industry production functions."),
    },
)
def production_functions(study: StudyResource, firm_year_panel: pd.DataFrame):
    spec = study.spec()
    grouped = _estimate_by_group(firm_year_panel, study, group=spec.tfp.grouping)
    yield dg.Output(grouped.elasticities, output_name="production_function_estimates",
                    metadata=frame_metadata(grouped.elasticities))
    figure = tfp_distribution_figure(grouped.tfp.rename(columns={"group": "industry"}),
                                     rules=disclosure_rules(spec), firm="enterprise_number")
    try:
        png = figure_bytes(figure, "png")
    finally:
        plt.close(figure)
    yield dg.Output(grouped.tfp, output_name="firm_tfp", metadata=frame_metadata(
        grouped.tfp, preview=False, distribution=png_markdown(png, "TFP distribution")))


@dg.asset(group_name=GROUP, code_version="1", description="Firm-years with TFP, membership timing, size class and cohort: the DiD sample.")
def analysis_panel(firm_year_panel: pd.DataFrame, firm_tfp: pd.DataFrame, membership_timing: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    frame = build_analysis_panel(firm_year_panel, firm_tfp, membership_timing)
    members = int(frame.loc[frame["member"] == 1, "enterprise_number"].nunique())
    return dg.Output(frame, metadata=frame_metadata(
        frame, preview=False, n_firms=int(frame["enterprise_number"].nunique()), n_members=members,
        excluded_already_members=int(frame.attrs.get("excluded_already_members", 0))))


@dg.asset(group_name=GROUP, code_version="1", description="Log TFP from production functions estimated by cluster classification instead of by sector.")
def firm_tfp_by_cluster(study: StudyResource, analysis_panel: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    frame = analysis_panel.assign(cluster_group=cluster_classification(analysis_panel))
    grouped = _estimate_by_group(frame, study, group="cluster_group")
    out = grouped.tfp[["enterprise_number", "year", "log_tfp"]]
    return dg.Output(out, metadata=frame_metadata(out, preview=False,
                                                 elasticities=dg.MetadataValue.md(grouped.elasticities.to_markdown(index=False))))


@dg.asset(group_name=GROUP, code_version="1", description="How well estimated log TFP tracks the simulated truth (demo studies only).")
def tfp_recovery(analysis_panel: pd.DataFrame, demo_ground_truth: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    out = tfp_truth_correlations(analysis_panel, demo_ground_truth)
    return dg.Output(out, metadata=frame_metadata(out))


@dg.multi_asset(
    group_name=GROUP,
    code_version="1",
    outs={
        "elasticities_by_estimator": dg.AssetOut(description="Production-function elasticities by industry for every estimator of the robustness grid (T2)."),
        "tfp_by_estimator": dg.AssetOut(description="Log TFP per firm-year from every estimator of the robustness grid, plus cost-share TFP and labour productivity."),
    },
)
def tfp_robustness(study: StudyResource, firm_year_panel: pd.DataFrame):
    spec = study.spec()
    methods = list(dict.fromkeys([*spec.tfp.robustness_methods, "labour_productivity"]))
    variants, elasticities = robustness.tfp_variants(
        firm_year_panel, methods, min_obs=spec.tfp.min_obs, seed=spec.seed, pf_columns=productivity.PF_COLUMNS,
        acf_options={"overidentify": spec.tfp.acf_overidentify})
    yield dg.Output(elasticities, output_name="elasticities_by_estimator", metadata=frame_metadata(elasticities))
    yield dg.Output(variants, output_name="tfp_by_estimator", metadata=frame_metadata(variants, preview=False))
