"""Chapter 3 check: the analysis sample supports matching and the event study."""

from __future__ import annotations

import dagster as dg
import pandas as pd

from pipelines.defs.resources import StudyResource
from study import preflight


@dg.asset_check(
    asset="analysis_panel", blocking=True,
    description="Pre-flight (study.preflight) on the analysis sample, before matching and DiD: the checks "
                "of the firm-year panel again, now with firm TFP among the matching covariates. Stops the "
                "run with one line naming the cause.",
)
def analysis_sample_conditions(study: StudyResource, analysis_panel: pd.DataFrame) -> dg.AssetCheckResult:
    problems = preflight.study_conditions(analysis_panel, study.spec())
    preflight.raise_for_problems(problems, stage="analysis sample, before matching and DiD")
    members = int(analysis_panel.loc[analysis_panel["member"] == 1, "enterprise_number"].nunique())
    return dg.AssetCheckResult(passed=True, metadata={
        "member_firms": members, "firms": int(analysis_panel["enterprise_number"].nunique())})
