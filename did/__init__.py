"""Difference-in-differences estimators for the cluster-impact study.

Callaway-Sant'Anna group-time ATTs and their aggregations (in-house, matching R
``did`` 2.3.0 / ``DRDID`` 1.2.3), two-way fixed effects, the TWFE event study, the
Goodman-Bacon decomposition, subgroup estimates with equality tests and an
event-study plot. No Dagster imports: the pipeline calls these functions.
"""

from did.aggregate import AggregateResults, aggregate_att_gt
from did.att_gt import ATTgtResults, Pretest, att_gt
from did.bacon import BaconDecomposition, bacon_decomposition
from did.errors import DiDError, DiDEstimationError, DiDInputError
from did.event_study import EventStudyResults, event_study
from did.plot import plot_event_study
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
    "EventStudyResults",
    "Pretest",
    "SubgroupResults",
    "TWFEResults",
    "aggregate_att_gt",
    "att_gt",
    "bacon_decomposition",
    "cohort_equality_test",
    "event_study",
    "plot_event_study",
    "subgroup_effects",
    "twfe",
]
