"""Difference-in-differences estimators for the cluster-impact study.

Callaway-Sant'Anna group-time ATTs and their aggregations (in-house, matching R
``did`` 2.3.0 / ``DRDID`` 1.2.3), two-way fixed effects, the TWFE event study, the
Goodman-Bacon decomposition, subgroup estimates with equality tests, an
event-study plot and the Rambachan-Roth (HonestDiD) sensitivity analysis. No Dagster
imports: the pipeline calls these functions.
"""

from did.aggregate import AggregateResults, aggregate_att_gt
from did.att_gt import ATTgtResults, Pretest, att_gt
from did.bacon import BaconDecomposition, bacon_decomposition
from did.errors import DiDError, DiDEstimationError, DiDInputError
from did.event_study import EventStudyResults, event_study
from did.plot import plot_event_study
from did.sensitivity import (
    EventStudyInputs,
    SensitivityResults,
    event_study_inputs,
    honest_did,
    original_ci,
    relative_magnitudes,
    smoothness,
)
from did.subgroup import (
    EqualityTest,
    SubgroupResults,
    cohort_equality_test,
    subgroup_effects,
)
from did.twfe import TWFEResults, twfe

__all__ = [
    "ATTgtResults",
    "AggregateResults",
    "BaconDecomposition",
    "DiDError",
    "DiDEstimationError",
    "DiDInputError",
    "EqualityTest",
    "EventStudyInputs",
    "EventStudyResults",
    "Pretest",
    "SensitivityResults",
    "SubgroupResults",
    "TWFEResults",
    "aggregate_att_gt",
    "att_gt",
    "bacon_decomposition",
    "cohort_equality_test",
    "event_study",
    "event_study_inputs",
    "honest_did",
    "original_ci",
    "plot_event_study",
    "relative_magnitudes",
    "smoothness",
    "subgroup_effects",
    "twfe",
]
