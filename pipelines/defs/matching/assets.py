"""Chapter 4: propensity-score matched control group, cohort by cohort."""

from __future__ import annotations

import dagster as dg
import pandas as pd

import matching
from study import estimates as est
from pipelines.defs.resources import StudyResource
from pipelines.metadata import frame_metadata

GROUP = "matching"


@dg.multi_asset(
    group_name=GROUP,
    code_version="1",
    outs={
        "matched_panel": dg.AssetOut(description="Stacked firm-year panel: each entry cohort with its matched not-yet-member controls, weighted."),
        "matching_balance": dg.AssetOut(description="Covariate balance before and after matching (standardised differences, variance ratios)."),
    },
)
def matched_sample(study: StudyResource, analysis_panel: pd.DataFrame):
    spec = study.spec()
    m = spec.matching
    stacked, balance = matching.matched_cohort_panel(
        analysis_panel, id="enterprise_number", time="year", cohort="first_join_year",
        covariates=list(m.covariates), exact=tuple(m.exact), ratio=m.ratio, caliper=m.caliper,
        replace=m.replace, link=m.link, seed=spec.seed,
    )
    yield dg.Output(stacked, output_name="matched_panel", metadata=frame_metadata(stacked, preview=False))
    yield dg.Output(balance, output_name="matching_balance", metadata=frame_metadata(balance, preview=False))


@dg.asset(group_name="did", code_version="1", description="(5) DiD on the matched sample: stacked cohorts, weighted TWFE with firm-clustered SEs.")
def matched_did(matched_panel: pd.DataFrame) -> dg.Output[pd.DataFrame]:
    frame = est.matched_twfe(matched_panel)
    row = frame.iloc[0]
    return dg.Output(frame, metadata=frame_metadata(frame, estimate=float(row["estimate"]), se=float(row["se"])))
