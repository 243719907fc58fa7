"""Errors raised by :mod:`tfp`, each a :class:`ValueError` carrying a one-line message."""

from __future__ import annotations


class TFPError(ValueError):
    """Base class: bad input or an estimation that cannot produce a trustworthy result."""


class TFPInputError(TFPError):
    """The data cannot be used as given (missing column, non-positive level, duplicate key)."""


class TFPSpecificationError(TFPError):
    """The requested combination of options is not supported or inconsistent."""


class InsufficientDataError(TFPError):
    """Too few observations or firms (after lags) to estimate the production function."""


class ProxyInversionError(TFPError):
    """The proxy has too little variation to be inverted for productivity."""


class ConvergenceError(TFPError):
    """The second-stage optimiser did not converge to a finite optimum."""


def where(label: str | None) -> str:
    """Prefix naming the group (industry) an error refers to, empty when estimating on everything."""
    return f"[{label}] " if label else ""
