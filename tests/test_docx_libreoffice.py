"""The DOCX as LibreOffice prints it on a machine without the official faces (Debian's
libreoffice-writer-nogui, the fonts ./dev installs): each role in its own kind of stand-in face,
三's merged labels whole on every page it spans, and pages that open where the app's PDF's do.

Needs soffice and poppler; skipped without LibreOffice, like the other LibreOffice tests.
"""

from __future__ import annotations

import io
import unicodedata
from collections import Counter, defaultdict

import pdfplumber
import pytest

from annual.exports.docx import COLUMN_MM, document_bytes, pdf_page_breaks
from annual.exports.docx_fonts import stand_in
from annual.layout import build_table
from annual.pdf.context import build_context
from annual.pdf.render import render_pdf
from tests.documents import EDUCATION_2021_FILE, SEED_FILE, demo_doc
from tests.pdf_cases import SOFFICE, libreoffice_pdf

pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui"
)

MM = 72 / 25.4
LEFT_MARGIN_MM, TEXT_WIDTH_MM = 28, 156


@pytest.fixture(scope="module", params=[SEED_FILE, EDUCATION_2021_FILE])
def printed(request, tmp_path_factory):
    """(document, LibreOffice's PDF of its DOCX) for the seed and the 2021 example."""
    doc = demo_doc(request.param)
    source = tmp_path_factory.mktemp("docx") / "report.docx"
    source.write_bytes(document_bytes(doc))
    return doc, libreoffice_pdf(source)


def face_kind(fontname: str) -> str:
    """The kind of face a PDF font name is: 仿宋, 楷, sans or serif."""
    for mark, kind in (("Fang", "fang"), ("Kai", "kai"), ("Sans", "sans"), ("Serif", "serif")):
        if mark in fontname:
            return kind
    return fontname


def norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "")


def lines(page) -> list[list[dict]]:
    """The characters of `page` by printed line (same top, rounded), left to right."""
    rows: dict[int, list[dict]] = defaultdict(list)
    for char in page.chars:
        if char["text"].strip():
            rows[round(char["top"] / 2)].append(char)
    return [sorted(rows[key], key=lambda c: c["x0"]) for key in sorted(rows)]


def is_han(char: dict) -> bool:
    return unicodedata.name(char["text"], "").startswith("CJK UNIFIED")


def test_libreoffice_sets_each_role_in_its_own_kind_of_face(printed):
    doc, pdf = printed
    context = build_context(doc)
    headings = {norm(s.heading) for s in context["sections"]}
    subheadings = {norm(p.heading) for s in context["sections"] for p in s.paragraphs if p.heading}
    body = stand_in("body")  # FandolFang where ./dev installed it, else the committed Noto Serif copy
    assert body is not None
    body_kind = "fang" if "fang" in body.name.lower() else "serif"
    seen: dict[str, set[str]] = defaultdict(set)
    with pdfplumber.open(pdf) as plumber:
        for page in plumber.pages:
            for line in lines(page):
                text = norm("".join(c["text"] for c in line))
                han = [c for c in line if is_han(c)]
                if not han:
                    continue
                if han[0]["size"] < 13:  # the tables, in the body face throughout as in the PDF
                    seen["table"].update(face_kind(c["fontname"]) for c in han)
                elif han[0]["size"] > 20:
                    seen["title"].update(face_kind(c["fontname"]) for c in han)
                elif text in headings:
                    seen["heading"].update(face_kind(c["fontname"]) for c in han)
                elif han[0]["size"] > 15:
                    lead = next((h for h in subheadings if text.startswith(h)), "")
                    # The （一） heading's characters, then the body text run on after it.
                    seen["subheading"].update(face_kind(c["fontname"]) for c in line[: len(lead)] if is_han(c))
                    seen["body"].update(face_kind(c["fontname"]) for c in line[len(lead) :] if is_han(c))
    assert dict(seen) == {
        "title": {"serif"},
        "heading": {"sans"},
        "subheading": {"kai"},
        "body": {body_kind},
        "table": {body_kind},
    }


def applications_groups(doc: dict) -> list[tuple[int, str, list[str]]]:
    """(grid column, label, the labels of its rows) of each merged label cell of 三."""
    table = build_table(doc, "applications", printed=True)
    own = [next(c.text for c in row.cells if c.rowspan == 1 and not c.is_value) for row in table.rows]
    return [
        (col, cell.text, own[r : r + cell.rowspan])
        for r, col, cell in table.placed_cells()
        if cell.rowspan > 1 and not cell.is_value
    ]


def column_text(page, first_mm: float, last_mm: float) -> str:
    """The text printed between `first_mm` and `last_mm` from the 版心's left edge (the table is
    centred in it), top to bottom: a label set one or a few characters a line reads whole."""
    widths = COLUMN_MM["applications"]
    left = LEFT_MARGIN_MM + (TEXT_WIDTH_MM - widths["c-l1"] - widths["c-l2"] - widths["c-l3"] - 7 * widths["c-num"]) / 2
    chars = [
        c
        for line in lines(page)
        for c in line
        if (left + first_mm) * MM < (c["x0"] + c["x1"]) / 2 < (left + last_mm) * MM
    ]
    return norm("".join(c["text"] for c in chars))


def test_libreoffice_prints_the_merged_labels_of_3_whole_on_every_page(printed):
    """三、本年度办理结果 and （三）不予公开… print whole on each page that holds any of their rows:
    never an empty continuation cell nor a 「结果」 fragment."""
    doc, pdf = printed
    widths = COLUMN_MM["applications"]
    groups = applications_groups(doc)
    checked: Counter[str] = Counter()
    with pdfplumber.open(pdf) as plumber:
        for page in plumber.pages:
            text = norm(page.extract_text() or "")
            if "申请人情况" not in text:
                continue
            first = column_text(page, 0, widths["c-l1"])
            second = column_text(page, widths["c-l1"], widths["c-l1"] + widths["c-l2"])
            for col, label, rows in groups:
                if any(norm(row)[:7] in text for row in rows):
                    assert norm(label) in (first if col == 0 else second), (page.page_number, label)
                    checked[label] += 1
    outcome = next(label for col, label, _ in groups if col == 0)
    continued = [index for index in pdf_page_breaks(doc, None).get("applications", []) if index]
    assert checked[outcome] == 1 + len(continued)  # the seed's 三 goes on to a second page
    assert set(checked) == {label for _, label, _ in groups}


@pytest.mark.pdf
def test_libreoffice_pages_open_where_the_pdf_pages_do(printed):
    """The 22-line grid and 28 characters a line: the DOCX printed by LibreOffice has as many pages
    as the app's PDF, and every page up to the one that continues 三 opens with the same line."""
    doc, pdf = printed
    with pdfplumber.open(pdf) as word, pdfplumber.open(io.BytesIO(render_pdf(doc))) as app:
        assert len(word.pages) == len(app.pages)
        openings = [[norm("".join(c["text"] for c in lines(p)[0])) for p in pdf.pages] for pdf in (word, app)]
        third = next(i for i, p in enumerate(app.pages) if "申请人情况" in norm(p.extract_text() or ""))
        assert openings[0][: third + 2] == openings[1][: third + 2]
