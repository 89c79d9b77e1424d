"""The PDF to the letter of GB/T 9704, measured with pdfplumber on real WeasyPrint renders: the
seed, both demo reports and a generated worst case (every count at MAX_COUNT, the largest
money, a 60-character agency, four narratives at their maximum length, tables that split).

- justified body text: every line that a paragraph continues after ends within 0.5 mm of the
  right margin; 28 characters a full line, 22 lines a full page; no 「，」 opens a line;
- tables split across pages: header rows and the merged labels repeat, no row is cut, no page
  but the last is more than 40 % empty;
- every value at least 1 mm clear of every border of its cell;
- titles and signatures never strand one or two characters or split a name that fits;
- page numbers 「— N —」: the dash's ink 7 mm below the text block, one character in from the outside edge.
"""

from __future__ import annotations

import datetime
import functools
import io
import json
import re
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise

import pdfplumber
import pytest

from annual import template_spec as spec
from annual.document import blank_document
from annual.formatting import (
    EMPTY_SECTION,
    LATIN_BREAK_AFTER,
    LONG_LATIN_RUN,
    NO_LINE_END,
    NO_LINE_START,
    ZERO_WIDTH_SPACE,
    balanced_lines,
    breakable,
    title_lines,
)
from annual.layout import applications_table, review_table
from annual.pdf import context as context_module
from annual.pdf import paginate, render_html, render_pdf
from annual.pdf import render as render_module
from annual.pdf.context import DraftMark, build_context
from annual.pdf.fit import Fit, columns_mm, fit
from annual.pdf.justify import install as install_justify
from annual.pdf.render import layout
from annual.rules import check_document
from tests.documents import DEMO_DIR
from tests.pdf_cases import (
    LONG_AGENCY,
    MAX_MONEY,
    URLS,
    landscape_document,
    pdf_text,
    realistic_large_document,
    url_document,
    worst_case_document,
)

pytestmark = pytest.mark.pdf

MM = 72 / 25.4
LEFT, RIGHT, TOP, BOTTOM = 28 * MM, 184 * MM, 37 * MM, 262 * MM  # the 版心 (156 × 225 mm)
LANDSCAPE_TOP, LANDSCAPE_BOTTOM = 28 * MM, 184 * MM  # the landscape page's (225 × 156 mm)
BODY_PT, TITLE_PT, FOLIO_PT = 16, 22, 14


