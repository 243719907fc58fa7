"""The exception raised for bad generator input."""

from __future__ import annotations


class SyntheticDataError(ValueError):
    """A configuration or argument of the demo-data generator is invalid."""
