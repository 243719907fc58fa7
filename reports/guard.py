"""A last check before publication: no Belgian enterprise number may appear in an output.

An enterprise number (KBO/BCE) has ten digits, the first 0 or 1, written ``0123456789``,
``0123.456.789`` or ``BE0123456789``; old files drop the leading 0. Outputs of this
project only ever carry formatted aggregates (thousands separated by commas), so any
stand-alone run of ten digits starting with 0 or 1, any dotted ``NNNN.NNN.NNN`` or
``NNN.NNN.NNN`` and any ``BE``-prefixed number is treated as a leak, whether or not its
mod-97 check digits are valid (an invalid number can still identify a firm after a
typo). A bare nine-digit run is not flagged: it cannot be told from an amount.
"""

from __future__ import annotations

import base64
import io
import os
import re
import zipfile
from pathlib import Path

from reports.errors import FirmIdentifierError

# Each alternative is anchored so it cannot start or end inside a longer number, a
# decimal fraction ("0.0312345678" is a coefficient) or an alphanumeric token: hex
# digests in the run manifest and SVG element ids ("p0123456789") are not identifiers,
# and an enterprise number in a published file would stand on its own. A comma is not
# excluded: our outputs group thousands by three digits, so a comma followed by ten
# digits is a CSV separator, never a thousands group.
_ALONE_BEFORE = r"(?<![0-9A-Za-z])(?<![0-9]\.)"
_ALONE_AFTER = r"(?![0-9A-Za-z])(?!\.[0-9])"
FIRM_IDENTIFIER_PATTERN = re.compile(
    "|".join(
        [
            # BE prefix, with or without the leading 0, dots or spaces optional
            r"(?<![0-9A-Za-z])BE[\s.]?[01]?[0-9]{3}[\s.]?[0-9]{3}[\s.]?[0-9]{3}" + _ALONE_AFTER,
            # dotted ten-digit or nine-digit form
            _ALONE_BEFORE + r"[01]?[0-9]{3}\.[0-9]{3}\.[0-9]{3}" + _ALONE_AFTER,
            # bare ten digits starting with 0 or 1
            _ALONE_BEFORE + r"[01][0-9]{9}" + _ALONE_AFTER,
        ]
    ),
    flags=re.IGNORECASE,
)

_DATA_URI = re.compile(r"data:[a-z/+.-]+;base64,([A-Za-z0-9+/=]+)")
_ZIP_MAGIC = b"PK\x03\x04"


def find_firm_identifiers(text: str) -> list[str]:
    """Every substring of ``text`` shaped like an enterprise number, masked.

    Only the first four characters are kept (``0123******``) so that an error message
    never repeats the identifier it warns about.
    """
    return [_mask(m.group(0)) for m in FIRM_IDENTIFIER_PATTERN.finditer(text)]


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
