"""Exceptions of the data-contracts package.

Every problem with an input that makes it unusable *as a whole* raises a subclass of
:class:`DataContractError`; problems with single rows never raise but are quarantined
(see :mod:`data_contracts.quarantine`).
"""

from __future__ import annotations


class DataContractError(ValueError):
    """An input violates its contract in a way that stops processing."""


class UnusableFileError(DataContractError):
    """A file cannot be used at all: empty, unreadable, or a required column is missing."""


class InvalidEnterpriseNumber(DataContractError):
    """A single enterprise number fails normalisation; ``rule`` names the failed check."""

    def __init__(self, value: object, rule: str) -> None:
        self.value = value
        self.rule = rule
        super().__init__(f"enterprise number {value!r} rejected: {rule}")
