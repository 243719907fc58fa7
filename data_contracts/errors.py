"""Exceptions of the data-contracts package.

Every problem with an input that makes it unusable *as a whole* raises a subclass of
:class:`DataContractError`; problems with single rows never raise but are quarantined
(see :mod:`data_contracts.quarantine`).
"""

from __future__ import annotations

#: Longest error message: a defect's text quoted from a file (a 200 MB line of commas)
#: must not become the message.
MAX_MESSAGE_CHARS = 300


def cap_message(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` on one line and at most ``limit`` characters (an ellipsis marks a cut)."""
    text = str(text)
    cut = len(text) > 4 * limit  # do not split a 200 MB string into words
    text = " ".join(text[: 4 * limit].split())
    if cut or len(text) > limit:
        return text[: limit - 1].rstrip() + "…"
    return text



class DataContractError(ValueError):
    """An input violates its contract in a way that stops processing.

    The message is one line of at most :data:`MAX_MESSAGE_CHARS` characters
    (:func:`cap_message`), whatever text from the file it quotes.
    """

    #: Longest message of this class.
    max_chars: int = MAX_MESSAGE_CHARS

    def __init__(self, message: object = "") -> None:
        super().__init__(cap_message(str(message), self.max_chars))


class UnusableFileError(DataContractError):
    """A file cannot be used at all: empty, unreadable, or a required column is missing."""


class InvalidEnterpriseNumber(DataContractError):
    """A single enterprise number fails normalisation; ``rule`` names the failed check."""

    def __init__(self, value: object, rule: str) -> None:
        self.value = value
        self.rule = rule
        super().__init__(f"enterprise number {value!r} rejected: {rule}")
