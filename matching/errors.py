"""Exceptions raised by :mod:`matching`.

Every error is a :class:`MatchingError`, itself a :class:`ValueError`, so callers can
catch one class; the subclasses name the cause so a pipeline can react to each.
"""

from __future__ import annotations


class MatchingError(ValueError):
    """Bad input or an impossible matching request."""


class TreatmentError(MatchingError):
    """The treatment column is missing, has missing values or is not coded 0/1."""


class MissingCovariateError(MatchingError):
    """Covariate values are missing and dropping them was not requested."""


class NoVariationError(MatchingError):
    """A covariate takes a single value, so it cannot enter the score model."""


class SeparationError(MatchingError):
    """The score model separates treated from controls perfectly (no overlap)."""


class NoMatchError(MatchingError):
    """Matching left no treated (or no control) unit with a match."""
