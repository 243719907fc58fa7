"""Belgian enterprise numbers: drawing valid ones and spelling them.

An enterprise number has ten digits, the first 0 or 1; the last two digits are
``97 - (first eight digits mod 97)``. Everything here is vectorised over numpy
arrays of the eight-digit body.
"""

from __future__ import annotations

import numpy as np

from data_contracts.synthetic.errors import SyntheticDataError

#: Bodies of company numbers are drawn from this half-open range ("04..." to "10...").
COMPANY_BODY_RANGE: tuple[int, int] = (4_000_000, 11_000_000)
#: Bodies of non-company members (universities, agencies) come from older numbers.
ORGANISATION_BODY_RANGE: tuple[int, int] = (2_000_000, 4_000_000)


def check_digits(body: np.ndarray) -> np.ndarray:
    """Mod-97 check digits of eight-digit bodies (``97 - body mod 97``)."""
    return 97 - np.asarray(body, dtype=np.int64) % 97


def draw_bodies(rng: np.random.Generator, n: int, body_range: tuple[int, int]) -> np.ndarray:
    """Draw ``n`` distinct eight-digit bodies from ``body_range``, in ascending order."""
    low, high = body_range
    if n > high - low:
        raise SyntheticDataError(f"cannot draw {n} distinct enterprise numbers from {body_range}")
    return np.sort(low + rng.choice(high - low, size=n, replace=False)).astype(np.int64)


def _digit_matrix(numbers: np.ndarray, width: int) -> np.ndarray:
    """ASCII codes of the zero-padded decimal digits, one row per number."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (np.asarray(numbers, dtype=np.int64)[:, None] // powers % 10 + 48).astype(np.uint8)


def _to_strings(codes: np.ndarray) -> np.ndarray:
    """Rows of ASCII codes as an object array of Python strings."""
    width = codes.shape[1]
    fixed = np.ascontiguousarray(codes).view(f"S{width}").ravel()
    return fixed.astype(f"U{width}").astype(object)


def format_numbers(body: np.ndarray, check: np.ndarray | None = None,
                   spelling: str = "canonical") -> np.ndarray:
    """Spell enterprise numbers.

    Parameters
    ----------
    body : numpy.ndarray
        Eight-digit bodies.
    check : numpy.ndarray, optional
        Check digits to write (default: the valid ones); pass others to corrupt them.
    spelling : {"canonical", "be", "be_space", "digits", "nine_digits"}
        ``0123.456.789``, ``BE0123.456.789``, ``BE 0123.456.789``, ``0123456789``, or the
        old nine-digit form without the leading 0 (only meaningful when it is 0).

    Returns
    -------
    numpy.ndarray
        Object array of strings.
    """
    body = np.asarray(body, dtype=np.int64)
    check = check_digits(body) if check is None else np.asarray(check, dtype=np.int64)
    digits = _digit_matrix(body * 100 + check, 10)
    if spelling == "digits":
        return _to_strings(digits)
    if spelling == "nine_digits":
        return _to_strings(digits[:, 1:])
    dot = np.full((len(body), 1), ord("."), dtype=np.uint8)
    dotted = np.hstack([digits[:, :4], dot, digits[:, 4:7], dot, digits[:, 7:]])
    if spelling == "canonical":
        return _to_strings(dotted)
    if spelling in ("be", "be_space"):
        prefix = b"BE " if spelling == "be_space" else b"BE"
        pre = np.tile(np.frombuffer(prefix, dtype=np.uint8), (len(body), 1))
        return _to_strings(np.hstack([pre, dotted]))
    raise SyntheticDataError(f"unknown enterprise-number spelling {spelling!r}")


def parse_canonical(numbers: np.ndarray) -> np.ndarray:
    """Eight-digit bodies of canonical ``0123.456.789`` spellings."""
    text = np.asarray(numbers, dtype="U12")
    codes = text.view(np.uint32).reshape(len(text), 12)[:, [0, 1, 2, 3, 5, 6, 7, 9]] - 48
    powers = 10 ** np.arange(7, -1, -1, dtype=np.int64)
    return (codes.astype(np.int64) * powers).sum(axis=1)
