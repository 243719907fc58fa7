"""Exceptions raised by the ``did`` package."""

from __future__ import annotations


class DiDError(ValueError):
    """Base class of the errors raised by the ``did`` package."""


class DiDInputError(DiDError):
    """Bad input to a difference-in-differences estimator.

    The message is one line and names the offending column, unit or setting, so the
    command line can print it as is.
    """


class DiDEstimationError(DiDError):
    """An estimator could not be computed on otherwise valid input (e.g. singular design)."""
