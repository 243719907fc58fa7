"""Chapter 2: the deflated firm-year panel and the membership timing."""

from __future__ import annotations

import dagster as dg
import pandas as pd
from dagster_pandera import pandera_schema_to_dagster_type

import data_contracts as dc
from pipelines.defs.resources import StudyResource
from pipelines.metadata import frame_metadata

GROUP = "firm_panel"


@dg.multi_asset(
    group_name=GROUP,
    code_version="1",
    outs={
        "firm_year_panel": dg.AssetOut(description="Deflated firm-year panel after the study's sample rules (study design, section 3).",
                                       dagster_type=pandera_schema_to_dagster_type(dc.PANEL_SCHEMA)),
        "sample_exclusions": dg.AssetOut(description="Firm-years left out by a sample rule, each with its reason."),
    },
)
def firm_year_panel(study: StudyResource, validated_accounts: pd.DataFrame, validated_deflators: pd.DataFrame):
    rules = study.spec().sample
    result = dc.build_firm_year_panel(
        validated_accounts,
        validated_deflators,
        sample=dc.SampleRules(
            first_year=rules.first_year, last_year=rules.last_year, regions=(rules.region,),
            min_fte=rules.min_fte, trim_share=rules.trim_percent / 100,
            missing_deflators=rules.missing_deflators,
        ),
    )
    panel, excluded = result.panel, result.excluded
    by_reason = excluded.groupby("reason", as_index=False).size() if len(excluded) else pd.DataFrame(columns=["reason", "size"])
    yield dg.Output(panel, output_name="firm_year_panel",
                    metadata=frame_metadata(panel, preview=False, n_firms=int(panel["enterprise_number"].nunique())))
    yield dg.Output(excluded, output_name="sample_exclusions",
                    metadata=frame_metadata(excluded, preview=False,
                                            by_reason=dg.MetadataValue.md(by_reason.to_markdown(index=False))))


@dg.asset(group_name=GROUP, code_version="1", deps=["membership_match_rate"],
          description="Per member company: first join year across clusters (the treatment year), clusters, leave year. "
                      "Waits for the match-rate check, so too few members found in the accounts stops the study.")
def membership_timing(validated_membership: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    timing = dc.membership_timing(validated_membership)
    cohorts = timing.groupby("first_join_year", as_index=False).size()
    return dg.Output(timing, metadata=frame_metadata(timing, preview=False,
                                                    cohorts=dg.MetadataValue.md(cohorts.to_markdown(index=False))))


@dg.asset(group_name=GROUP, code_version="1", description="Member companies listed by each cluster and how many have annual accounts (unmatched members are reported, not dropped silently).")
def membership_match_rate(validated_membership: pd.DataFrame, validated_accounts: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    rates = dc.membership_match_rate(validated_membership, validated_accounts)
    overall = float(rates.loc[rates["cluster"] == "All clusters", "match_rate"].iloc[0])
    return dg.Output(rates, metadata=frame_metadata(rates, overall_match_rate=float(overall)))


@dg.asset_check(asset=membership_match_rate, blocking=True,
                description="Enough listed member companies are found in the accounts (validation.min_membership_match_rate).")
def membership_matches_accounts(study: StudyResource, membership_match_rate: pd.DataFrame) -> dg.AssetCheckResult:
    limit = study.spec().validation.min_membership_match_rate
    overall = float(membership_match_rate.loc[membership_match_rate["cluster"] == "All clusters", "match_rate"].iloc[0])
    return dg.AssetCheckResult(passed=overall >= limit, metadata={"match_rate": overall, "threshold": float(limit)})
