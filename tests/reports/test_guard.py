"""The publication guard against enterprise numbers."""

from __future__ import annotations

import base64
import io

import pandas as pd
import pytest

from reports.errors import FirmIdentifierError
from reports.guard import assert_no_firm_identifiers, find_firm_identifiers


@pytest.mark.parametrize(
    "text",
    [
        "BE0123.456.749",
        "be 0123 456 749",
        "BE0123456749",
        "firm 0123.456.749 joined",
        "0123456749",
        "1234567890",
        "123.456.749",  # old nine-digit dotted form
        "BE123456749",
        "id,0417497106\n",
        "firm_0417497106.csv",
        '"0417497106"',
    ],
)
def test_enterprise_numbers_are_found(text):
    assert find_firm_identifiers(text)
    with pytest.raises(FirmIdentifierError):
        assert_no_firm_identifiers(text)


@pytest.mark.parametrize(
    "text",
    [
        "1,234,567,890",  # a formatted amount
        "0.0123456789",  # a coefficient
        "-0.1234567890",
        "12345678901",  # eleven digits
        "2345678901",  # starts with 2: not an enterprise number
        "2023-12-31",
        'N observations,"10,500"',
        "0.031***",
        "spec_sha256=9f0417497106ab34",  # hex digest
        'clip-path="url(#p0417497106)"',  # SVG element id
        "be0417497106e",
    ],
)
def test_aggregates_are_not_flagged(text):
    assert find_firm_identifiers(text) == []
    assert_no_firm_identifiers(text)


def test_message_masks_the_identifier(tmp_path):
    path = tmp_path / "leak.csv"
    path.write_text("firm,value\n0417.497.106,3\n")
    with pytest.raises(FirmIdentifierError) as err:
        assert_no_firm_identifiers(path)
    assert "leak.csv" in str(err.value)
    assert "497" not in str(err.value).split(":", 1)[1]


def test_directories_and_xlsx_members_are_scanned(tmp_path):
    (tmp_path / "ok.md").write_text("| a | 1,234 |\n")
    assert_no_firm_identifiers(tmp_path)
    buf = io.BytesIO()
    pd.DataFrame({"firm": ["0417497106"], "x": [1]}).to_excel(buf, index=False)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "t.xlsx").write_bytes(buf.getvalue())
    with pytest.raises(FirmIdentifierError, match="t.xlsx"):
        assert_no_firm_identifiers(str(tmp_path))


def test_base64_images_are_decoded_not_read_as_text():
    payload = base64.b64encode(b"\x89PNG" + b"\x00" * 20).decode()
    assert_no_firm_identifiers(f'<img src="data:image/png;base64,{payload}">')
    leak = base64.b64encode(b"\x89PNG tEXt firm 0417497106").decode()
    with pytest.raises(FirmIdentifierError):
        assert_no_firm_identifiers(f'<img src="data:image/png;base64,{leak}">')


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(FirmIdentifierError, match="no such file"):
        assert_no_firm_identifiers(tmp_path / "absent.csv")
