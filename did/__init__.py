"""Difference-in-differences estimators for the cluster-impact study.

Callaway-Sant'Anna group-time ATTs and their aggregations (in-house, matching R
``did`` 2.3.0 / ``DRDID`` 1.2.3), two-way fixed effects, the TWFE event study, the
Goodman-Bacon decomposition, subgroup estimates with equality tests and an
event-study plot. No Dagster imports: the pipeline calls these functions.
"""

from did.aggregate import AggregateResults, aggregate_att_gt
from did.att_gt import ATTgtResults, Pretest, att_gt
from did.errors import DiDEstimationError, DiDInputError

__all__ = [
    "ATTgtResults",
    "AggregateResults",
    "DiDEstimationError",
    "DiDInputError",
    "Pretest",
    "aggregate_att_gt",
    "att_gt",
]
