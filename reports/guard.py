"""A last check before publication: no Belgian enterprise number may appear in an output.

An enterprise number (KBO/BCE) has ten digits, the first 0 or 1, the last two a mod-97
check on the first eight (python-stdnum, :mod:`stdnum.be.vat`); old files drop the
leading 0 (nine digits). It is printed bare (``0544644607``), grouped 4-3-3 with one
kind of separator, dots, spaces, no-break spaces, hyphens or TeX/HTML spaces (``0544.644.607``,
``0544 644 607``, ``0544-644-607``, ``0544\\,644\\,607``, ``0544&nbsp;644&nbsp;607``),
the old form grouped 3-3-3 (``544.644.607``), and with a ``BE`` prefix.

What is flagged (decided for issue 12, item 4):

* anything ``BE``-prefixed, and every ten-digit form starting with 0, and the dotted
  4-3-3 form, whatever the check digits: no amount is ever printed that way, and a
  number with a typo still identifies a firm;
* ten-digit forms starting with 1 when bare or grouped by spaces or hyphens, and every
  nine-digit form, only when the mod-97 check validates: these shapes are also
  amounts (``1234567890``, French ``544 644 607``) or SVG glyph coordinates, and a
  random number passes the check once in 97.

Never flagged: comma-grouped numbers (``1,234,567,890``: the outputs' thousands
separator, and 1-3-3-3 is no enterprise-number form), digits inside a longer number,
a decimal fraction (``0.0544644607``) or an alphanumeric token (hex digests, SVG ids),
and SVG path geometry (``d="..."``, whose integer glyph coordinates come in triples;
the text of an SVG label is also written as a comment, which is scanned).
"""

from __future__ import annotations

import base64
import io
import os
import re
import zipfile
from pathlib import Path

from stdnum.be import vat

from reports.errors import FirmIdentifierError

# Each match is anchored so it cannot start or end inside a longer number, a decimal
# fraction ("0.0312345678" is a coefficient) or an alphanumeric token: hex digests in the
# run manifest and SVG element ids ("p0123456789") are not identifiers, and an
# enterprise number in a published file would stand on its own. A comma is not
# excluded: our outputs group thousands by three digits, so a comma followed by ten
# digits is a CSV separator, never a thousands group.
_ALONE_BEFORE = r"(?<![0-9A-Za-z])(?<![0-9]\.)"
_ALONE_AFTER = r"(?![0-9A-Za-z])(?!\.[0-9])"
#: Group separators an enterprise number is printed with: space, dot, hyphen, no-break
#: and narrow no-break space, TeX ``~``, ``\,`` and ``\ ``, HTML no-break space.
_SEP = r"(?:[ .\-\u00a0\u202f~]|\\[, ]|&nbsp;|&#160;|&#x[aA]0;)"
FIRM_IDENTIFIER_PATTERN = re.compile(
    _ALONE_BEFORE
    + r"(?P<prefix>BE[ .:\-]?\s*)?"
    + rf"(?P<number>[0-9]{{3,4}}(?P<sep1>{_SEP})?[0-9]{{3}}(?P<sep2>{_SEP})?[0-9]{{3}})"
    + _ALONE_AFTER,
    flags=re.IGNORECASE,
)


def _is_identifier(match: re.Match[str]) -> bool:
    """Whether a digit group shaped like an enterprise number is treated as one (see the module docstring)."""
    digits = re.sub(r"&#x?[0-9a-f]+;|[^0-9]", "", match.group("number"), flags=re.IGNORECASE)
    if len(digits) not in (9, 10) or (len(digits) == 10 and digits[0] not in "01"):
        return False
    if match.group("sep1") != match.group("sep2"):
        return False  # "211.261842" is a decimal, "211.261 842" two coordinates: no number is printed so
    if match.group("prefix"):
        return True
    if len(digits) == 10:
        dotted = match.group("sep1") == "." and match.group("sep2") == "."
        if digits[0] == "0" or dotted:
            return True
    return vat.is_valid(digits)


_DATA_URI = re.compile(r"data:[a-z/+.-]+;base64,([A-Za-z0-9+/=]+)")
_ZIP_MAGIC = b"PK\x03\x04"


_GEOMETRY = re.compile(r"(?<=\s)(?:d|points)=\"[^\"]*\"")


def find_firm_identifiers(text: str) -> list[str]:
    """Every substring of ``text`` that is an enterprise number in a printed form, masked.

    Only the first four characters are kept (``0123******``) so that an error message
    never repeats the identifier it warns about.
    """
    text = _GEOMETRY.sub("", text)
    return [_mask(m.group(0)) for m in FIRM_IDENTIFIER_PATTERN.finditer(text) if _is_identifier(m)]


def _mask(found: str) -> str:
    return found[:4] + "*" * (len(found) - 4)


def _texts_of_bytes(raw: bytes) -> list[str]:
    """Readable texts inside a file: zip members (XLSX) are opened, data URIs decoded."""
    if raw.startswith(_ZIP_MAGIC):
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            return [t for name in sorted(archive.namelist()) for t in _texts_of_bytes(archive.read(name))]
    return _texts_of_text(raw.decode("latin-1"))


def _texts_of_text(text: str) -> list[str]:
    # base64 images are decoded and scanned as what they are; their base64 text is
    # removed so that a chance digit run in the encoding is not a false alarm.
    decoded = [base64.b64decode(m.group(1)).decode("latin-1") for m in _DATA_URI.finditer(text)]
    return [_DATA_URI.sub("data:", text), *decoded]


def _looks_like_path(value: str | os.PathLike[str]) -> bool:
    if isinstance(value, os.PathLike):
        return True
    return len(value) < 4096 and "\n" not in value and os.path.exists(value)


def assert_no_firm_identifiers(path_or_text: str | os.PathLike[str]) -> None:
    """Fail if a file, every file under a directory, or a text contains an enterprise number.

    Parameters
    ----------
    path_or_text
        A :class:`pathlib.Path` (file or directory), a string naming an existing path,
        or the text itself. Binary outputs are handled: XLSX members are unzipped and
        base64 images in HTML are decoded before scanning.

    Raises
    ------
    FirmIdentifierError
        Naming the file and the masked match (study design, section 5: no firm-level
        row ever reaches a published file).
    """
    if _looks_like_path(path_or_text):
        root = Path(path_or_text)
        if not root.exists():
            raise FirmIdentifierError(f"{root}: no such file or directory to check")
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for file in files:
            for text in _texts_of_bytes(file.read_bytes()):
                found = find_firm_identifiers(text)
                if found:
                    raise FirmIdentifierError(f"{file}: contains {len(found)} firm identifier(s), e.g. {found[0]}")
        return
    found = [f for t in _texts_of_text(str(path_or_text)) for f in find_firm_identifiers(t)]
    if found:
        raise FirmIdentifierError(f"text contains {len(found)} firm identifier(s), e.g. {found[0]}")
