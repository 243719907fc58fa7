"""The one exception family raised by :mod:`reports` on bad input."""

from __future__ import annotations


class ReportError(ValueError):
    """Input a report builder cannot use; the message names the problem in one line."""


class FirmIdentifierError(ReportError):
    """A file or text about to be published contains something shaped like a firm identifier."""
