"""Propensity-score, exact and coarsened exact matching with R MatchIt's semantics.

Public API:

* :func:`propensity_score` -> :class:`PropensityScoreResults`
* :func:`match` -> :class:`MatchResults` (``.distance``, ``.weights``, ``.subclass``,
  ``.matched_data()``, ``.balance()``, ``.att(outcome)``, ``.love_plot()``, ...)
* :func:`matched_cohort_panel` -> (stacked weighted firm-year panel, balance frame)
* :func:`love_plot`, :func:`overlap_plot` (seaborn; return matplotlib Figures)

No Dagster imports: the pipeline calls these plain functions.
"""

from matching.effect import ATTResults
from matching.errors import (
    MatchingError,
    MissingCovariateError,
    NoMatchError,
    NoVariationError,
    SeparationError,
    TreatmentError,
)
from matching.match import MatchingWarning, MatchResults, match
from matching.panel import matched_cohort_panel
from matching.plots import love_plot, overlap_plot
from matching.propensity import PropensityScoreResults, propensity_score

__all__ = [
    "ATTResults",
    "MatchResults",
    "MatchingError",
    "MatchingWarning",
    "MissingCovariateError",
    "NoMatchError",
    "NoVariationError",
    "PropensityScoreResults",
    "SeparationError",
    "TreatmentError",
    "love_plot",
    "match",
    "matched_cohort_panel",
    "overlap_plot",
    "propensity_score",
]