def demo(name: str) -> dict:
    return json.loads((DEMO_DIR / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def renders() -> dict[str, tuple[dict, bytes]]:
    """Both demo reports, the seed among them, each (document, final PDF)."""
    # The seed (/work/shared/examples/cangnan-2020.json) is the 2020 demo report, byte for byte.
    docs = {"seed": demo("cangnan-2020.json"), "demo-2021": demo("cangnan-education-2021.json")}
    return {name: (doc, render_pdf(doc)) for name, doc in docs.items()}


@pytest.fixture(scope="module")
def worst() -> tuple[dict, bytes]:
    """The slow one (some 200 pages): rendered once for the module."""
    doc = worst_case_document()
    return doc, render_pdf(doc)


@pytest.fixture(scope="module")
def realistic() -> tuple[dict, bytes]:
    """Sizes real reports reach: 7-digit counts in 三, 5-digit in 四, 123456.7890 万元."""
    doc = realistic_large_document()
    return doc, render_pdf(doc)


def all_cases(renders, worst):
    return [*renders.values(), worst]


# --- Reading the PDF --------------------------------------------------------------------------


@dataclass
class Page:
    number: int
    chars: list[dict]
    boxes: list[tuple]  # table bounding boxes
    edges: list[dict]  # ruling lines (pages with tables only)
    words: list[dict]  # words (pages with tables only)
    tables: list[list[list]]  # extracted cell texts
    cell_rows: list[list]  # cell bounding boxes, row by row
    landscape: bool  # a table too wide for portrait (pdf/fit.py), its 版心 225 × 156 mm


@functools.cache
def analysed(pdf: bytes) -> list[Page]:
    """Each page read once: the worst case has some 200 pages, and table detection is slow, so
    only pages with ruling lines are searched for tables."""
    result = []
    with pdfplumber.open(io.BytesIO(pdf)) as plumber:
        for number, page in enumerate(plumber.pages, start=1):
            ruled = bool(page.rects or page.lines)
            found = page.find_tables() if ruled else []
            result.append(
                Page(
                    number,
                    list(page.chars),
                    [t.bbox for t in found],
                    list(page.edges) if ruled else [],
                    page.extract_words(x_tolerance=1.5) if ruled else [],
                    [t.extract() for t in found],
                    [[c for c in row.cells] for t in found for row in t.rows],
                    page.width > page.height,
                )
            )
    return result


def inside(char, boxes) -> bool:
    return any(
        x0 - 1 <= char["x0"] and char["x1"] <= x1 + 1 and top - 1 <= char["top"] and char["bottom"] <= bottom + 1
        for x0, top, x1, bottom in boxes
    )


def lines_of(chars) -> list[list[dict]]:
    """Chars grouped into printed lines (a 楷体 heading and its 仿宋 text sit within a point)."""
    lines: list[list[dict]] = []
    for char in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        if lines and abs(lines[-1][0]["top"] - char["top"]) < 6:
            lines[-1].append(char)
        else:
            lines.append([char])
    return [sorted(line, key=lambda c: c["x0"]) for line in lines]


@functools.cache
def body_lines(pdf: bytes) -> list[list[tuple[int, str, float, float]]]:
    """Per page, the 3号 text lines outside tables: (page, text, x0, x1)."""
    result = []
    for page in analysed(pdf):
        chars = [
            c
            for c in page.chars
            if abs(c["size"] - BODY_PT) < 0.3
            and c["text"].strip()
            and TOP - 2 < c["top"] < BOTTOM
            and not inside(c, page.boxes)
        ]
        result.append(
            [(page.number, "".join(c["text"] for c in line), line[0]["x0"], line[-1]["x1"]) for line in lines_of(chars)]
        )
    return result


def full_width(text: str) -> bool:
    return all(ord(ch) >= 0x2E80 for ch in text)


# --- 1. Justified body text, 28 × 22 ------------------------------------------------------------


def test_body_lines_end_flush_at_the_right_margin(renders, worst):
    for doc, pdf in all_cases(renders, worst):
        flat = [line for page in body_lines(pdf) for line in page]
        assert flat
        continued = 0
        for line, following in pairwise(flat):
            _, _, x0, x1 = line
            assert x0 >= LEFT - 0.5 * MM and x1 <= RIGHT + 0.5 * MM, line
            if abs(following[2] - LEFT) < 1:  # the next line continues this paragraph
                continued += 1
                assert abs(RIGHT - x1) <= 0.5 * MM, (line, f"{(RIGHT - x1) / MM:.2f} mm short")
        assert continued > 10, doc["agency"]


def test_a_full_line_holds_28_characters_and_a_page_22_lines(renders, worst):
    for doc, pdf in all_cases(renders, worst):
        lines = [line for page in body_lines(pdf) for line in page]
        full = [
            (text, following[1])
            for (_, text, x0, x1), following in pairwise(lines)
            if abs(x0 - LEFT) < 1 and abs(RIGHT - x1) <= 0.5 * MM and full_width(text)
        ]
        assert sum(1 for text, _ in full if len(text) == 28) > len(full) * 0.6, doc["agency"]
        for text, following in full:
            if len(text) != 28:
                # 27, spread flush, only where the 28th character had to move down: it may not
                # end a line (《), or what follows it may not open one (、，。).
                assert len(text) == 27 and (
                    following[0] in NO_LINE_END or following[1] in NO_LINE_START or not full_width(following[:2])
                ), (text, following)
        first = [text for _, text, x0, x1 in lines if abs(x0 - LEFT - 2 * 15.79) < 1 and abs(RIGHT - x1) <= 0.5 * MM]
        assert {len(text) for text in first if full_width(text)} <= {26}
    per_page = [len(page) for page in body_lines(worst[1])]
    assert max(per_page) == 22
    # Pages of running text hold 22 lines; up to three fewer where a heading (一、 then （一）)
    # stays with its text or a paragraph keeps two lines together (orphans and widows). The page
    # before the last gives its last lines to the 落款 when that would stand alone (§7.3.5).
    running = [
        len(lines)
        for lines, page in zip(body_lines(worst[1]), analysed(worst[1]), strict=True)
        if not page.boxes and 1 < page.number < len(per_page) - 1
    ]
    assert min(running) >= 19 and sum(1 for n in running if n == 22) > len(running) / 2


RARE = "䶮𠀾镕堃"  # outside GB 2312: from the fallback face (Noto Serif CJK SC), not the 仿宋


def test_lines_with_fallback_font_characters_keep_the_22_line_grid(seed_doc):
    """Characters that fall through to another face sit on the same 28.9 pt (10.2 mm) pitch as
    the rest: the line height is fixed (pdf/justify.py); they made 10.8 mm lines."""
    doc = {**seed_doc, "overview": seed_doc["overview"].replace("公开", RARE, 12)}
    pdf = render_pdf(doc)
    rare_lines = pitches = 0
    with pdfplumber.open(io.BytesIO(pdf)) as plumber:
        for page in plumber.pages[1:3]:  # running text of 一 and 二, below the title page
            body = [c for c in page.chars if abs(c["size"] - BODY_PT) < 0.3 and TOP - 2 < c["top"] < BOTTOM]
            baselines: dict[float, str] = {}
            for c in body:
                y = round(page.height - c["matrix"][5], 1)
                key = next((b for b in baselines if abs(b - y) < 3), y)
                baselines[key] = baselines.get(key, "") + c["text"]
            rare_lines += sum(1 for text in baselines.values() if set(text) & set(RARE))
            for above, below in pairwise(sorted(baselines)):
                assert abs(below - above - 28.9) < 0.15, (page.page_number, round(below - above, 2))
                pitches += 1
    assert rare_lines >= 5 and pitches >= 35


def test_no_line_starts_or_ends_against_the_chinese_line_breaking_rules(renders, worst):
    for _, pdf in all_cases(renders, worst):
        for page in body_lines(pdf):
            for line in page:
                assert line[1][0] not in NO_LINE_START, line
                assert line[1][-1] not in NO_LINE_END, line


def test_justification_patch_is_active_for_this_weasyprint():
    assert install_justify(), "WeasyPrint changed version: check annual/pdf/justify.py against its source"


def test_long_latin_runs_break_only_after_separators_and_only_when_long():
    assert breakable("网站www.cncn.gov.cn/zwgk下载") == "网站www.cncn.gov.cn/zwgk下载"  # 20 characters
    marked = breakable(f"访问{URLS[0]}查询")
    assert marked.replace(ZERO_WIDTH_SPACE, "") == f"访问{URLS[0]}查询"
    assert "https://\u200bwww.\u200bcncn.\u200bgov.\u200bcn/\u200bcol/" in marked  # never inside 「//」
    assert "?\u200buid=\u200b5428921&\u200bpageNum=\u200b2查询" in marked  # nor at the run's end
    assert breakable("电话：0577-68878130") == "电话：0577-68878130"
    # A stretch with no separator, as long as a run that needs breaking, may break anywhere.
    digest = "0123456789abcdef" * 2
    assert breakable(f"校验码{digest}.pdf") == f"校验码{ZERO_WIDTH_SPACE.join(digest + '.')}{ZERO_WIDTH_SPACE}pdf"


def test_urls_keep_their_letter_spacing_and_break_at_separators_beside_justified_chinese():
    """A paragraph of long URLs and an e-mail address: Chinese lines are spread flush between
    their characters, the Latin characters keep their own spacing (no 「h t t p」), and a URL
    that goes on to the next line ends its line after a separator."""
    doc = url_document()
    pdf = render_pdf(doc)
    assert ZERO_WIDTH_SPACE not in pdf_text(pdf)  # searched and copied as typed
    lines = [
        line
        for page in analysed(pdf)[:3]
        for line in lines_of(
            [
                c
                for c in page.chars
                if abs(c["size"] - BODY_PT) < 0.3 and TOP - 2 < c["top"] < BOTTOM and c["text"].strip()
            ]
        )
    ]
    body = "".join(c["text"] for line in lines for c in line)
    assert all(url in body for url in URLS)
    url_lines = [line for line in lines if sum(c["text"].isascii() for c in line) >= 10]
    assert len(url_lines) >= 5
    for line, following in pairwise(lines):
        latin = [b["x0"] - a["x1"] for a, b in pairwise(line) if a["text"].isascii() and b["text"].isascii()]
        assert all(-0.6 < gap < 0.3 for gap in latin), ("".join(c["text"] for c in line), max(latin))
        last, first = line[-1]["text"], following[0]["text"]
        continued = abs(following[0]["x0"] - LEFT) < 1
        if continued and last.isascii() and first.isascii() and line in url_lines:
            # After a separator, or inside a stretch that has none (the 32-character hash).
            tail = re.split(f"[{re.escape(LATIN_BREAK_AFTER)}]", "".join(c["text"] for c in line))[-1]
            head = re.split(f"[{re.escape(LATIN_BREAK_AFTER)}]", "".join(c["text"] for c in following))[0]
            assert last in LATIN_BREAK_AFTER or len(tail + head) >= LONG_LATIN_RUN, (tail, head)
        if continued and any(not c["text"].isascii() for c in line):
            # A line holding Chinese is flush at the right margin, whatever Latin it holds.
            assert abs(RIGHT - line[-1]["x1"]) <= 0.5 * MM, "".join(c["text"] for c in line)
    chinese = [
        "".join(c["text"] for c in line)
        for line in lines
        if all(not c["text"].isascii() for c in line)
        and abs(line[0]["x0"] - LEFT) < 1
        and abs(RIGHT - line[-1]["x1"]) < 0.5 * MM
    ]
    assert chinese and sum(len(t) == 28 for t in chinese) > len(chinese) * 0.6


# --- 2. Tables split across pages ---------------------------------------------------------------


def application_parts(pdf: bytes) -> list[tuple[int, list[list]]]:
    return [
        (page.number, table)
        for page in analysed(pdf)
        for table in page.tables
        if any((c or "").replace("\n", "") == "申请人情况" for c in table[0])
    ]


def flat(cell) -> str:
    return (cell or "").replace("\n", "")


def test_tables_follow_the_text_and_no_page_but_the_last_is_40_percent_empty(renders, worst):
    for doc, pdf in all_cases(renders, worst):
        pages = analysed(pdf)
        for page, following in pairwise(pages):
            if page.landscape != following.landscape:
                continue  # a landscape table starts and ends a page of its own
            top, bottom = (LANDSCAPE_TOP, LANDSCAPE_BOTTOM) if page.landscape else (TOP, BOTTOM)
            ink = [c["bottom"] for c in page.chars if c["bottom"] < bottom + 1 and c["size"] < 40]
            ink += [e["bottom"] for e in page.edges if e["bottom"] < bottom + 1]
            empty = (bottom - max(ink)) / (bottom - top)
            assert empty <= 0.40, (doc["agency"][:10], page.number, f"{empty:.0%} empty")


def test_split_applications_table_repeats_header_and_outcome_label_and_cuts_no_row(renders, worst):
    split = 0
    for doc, pdf in all_cases(renders, worst):
        parts = application_parts(pdf)
        assert parts
        if len(parts) > 1:
            split += 1
            assert len({page for page, _ in parts}) == len(parts)
        labels = []
        for _, rows in parts:
            assert flat(rows[0][0]) == flat(spec.BALANCE_NOTE)
            body = [flat(c) for row in rows[3:] for c in row if c]
            if any(text.startswith("（") or text[:1].isdigit() and "." in text[:3] for text in body):
                # Outcome rows on this part: the merged 三、本年度办理结果 label is printed here.
                assert flat(spec.OUTCOMES_HEADING) in body, body
            labels += body
        for row in spec.application_rows(doc["template"]):
            assert sum(1 for label in labels if label.endswith(flat(row.label))) == 1, row.label
    assert split >= 2  # the seed (inside the merged outcome block) and the worst case


def counted_layouts(monkeypatch) -> list[str]:
    """The HTML of each layout the report makes, from now on in this test."""
    passes: list[str] = []

    def counted(html):
        passes.append(html)
        return layout(html)

    monkeypatch.setattr(render_module, "layout", counted)
    return passes


def test_a_table_never_opens_with_fewer_than_three_rows_at_a_page_foot(monkeypatch):
    """The 2021 demo report with a shorter 一 opens 三 with two rows at the foot of page 2 when
    WeasyPrint breaks where it likes; the report moves 三, heading and all, to the next page, in
    its one layout (its second and third rows may not open a page, paginate.kept_rows)."""
    doc = demo("cangnan-education-2021.json")
    doc["overview"] = doc["overview"][:233]
    assert paginate.stranded_tables(layout(render_html(doc, link_stylesheet=False, keep=False))) == ["applications"]
    passes = counted_layouts(monkeypatch)
    pdf = render_pdf(doc)
    assert len(passes) == 1
    parts = application_parts(pdf)
    assert len(parts) == 1 and len(parts[0][1]) == 3 + len(spec.application_rows(doc["template"]))
    heading = [p.number for p in analysed(pdf) if "三、收到和处理" in "".join(c["text"] for c in p.chars)]
    assert heading == [parts[0][0]]


def test_a_table_never_ends_on_a_page_with_fewer_than_three_rows_landscape_included():
    """The worst case's 三 on landscape pages ended with a single row (10, 12 and 1 rows): its
    last page now takes rows from the page before, from the start of a merged group so that
    the group's label prints whole; every part holds three body rows or more."""
    doc = landscape_document()
    single = paginate.part_rows(layout(render_html(doc, link_stylesheet=False, keep=False)))
    assert single["applications"][-1] < 3  # where WeasyPrint alone breaks
    pdf = render_pdf(doc)
    parts = application_parts(pdf)
    assert len(parts) >= 3 and all(analysed(pdf)[page - 1].landscape for page, _ in parts)
    body = [len(rows) - 3 for _, rows in parts]  # below the three header rows
    assert min(body) >= 3, body
    assert sum(body) == len(spec.application_rows(doc["template"]))


@pytest.mark.parametrize("case", ["seed", "landscape", "worst"])
def test_a_merged_label_cut_by_a_page_is_whole_on_both_pages_in_one_layout(case, seed_doc, monkeypatch):
    """三 breaks inside 「三、本年度办理结果」 (the seed once, the landscape stress input twice,
    its middle part both resumed and cut): laid out once, the label prints again on each next
    page and every part is a closed cell centred on its rows (spans.py), byte for byte as the
    table split in the HTML at the same rows and laid out again prints it."""
    source = {"seed": seed_doc, "landscape": landscape_document(), "worst": worst_case_document()}[case]
    doc = {**source, "intro": source["intro"] + "本段仅用于本测试。"}  # not decided before
    passes = counted_layouts(monkeypatch)
    once = render_pdf(doc)
    assert len(passes) == 1
    keys = [row.key for row in applications_table(doc).rows]
    openings = paginate.page_first_rows(layout(passes[0]))["applications"]
    assert len(openings) == (1 if case == "seed" else 2)
    splits = {"applications": [keys.index(key) for key in openings]}
    reference = layout(render_html(doc, link_stylesheet=False, splits=splits, keep=False)).write_pdf()
    assert once == reference
    if case != "worst":  # some 200 pages: the bytes say it
        labels = [re.sub(r"\s", "", cell or "") for p in analysed(once) for t in p.tables for row in t for cell in row]
        assert labels.count("三、本年度办理结果") == len(openings) + 1


def test_a_layout_that_breaks_the_rules_is_laid_out_again_in_passes_and_printed_again_once(seed_doc, monkeypatch):
    """Where the breaks decided before layout cannot hold (here: decided without the merged
    labels' room, so WeasyPrint breaks 三 where a label has too few rows), the report is laid
    out again in passes that split the table where both parts have room; printed again, as a
    draft and as the final copy, it starts from the splits decided and is laid out once."""
    # A longer 一 brings 三's break before （六）其他处理, two rows above the merged label's end.
    doc = {**seed_doc, "overview": seed_doc["overview"] + "\n\n" + "公开" * 224}
    passes = counted_layouts(monkeypatch)
    render_pdf(doc)
    assert len(passes) == 1  # the breaks decided before layout hold
    count = len(applications_table(seed_doc).rows)
    monkeypatch.setattr(context_module, "kept_rows", lambda table, columns_mm=None: {1, 2, count - 2, count - 1})
    doc["intro"] += "本段仅用于本测试。"  # not decided before
    passes.clear()
    first = render_pdf(doc)
    assert len(passes) >= 2
    tables = {s.table.key: s.table for s in build_context(doc)["sections"] if s.table}
    assert not paginate.sound(layout(passes[0]), tables)
    passes.clear()
    again = render_pdf(doc)
    draft = render_pdf(doc, draft=DraftMark(state="待审核", printed_at=datetime.datetime(2021, 1, 29, 9, 0)))
    assert len(passes) == 2  # one each
    assert again == first
    assert len(analysed(draft)) == len(analysed(first))
    labels = [re.sub(r"\s", "", cell or "") for p in analysed(first) for t in p.tables for row in t for cell in row]
    assert labels.count("三、本年度办理结果") == 2


def test_kept_rows_are_decided_from_the_table_before_layout(seed_doc):
    """No break opens the second, third or last two rows of 三, nor leaves a part of a merged
    label with fewer 16 pt rows than its label's lines need (「三、本年度办理结果」, one character a
    line, eight rows; （三）不予公开, three lines, three rows); every other row may open a page."""
    table = applications_table(seed_doc)
    count = len(table.rows)
    kept = paginate.kept_rows(table)  # every row counted at ROW_HEIGHT_PT
    spans = [(r, r + cell.rowspan, cell) for r, _, cell in table.placed_cells() if cell.rowspan > 1]
    rows_needed = {
        cell.text: -(-paginate.label_height(cell.text, cell.css) // paginate.ROW_HEIGHT_PT) for *_, cell in spans
    }
    assert rows_needed[spec.OUTCOMES_HEADING] == 8 and rows_needed["（三）不予公开"] == 3
    for i in range(1, count):
        short = any(start < i < end and min(i - start, end - i) < rows_needed[cell.text] for start, end, cell in spans)
        assert (i in kept) == (i in (1, 2, count - 2, count - 1) or short), i
    # The print counts rows from the lines their labels take in the printed columns: never fewer.
    printed = paginate.kept_rows(table, columns_mm(table, fit(table)))
    assert printed <= kept and {1, 2, count - 2, count - 1} <= printed
    html = render_html(seed_doc, link_stylesheet=False)
    assert len(re.findall(r'<tr class="[^"]*\bkeep\b"[^>]* data-row="applications\.', html)) == len(printed)
    assert "keep" not in render_html(seed_doc, link_stylesheet=False, keep=False)


def test_split_at_repeats_merged_labels_with_the_remaining_span(seed_doc):
    table = applications_table(seed_doc)
    keys = [row.key for row in table.rows]
    index = keys.index("withheld_third_party_rights")  # inside （三）不予公开, after its first three rows
    split = table.split_at(index)
    assert [row.key for row in split.rows] == keys
    continued = split.rows[index]
    assert continued.continued and [g[0].continued for g in split.groups].count(True) == 1
    texts = [c.text for c in continued.cells if not c.is_value]
    assert texts[0] == spec.OUTCOMES_HEADING and texts[1] == "（三）不予公开"
    original = {c.text: c.rowspan for r in table.rows for c in r.cells if c.rowspan > 1}
    parts = defaultdict(int)
    for row in split.rows:
        for cell in row.cells:
            if cell.rowspan > 1 or cell.text in original:
                parts[cell.text] += cell.rowspan
    assert {text: parts[text] for text in original} == original
    # Each row still has every column once.
    width = sum(1 for _ in table.columns)
    occupied = defaultdict(int)
    for r, _, cell in split.placed_cells():
        for dr in range(cell.rowspan):
            occupied[r + dr] += cell.colspan
    assert set(occupied.values()) == {width}


def test_break_moves_up_to_leave_each_merged_label_room(seed_doc):
    table = applications_table(seed_doc)
    keys = [row.key for row in table.rows]
    first_outcome, not_held = keys.index("granted"), keys.index("unavailable_not_held")
    # The nine-character 三、本年度办理结果 needs eight rows on each side of a break, a group
    # label such as （四）无法提供 three.
    assert paginate.adjusted_break(table, not_held) == not_held
    assert paginate.adjusted_break(table, not_held + 1) == not_held
    assert paginate.adjusted_break(table, first_outcome + 1) == first_outcome
    # Inside （五）不予处理, one row in: back to its start, too close to the end of the outcome
    # block, back to the start of （四）.
    assert paginate.adjusted_break(table, keys.index("not_processed_duplicate")) == not_held
    assert paginate.adjusted_break(table, keys.index("received") + 1) == keys.index("received") + 1


# --- 3. Every value fits its cell ---------------------------------------------------------------

VALUE_RE = re.compile(r"^-?\d[\d.]*(万元)?$")


def test_every_value_stays_1mm_clear_of_its_cell_borders(renders, worst, realistic):
    checked = 0
    for _doc, pdf in [*all_cases(renders, worst), realistic]:
        for page in analysed(pdf):
            vertical = [e for e in page.edges if e["orientation"] == "v"]
            horizontal = [e for e in page.edges if e["orientation"] == "h"]
            for word in page.words:
                if not VALUE_RE.match(word["text"]) or not inside(word, page.boxes):
                    continue
                middle_y, middle_x = (word["top"] + word["bottom"]) / 2, (word["x0"] + word["x1"]) / 2
                crossing = [e["x0"] for e in vertical if e["top"] <= middle_y <= e["bottom"]]
                left = max(x for x in crossing if x <= middle_x)
                right = min(x for x in crossing if x >= middle_x)
                spanning = [e["top"] for e in horizontal if e["x0"] <= middle_x <= e["x1"]]
                above = max(y for y in spanning if y <= middle_y)
                below = min(y for y in spanning if y >= middle_y)
                clear = min(word["x0"] - left, right - word["x1"], word["top"] - above, below - word["bottom"])
                assert clear >= 1 * MM - 0.05, (word["text"], f"{clear / MM:.2f} mm")
                checked += 1
    assert checked > 300  # every figure of the three reports and the worst case's 二, 三 and 四


def figure_sizes(pdf: bytes) -> list[float]:
    """The type size of every digit printed inside a table."""
    return [c["size"] for page in analysed(pdf) for c in page.chars if c["text"].isdigit() and inside(c, page.boxes)]


def test_realistic_large_figures_print_at_9pt_or_more(renders, realistic):
    """Value columns take width from the label column (三) and from narrow columns (四), so
    7-digit counts in 三, 5-digit ones in 四 and 123456.7890 万元 print at 9 pt or more; the
    reports' ordinary figures keep the tables' 10.5 pt (二: 12 pt)."""
    sizes = figure_sizes(realistic[1])
    assert len(sizes) > 150 and min(sizes) >= 9, sorted(set(sizes))
    for _doc, pdf in renders.values():
        assert min(figure_sizes(pdf)) >= 10.4
    compact = "".join(
        flat(cell) for page in analysed(realistic[1]) for table in page.tables for row in table for cell in row
    )
    assert "1808024" in compact and "12001" in compact and "123456.7890" in compact


def test_no_figure_below_7pt_and_tables_too_wide_for_portrait_print_landscape(renders, worst, realistic):
    """13-digit counts fit no portrait width of 三 (seven columns) or 四 (fifteen) at 7 pt: both
    print on landscape pages, 四's figures over two lines; every figure at 7 pt or more. Reports
    whose figures fit portrait stay portrait."""
    pages = analysed(worst[1])
    sizes = figure_sizes(worst[1])
    assert len(sizes) > 2000 and min(sizes) >= 7, sorted(set(sizes))[:5]
    tables = [(page, table) for page in pages for table in page.tables]
    wide = [page for page, table in tables if any(flat(c) in ("申请人情况", "行政复议") for c in table[0])]
    assert len(wide) >= 2 and all(page.landscape for page in wide)
    assert not pages[0].landscape and not pages[-1].landscape
    for _doc, pdf in [*renders.values(), realistic]:
        assert not any(page.landscape for page in analysed(pdf))


def test_fit_turns_a_table_landscape_only_when_portrait_cannot_hold_7pt(seed_doc):
    worst = worst_case_document()
    assert fit(review_table(worst)).landscape and fit(applications_table(worst)).landscape
    assert fit(review_table(seed_doc)) == Fit()
    realistic = realistic_large_document()
    assert not fit(review_table(realistic)).landscape and fit(review_table(realistic)).css
    # 四's 13-digit figures break over two lines at 7 pt or more in the landscape columns.
    css = fit(review_table(worst)).css
    assert "word-break: break-all" in css
    assert min(float(size) for size in re.findall(r"font-size: ([\d.]+)pt", css)) >= 7


def test_worst_case_prints_the_largest_values_whole(worst):
    compact = "".join(
        flat(cell) for page in analysed(worst[1]) for table in page.tables for row in table for cell in row
    )
    assert "1000000000000" in compact and "-1000000000000" in compact
    assert f"{MAX_MONEY}万元" in compact


# --- 4. Titles and signatures --------------------------------------------------------------------


def test_title_and_signature_lines_never_strand_characters(renders, worst):
    for doc, pdf in all_cases(renders, worst):
        title = [c for c in analysed(pdf)[0].chars if abs(c["size"] - TITLE_PT) < 0.3]
        printed = ["".join(c["text"] for c in line) for line in lines_of(title)]
        assert printed == title_lines(f"{doc['agency']}{doc['year']}年度政府信息公开工作年度报告", doc["agency"])
        assert all(len(line) >= 3 for line in printed), printed
        signed_by = doc["meta"].get("signed_by") or doc["agency"]
        last = body_lines(pdf)[-1]
        signature = [text for _, text, x0, _ in last if x0 > LEFT + 40]
        assert signature[:-1] == balanced_lines(signed_by, 52), signature
        assert all(len(line) >= 3 for line in signature)


def _signature(pdf: bytes, doc: dict) -> tuple[list, tuple]:
    """The 落款's name lines and its date line on the last page: (page, text, x0, x1) each."""
    last = body_lines(pdf)[-1]
    names = len(balanced_lines(doc["meta"].get("signed_by") or doc["agency"], 52))
    return last[-names - 1 : -1], last[-1]


def test_signature_and_date_placed_as_gbt_9704_places_them_without_a_seal(renders, worst):
    """§7.3.5.2: the name 右空二字; the date's first character two characters right of the
    name's; a date longer than that makes the date 右空二字 and moves the name left with it."""
    em = BODY_PT
    cases = 0
    for doc, pdf in all_cases(renders, worst):
        if not doc["meta"].get("signed_on"):
            continue
        names, (_, date, date_x0, date_x1) = _signature(pdf, doc)
        assert "年" in date and date.endswith("日"), date
        name_x0, name_x1 = names[0][2], max(line[3] for line in names)
        assert abs(date_x0 - (name_x0 + 2 * em)) <= 0.3 * MM, (name_x0, date_x0)
        assert abs(max(name_x1, date_x1) - (RIGHT - 2 * em)) <= 0.3 * MM, (name_x1, date_x1)
        cases += 1
    short = json.loads(json.dumps(renders["seed"][0]))
    short["meta"]["signed_by"] = "苍南县民政局"  # 6 characters: the date is the longer line
    pdf = render_pdf(short)
    (name,), (_, _, date_x0, date_x1) = _signature(pdf, short)
    assert abs(date_x1 - (RIGHT - 2 * em)) <= 0.3 * MM
    assert abs(date_x0 - (name[2] + 2 * em)) <= 0.3 * MM
    assert RIGHT - name[3] > 2 * em + 5 * MM  # the name's right space grew
    assert cases >= 2


def test_signature_never_stands_alone_when_the_text_fills_the_last_page_exactly(renders):
    """Four more one-line paragraphs fill the seed's last page to its 22nd line: before the
    remedy the 落款 then stood alone on page 8. It takes the last line of text with it."""
    doc = json.loads(json.dumps(renders["seed"][0]))
    doc["other_matters"] = "\n\n".join(
        [doc["other_matters"]] + ["本机关持续做好政府信息公开工作，依法依规办理申请。"] * 4
    )
    pdf = render_pdf(doc)
    pages = body_lines(pdf)
    names, _ = _signature(pdf, doc)
    text_on_last = len(pages[-1]) - len(names) - 1
    assert text_on_last >= 1, pages[-1]
    assert len(pages[-2]) + text_on_last == 22  # the text alone would have filled page 7 exactly


def test_a_name_that_fits_is_never_split():
    assert balanced_lines("南京市江北新区管理委员会教育和社会保障局", 52) == [
        "南京市江北新区管理委员会教育和社会保障局"
    ]
    assert title_lines("南京市教育局2021年度政府信息公开工作年度报告", "南京市教育局") == [
        "南京市教育局",
        "2021年度政府信息公开工作年度报告",
    ]
    lines = title_lines(f"{LONG_AGENCY}2020年度政府信息公开工作年度报告", LONG_AGENCY)
    assert "".join(lines) == f"{LONG_AGENCY}2020年度政府信息公开工作年度报告"
    assert all(3 <= len(line) <= 20 for line in lines)
    # Two even lines would break 温州市市场监督/管理局: three lines break only after units.
    assert balanced_lines("温州市市场监督管理局龙湾分局", 20) == ["温州市", "市场监督管理局", "龙湾分局"]


# --- 5. Page numbers --------------------------------------------------------------------------


INK_DPI = 600


def dash_ink(pdf_path, page_number: int, dash: dict, *, turned: bool = False) -> float:
    """Where the ink of the page number's first 一字线 begins on the side toward the 版心, in PDF
    points: its first dark pixel row from the page top, or on a landscape page, where the
    number is turned a quarter with its top to the 版心, its last dark pixel column from the
    page's left edge. Rendered by poppler at 600 dpi (the char's box is the face's em box,
    some 1 mm beyond the ink)."""
    from PIL import Image

    px = INK_DPI / 72
    x0, top, x1, bottom = (dash["x0"], dash["top"], dash["x1"], dash["bottom"])
    if not turned:
        top, bottom = BOTTOM, BOTTOM + 20 * MM
    x, y, width, height = int(x0 * px), int(top * px), int((x1 - x0) * px) + 1, int((bottom - top) * px) + 1
    prefix = pdf_path.with_suffix("")
    subprocess.run(
        ["pdftoppm", "-r", str(INK_DPI), "-f", str(page_number), "-l", str(page_number), "-gray", "-singlefile"]
        + ["-x", str(x), "-y", str(y), "-W", str(width), "-H", str(height), "-png", str(pdf_path), str(prefix)],
        check=True,
        timeout=120,
    )
    image = Image.open(f"{prefix}.png").convert("L")
    if turned:
        columns = [c for c in range(image.width) if any(image.getpixel((c, r)) < 128 for r in range(image.height))]
        return (x + columns[-1] + 1) / px
    rows = [r for r in range(image.height) if any(image.getpixel((c, r)) < 128 for c in range(image.width))]
    return BOTTOM + rows[0] / px


def test_page_numbers_dash_ink_7mm_below_the_text_block_one_character_in(renders, worst, tmp_path):
    """GB/T 9704 §7.5: 一字线上距版心下边缘 7 mm, measured on the dash's ink (±0.5 mm) on an odd and
    an even page of each case; every other page's number sits exactly where those do. A
    landscape page (§10.1) has its number where the portrait pages have theirs, on the page as
    bound: turned a quarter in the left margin of the page as read (the portrait foot), the
    dash's ink 7 mm left of the 版心, an odd page's number ending one character above its lower
    edge (the portrait right), an even page's starting one character below its upper edge."""
    turned_inked = set()
    for case, (_doc, pdf) in enumerate(all_cases(renders, worst)):
        path = tmp_path / f"case-{case}.pdf"
        path.write_bytes(pdf)
        below, beside = set(), set()
        for page in analysed(pdf):
            number = page.number
            if page.landscape:
                left = 35 * MM  # the turned 版心: 35 mm in from the left, 28 from the top, 26 from the bottom
                folio = sorted((c for c in page.chars if not c["upright"] and c["x1"] < left), key=lambda c: c["top"])
                assert "".join(c["text"] for c in folio) == f"— {number} —", number
                beside.add(round(left - folio[0]["x1"], 1))
                if number % 2:
                    assert abs(folio[-1]["bottom"] - (LANDSCAPE_BOTTOM - FOLIO_PT)) <= 0.3 * MM, number
                else:
                    assert abs(folio[0]["top"] - (LANDSCAPE_TOP + FOLIO_PT)) <= 0.3 * MM, number
                if number % 2 not in turned_inked:
                    ink = dash_ink(path, number, folio[0], turned=True)
                    assert abs(ink - (left - 7 * MM)) <= 0.5 * MM, (number, (left - ink) / MM)
                    turned_inked.add(number % 2)
                continue
            folio = [c for c in page.chars if abs(c["size"] - FOLIO_PT) < 0.3 and c["top"] > BOTTOM]
            assert "".join(c["text"] for c in folio) == f"— {number} —"
            below.add(round(folio[0]["top"] - BOTTOM, 1))
            if number <= 2:
                ink = dash_ink(path, number, folio[0])
                assert abs(ink - (BOTTOM + 7 * MM)) <= 0.5 * MM, (number, (ink - BOTTOM) / MM)
            if number % 2:
                assert abs(folio[-1]["x1"] - (RIGHT - FOLIO_PT)) <= 0.3 * MM, number
            else:
                assert abs(folio[0]["x0"] - (LEFT + FOLIO_PT)) <= 0.3 * MM, number
        assert len(below) == 1 and len(beside) <= 1, (below, beside)
    assert turned_inked == {0, 1}  # the worst case's landscape pages, odd and even


# --- 6, 7. Empty sections, 二's captions, the blank line above the signature ------------------------


def test_empty_section_prints_wu_and_2021_warns_about_fees():
    doc = blank_document(agency="某县教育局", year=2021)
    html = render_html(doc)
    assert html.count(f"<p>{EMPTY_SECTION}</p>") == 3  # 一, 五 and 六
    fee = [f for f in check_document(doc) if f.rule == "fee_report"]
    assert len(fee) == 1 and fee[0].severity == "warning" and "国办函〔2020〕109号" in fee[0].message
    doc["other_matters"] = "本年度未收取信息处理费。"
    assert not [f for f in check_document(doc) if f.rule == "fee_report"]
    assert not [f for f in check_document(blank_document(agency="某县教育局", year=2020)) if f.rule == "fee_report"]


def test_captions_of_proactive_centred_and_one_blank_line_above_signature(renders):
    doc, pdf = renders["demo-2021"]
    captions = 0
    for page in analysed(pdf):
        for row in page.cell_rows:
            cells = [c for c in row if c]
            if len(cells) == 1:  # a 第二十条 caption spanning the table
                x0, top, x1, bottom = cells[0]
                chars = sorted(
                    (c for c in page.chars if x0 < c["x0"] and c["x1"] < x1 and top < c["top"] < bottom),
                    key=lambda c: c["x0"],
                )
                assert abs((chars[0]["x0"] - x0) - (x1 - chars[-1]["x1"])) < 2
                captions += 1
    assert captions == len(spec.PROACTIVE_BLOCKS[doc["template"]])
    last = analysed(pdf)[-1]
    lines = lines_of([c for c in last.chars if abs(c["size"] - BODY_PT) < 0.3 and c["top"] < BOTTOM])
    tops = [(line[0]["top"], "".join(c["text"] for c in line)) for line in lines]
    signature_top = next(top for top, text in tops if text == doc["agency"])
    text_above = max(top for top, _ in tops if top < signature_top - 1)
    assert abs((signature_top - text_above) - 2 * 28.9) < 3  # one blank 28.9 pt line between


def _mark_extent(page, portrait: bool, footer: bool) -> tuple[float, float, float] | None:
    """(distance from the 版心, start and end along it) in mm of the ink of a page's draft footer
    (red) or roll-up basis (the line beyond the 版心's head), as bound: on a landscape page the
    portrait foot is the left edge as read and the head the right edge."""
    if footer:
        # Red, outside the 版心 (the watermark, red too, stands inside it).
        outside = (lambda c: c["top"] > BOTTOM) if portrait else (lambda c: c["x1"] < 35 * MM)
        chars = [c for c in page.chars if c["non_stroking_color"] and c["non_stroking_color"][0] > 0.5 and outside(c)]
    elif portrait:
        chars = [c for c in page.chars if c["bottom"] < TOP]
    else:
        chars = [c for c in page.chars if c["x0"] > page.width - 37 * MM]
    if not chars:
        return None
    x0, x1 = min(c["x0"] for c in chars) / MM, max(c["x1"] for c in chars) / MM
    top, bottom = min(c["top"] for c in chars) / MM, max(c["bottom"] for c in chars) / MM
    if portrait:
        assert all(c["upright"] for c in chars)
        return (top - 262 if footer else 37 - bottom), x0, x1
    assert not any(c["upright"] for c in chars)  # turned a quarter, as the page number is
    return (35 - x1 if footer else x0 - 260), top, bottom


def test_landscape_pages_keep_the_draft_footer_and_roll_up_basis_at_the_portrait_foot_and_head():
    from annual.pdf.context import RollupMark

    doc = landscape_document()
    moment = datetime.datetime(2026, 12, 7, 9, 30)
    for mark, footer in (
        (DraftMark(state="待审核", printed_at=moment, changed_at=moment), True),
        (RollupMark(state="", printed_at=moment, included=12, total=14, unapproved=2), False),
    ):
        with pdfplumber.open(io.BytesIO(render_pdf(doc, draft=mark))) as pdf:
            extents = {
                page.width > page.height: _mark_extent(page, page.width < page.height, footer) for page in pdf.pages
            }
        portrait, landscape = extents[False], extents[True]
        assert portrait is not None and landscape is not None
        # As far out from the 版心 as on a portrait page, and centred on it the same way.
        assert landscape[0] == pytest.approx(portrait[0], abs=0.3)
        assert (landscape[1] + landscape[2]) / 2 - 28 == pytest.approx((portrait[1] + portrait[2]) / 2 - 28, abs=0.5)
        assert landscape[2] - landscape[1] == pytest.approx(portrait[2] - portrait[1], abs=0.5)
