"""Chapter 6: published tables and figures (disclosure-controlled)."""

from __future__ import annotations

import dagster as dg
import pandas as pd

from cluster_impact import publication as pub
from pipelines.defs.resources import StudyResource
from pipelines.metadata import frame_metadata, image_markdown
from reports.figures import tfp_index_figure
from reports.impact_tables import build_main_table

GROUP = "publication"
MAIN_COLUMNS = ("pooled_ols", "twfe", "twfe_industry_year", "cs_never", "matched_twfe", "twfe_cluster_tfp")


@dg.asset(group_name=GROUP, code_version="1", description="T3: the main effect table, columns (1)-(6); tables/main_effect.{csv,md,tex,xlsx}.")
def main_effect_table(
    study: StudyResource,
    pooled_ols_premium: pd.DataFrame,
    twfe_did: pd.DataFrame,
    twfe_did_industry_year: pd.DataFrame,
    callaway_santanna: pd.DataFrame,
    matched_did: pd.DataFrame,
    cluster_tfp_did: pd.DataFrame,
) -> dg.Output[pd.DataFrame]:
    spec = study.spec()
    frames = [pooled_ols_premium, twfe_did, twfe_did_industry_year, callaway_santanna, matched_did, cluster_tfp_did]
    estimates = pd.concat([pub.pick(frames, s) for s in MAIN_COLUMNS], ignore_index=True)
    table = build_main_table(pub.effect_columns(estimates), pub.study_notes(spec),
                             rules=pub.disclosure_rules(spec), decimals=spec.report.decimals, name="main_effect")
    paths = pub.publish_table(table, study.tables_dir())
    markdown = paths[1].read_text(encoding="utf-8")
    return dg.Output(estimates, metadata={
        **frame_metadata(estimates, preview=False),
        "main_table": dg.MetadataValue.md(markdown),
        "files": dg.MetadataValue.json([p.name for p in paths]),
    })


@dg.asset(group_name=GROUP, code_version="1", description="F1: TFP of cluster members vs all firms, indexed; figures/tfp_members_vs_all.{png,svg}.")
def tfp_members_vs_all_figure(study: StudyResource, analysis_panel: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    spec = study.spec()
    levels = pub.tfp_index_levels(analysis_panel)
    fig = tfp_index_figure(levels, base_year=spec.report.index_base_year, rules=pub.disclosure_rules(spec))
    paths = pub.publish_figure(fig, study.figures_dir(), "tfp_members_vs_all")
    return dg.Output(levels, metadata={**frame_metadata(levels), "figure": image_markdown(paths[0], "F1")})
