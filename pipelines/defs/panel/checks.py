"""Chapter 2 check: can the data support the study's design, before any estimation?"""

from __future__ import annotations

import dagster as dg
import pandas as pd

from pipelines.defs.resources import StudyResource
from study import preflight
from study.analysis_sample import assign_treatment


@dg.asset_check(
    asset="firm_year_panel", blocking=True,
    additional_ins={"membership_timing": dg.AssetIn(), "sample_exclusions": dg.AssetIn()},
    description="Pre-flight (study.preflight) on the panel with treatment timing, before production functions "
                "are estimated: members and non-members present, members share industries with non-members, "
                "enough members for disclosure, every event time observed, each cohort's propensity score "
                "identified on the covariates known so far. Stops the run with one line naming the cause.",
)
def study_conditions_before_estimation(study: StudyResource, firm_year_panel: pd.DataFrame,
                                       membership_timing: pd.DataFrame,
                                       sample_exclusions: pd.DataFrame) -> dg.AssetCheckResult:
    spec = study.spec()
    sample = assign_treatment(firm_year_panel, membership_timing)
    problems = preflight.study_conditions(sample, spec, members_listed=len(membership_timing),
                                          exclusions=sample_exclusions)
    # Raised, not returned as a failed result: a failed blocking check stops the run
    # with a generic Dagster message, and the user must see the cause itself.
    preflight.raise_for_problems(problems, stage="firm-year panel, before production functions")
    members = int(sample.loc[sample["first_join_year"] > 0, "enterprise_number"].nunique())
    return dg.AssetCheckResult(passed=True, metadata={
        "member_firms": members, "firms": int(sample["enterprise_number"].nunique())})
