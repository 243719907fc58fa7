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
        "1234567894",  # starts with 1, valid check digits
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
        "1234567890",  # starts with 1, bare, check digits fail: an amount
        "1234 567 890",  # likewise with spaces
        "123 456 789",  # nine digits, check fails: a French-formatted amount
        "544,644,607",  # comma-grouped: our thousands separator, not an enterprise-number form
        '<path d="M 1034 567 894 L 2034 4250"/>',  # SVG glyph coordinates
        "211.261842",  # a decimal (SVG coordinate) with nine digits
        "translate(211.261 842)",  # two coordinates
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


# Issue 12, item 4: every printed form of one real-shaped number (0544.644.607, valid
# mod-97 check digits) must be caught, in every output format.
PRINTED_FORMS = [
    "0544644607",
    "0544.644.607",
    "0544 644 607",
    "0544-644-607",
    "0544\u00a0644\u00a0607",  # no-break spaces
    "0544\u202f644\u202f607",  # narrow no-break spaces
    "BE0544644607",
    "BE 0544.644.607",
    "BE-0544 644 607",
    "be0544644607",
    "BE544644607",
    "544644607",  # old nine-digit forms (implicit leading 0), check digits valid
    "544.644.607",
    "544 644 607",
    "544-644-607",
]


@pytest.mark.parametrize("form", PRINTED_FORMS)
def test_every_printed_form_is_caught(form):
    assert find_firm_identifiers(f"firm {form} joined") and find_firm_identifiers(form)
    assert find_firm_identifiers(f"Cluster,{form},12\n")
    assert find_firm_identifiers(f"| {form} | 12 |")


@pytest.mark.parametrize(
    "wrap",
    [
        "{}",  # plain CSV/MD
        "{} \\\\",  # TeX row end
        "<td>{}</td>",  # HTML
        "<!-- {} -->",  # the text of an SVG label (matplotlib writes it as a comment)
    ],
)
def test_markup_forms_are_caught(wrap):
    for form in ("0544 644 607", "0544-644-607", "544 644 607"):
        assert find_firm_identifiers(wrap.format(form)), (wrap, form)
    assert find_firm_identifiers(wrap.format("0544\\,644\\,607"))  # TeX thin spaces
    assert find_firm_identifiers(wrap.format("0544~644~607"))  # TeX ties
    assert find_firm_identifiers(wrap.format("0544&nbsp;644&nbsp;607"))  # HTML entity
    assert find_firm_identifiers(wrap.format("0544&#160;644&#160;607"))


def test_check_digits_decide_only_the_ambiguous_forms():
    # 0544.644.608 fails the check: still flagged where the shape is unambiguous
    for form in ("0544644608", "0544 644 608", "0544-644-608", "BE0544644608", "1544.644.608"):
        assert find_firm_identifiers(form), form
    # ...but not where an amount or a coordinate has the same shape
    for form in ("544644608", "544 644 608", "544.644.608", "1544644608", "1544 644 608"):
        assert find_firm_identifiers(form) == [], form


@pytest.mark.parametrize("form", ["0544 644 607", "0544-644-607", "544 644 607"])
def test_files_of_every_output_format_are_scanned(tmp_path, form):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from reports.figures import figure_bytes

    files = {
        "t.csv": f"Cluster,Firm\nA,{form}\n",
        "t.md": f"| Cluster | Firm |\n|---|---|\n| A | {form} |\n",
        "t.tex": f"A & {form} \\\\\n",
        "r.html": f"<table><tr><td>{form}</td></tr></table>",
    }
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with pytest.raises(FirmIdentifierError, match=name):
            assert_no_firm_identifiers(path)
        path.unlink()
    buf = io.BytesIO()
    pd.DataFrame({"firm": [form]}).to_excel(buf, index=False)
    (tmp_path / "t.xlsx").write_bytes(buf.getvalue())
    with pytest.raises(FirmIdentifierError, match="t.xlsx"):
        assert_no_firm_identifiers(tmp_path / "t.xlsx")
    (tmp_path / "t.xlsx").unlink()
    fig = Figure()
    fig.subplots().set_xticks([0], [form])
    (tmp_path / "f.svg").write_bytes(figure_bytes(fig, "svg"))
    with pytest.raises(FirmIdentifierError, match="f.svg"):
        assert_no_firm_identifiers(tmp_path / "f.svg")


def test_a_clean_svg_with_glyph_paths_is_not_flagged(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from reports.figures import figure_bytes

    fig = Figure()
    ax = fig.subplots()
    ax.plot(range(2012, 2025), [1_234_567 * i for i in range(13)])
    ax.set_title("Value added 0123456789 ABCDEFGHIJ")  # every digit glyph is embedded
    svg = figure_bytes(fig, "svg").decode()
    assert 'd="M ' in svg
    assert find_firm_identifiers(svg.replace("0123456789", "digits")) == []
