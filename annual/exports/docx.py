"""The report as a Word document (DOCX) in the official layout, editable in WPS and Word.

GB/T 9704 (党政机关公文格式): A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm;
title in 方正小标宋简体 2号, first-level headings in 黑体 3号, second-level （一） headings in
楷体_GB2312 3号, body in 仿宋_GB2312 3号 with a two-character first-line indent, on the 22-line
document grid, page number 「— N —」 in the footer (odd pages right, even pages left). Each face
is named for East Asian and Latin text alike, as the PDF sets digits. A machine without these
fonts substitutes by role: Word and WPS the face the font table names for each (w:altName: 宋体,
SimHei, 楷体, 仿宋, which Windows and WPS ship), LibreOffice the free face embedded under each
name (docx_fonts.py; it reads no altName). The content comes from the same print context as the
PDF (`annual.pdf.context.build_context`), its tables from `annual.layout`, cut where the PDF's
pages break (`pdf_page_breaks`), so a merge, a label, a figure or a page break cannot differ
from the PDF.
"""

from __future__ import annotations

import io
import math
from dataclasses import replace

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import _Cell
from lxml import etree

from ..layout import Cell, Table
from ..pdf import paginate
from ..pdf.context import build_context
from ..pdf.render import layout_report
from .docx_fonts import embed_stand_ins
from .grid import Placed, place

TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
BODY_FONT = "仿宋_GB2312"
PAGE_NUMBER_FONT = "宋体"

# Each official face with the font Windows and WPS ship that stands in for it (w:altName in the
# font table: what Word and WPS use when the official face is not installed) and its family.
FALLBACKS = {
    TITLE_FONT: ("宋体", "roman"),
    HEADING_FONT: ("SimHei", "modern"),
    SUBHEADING_FONT: ("楷体", "script"),
    BODY_FONT: ("仿宋", "modern"),
}
GB2312_CHARSET = "86"
# The role of each face, for the stand-in LibreOffice is given (docx_fonts.py).
ROLES = {
    TITLE_FONT: "title",
    HEADING_FONT: "heading",
    SUBHEADING_FONT: "subheading",
    BODY_FONT: "body",
    PAGE_NUMBER_FONT: "page_number",
}
LANGUAGE = "zh-CN"  # East Asian text is Simplified Chinese: its glyph forms and line breaking

SIZE_2 = Pt(22)  # 2号
SIZE_3 = Pt(16)  # 3号
SIZE_4 = Pt(14)  # 4号
LINE = Pt(28.95)  # 22 lines on the 225 mm 版心
INDENT = Pt(32)  # two 3号 characters

TEXT_WIDTH_MM = 210 - 28 - 26
CHARS_PER_LINE = 28
CHAR_PITCH_PT = TEXT_WIDTH_MM * 72 / 25.4 / CHARS_PER_LINE  # 15.79 pt: 28 characters fill the 版心
# Column widths in mm per layout column class; they add up to the 156 mm 版心.
COLUMN_MM: dict[str, dict[str, float]] = {
    "proactive": {"c-item": 48, "c-val": 18},
    "applications": {"c-l1": 7, "c-l2": 17, "c-l3": 51, "c-num": 11.5},
    "review": {"c-review": 10.4},
}
# Table lines 1.3 times the type, as the PDF sets them (report.css): an exact height, so a row is
# as tall whichever face stands in (FandolFang's single spacing is 20 % taller than UKai's).
TABLE_LINE_HEIGHT = 1.3
# Cell padding (pt: top and bottom, left and right), the PDF's (report.css): rows as tall and
# labels wrapping where the PDF's do. 四 keeps 1.7 pt a side, not the PDF's 1 pt: its 9 pt
# headers then break two characters a line (结果/维持), as the PDF stacks them.
CELL_PADDING_PT = {"proactive": (2, 2), "applications": (1.5, 2), "review": (2, 1.7)}
DIGIT_EM = 0.64
MIN_FIGURE_PT = 5
TABLE_FONT_SIZE = {"proactive": Pt(12), "applications": Pt(10.5), "review": Pt(9)}

STYLE_TITLE = "报告标题"
STYLE_HEADING = "一级标题"
STYLE_BODY = "报告正文"
STYLE_TABLE = "表格文字"
STYLE_SIGNATURE = "落款"


def _set_fonts(font, name: str, size) -> None:
    """`name` for East Asian and Latin text alike: digits and URLs take the half-width forms of
    the Chinese face, as in the PDF, so a line holds what the PDF's holds (a Times New Roman
    missing on the machine became DejaVu Serif, whose digits are 27 % wider: 「2020」 pushed
    a character to the next line)."""
    font.name = name
    font.size = size
    rpr = font.element.get_or_add_rPr() if hasattr(font.element, "get_or_add_rPr") else font.element
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), name)
    fonts.set(qn("w:hint"), "eastAsia")


def _run_font(run, name: str, size=None) -> None:
    _set_fonts(run.font, name, size or run.font.size)


def _paragraph_style(doc, name: str, font: str, size, *, align=None, indent=None, line=LINE, bold=False):
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles["Normal"]
    _set_fonts(style.font, font, size)
    style.font.bold = bold
    fmt = style.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    if line is None:
        fmt.line_spacing = 1.0
    else:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = line
    if align is not None:
        fmt.alignment = align
    if indent is not None:
        fmt.first_line_indent = indent
    return style


def _setup(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(25)  # the page number sits 7 mm below the 版心
    _document_grid(section)
    normal = doc.styles["Normal"]
    _set_fonts(normal.font, BODY_FONT, SIZE_3)
    _east_asian_language(doc)
    normal.paragraph_format.space_after = Pt(0)
    _off_grid(_paragraph_style(doc, STYLE_TITLE, TITLE_FONT, SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER, line=Pt(35)))
    heading = _paragraph_style(doc, STYLE_HEADING, HEADING_FONT, SIZE_3, indent=INDENT)
    heading.paragraph_format.keep_with_next = True
    body = _paragraph_style(doc, STYLE_BODY, BODY_FONT, SIZE_3, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=INDENT)
    _character_pitch(body)
    _no_auto_space(body)
    _off_grid(_paragraph_style(doc, STYLE_TABLE, BODY_FONT, Pt(10.5), align=WD_ALIGN_PARAGRAPH.CENTER, line=None))
    _paragraph_style(doc, STYLE_SIGNATURE, BODY_FONT, SIZE_3, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number_footer(doc, section)
    _declare_fallbacks(doc)


def _east_asian_language(doc) -> None:
    """The default East Asian language (python-docx's template says en-US)."""
    lang = doc.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
    lang.set(qn("w:eastAsia"), LANGUAGE)


def _document_grid(section) -> None:
    """文档网格: 22 lines of LINE a page, so body lines sit where the PDF's do.

    The line grid only (type "lines"), with 28 characters a line from the body's character
    spacing (`_character_pitch`), not the character grid (type "linesAndChars", charSpace
    −848): LibreOffice gives a 16 pt character two cells of a 15.79 pt grid, 14 characters a
    line and 11 pages for the seed's 7. Word and WPS break the same 28 characters either way.
    """
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(round(LINE.pt * 20)))  # twentieths of a point


def _character_pitch(style) -> None:
    """28 characters of 3号 a line: each gives up 0.25 pt (15.75 pt × 28 = 441 pt of the 442.2 pt
    版心, 29 never fit), as the PDF's body gives up 0.21 pt (report.css)."""
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(math.floor((CHAR_PITCH_PT - SIZE_3.pt) * 20)))  # twentieths of a point
    style.element.get_or_add_rPr().insert_element_before(spacing, *RPR_AFTER_SPACING)


# What follows w:spacing in a run's properties (ECMA-376 CT_RPr order).
RPR_AFTER_SPACING = (
    "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr", "w:shd",
    "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath",
)  # fmt: skip
# What follows w:snapToGrid in a paragraph's properties (ECMA-376 CT_PPrBase order).
PPR_AFTER_SNAP_TO_GRID = (
    "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
    "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
    "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip


def _no_auto_space(style) -> None:
    """No extra space between Chinese and Latin letters or digits (自动调整中文与西文、数字的间距,
    on by default in Word and WPS): the PDF sets 「2020年」 tight, and the quarter-em each side
    pushes a character of such lines to the next. LibreOffice ignores the setting (writerfilter
    skips autoSpaceDE/DN) and always spaces them: the one place its lines still break apart from
    the PDF's."""
    ppr = style.element.get_or_add_pPr()
    for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):
        el = OxmlElement(tag)
        el.set(qn("w:val"), "0")
        ppr.insert_element_before(
            el, "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", *PPR_AFTER_SNAP_TO_GRID
        )


def _off_grid(style) -> None:
    """Keep a style off the document grid: the 2号 title would take two grid characters a
    character, and table text a grid line a line."""
    ppr = style.element.get_or_add_pPr()
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    ppr.insert_element_before(snap, *PPR_AFTER_SNAP_TO_GRID)


def _declare_fallbacks(doc) -> None:
    """Name the official faces in the font table, each with its stand-in (w:altName) and the
    GB 2312 character set, so a machine without 仿宋_GB2312 sets the body in 仿宋, not 宋体."""
    part = next(p for p in doc.part.package.iter_parts() if p.partname == "/word/fontTable.xml")
    fonts = etree.fromstring(part.blob)
    for name, (alt, family) in FALLBACKS.items():
        font = etree.SubElement(fonts, qn("w:font"))
        font.set(qn("w:name"), name)
        for tag, value in (
            ("w:altName", alt),
            ("w:charset", GB2312_CHARSET),
            ("w:family", family),
            ("w:pitch", "variable"),
        ):
            etree.SubElement(font, qn(tag)).set(qn("w:val"), value)
    part._blob = etree.tostring(fonts, xml_declaration=True, encoding="UTF-8", standalone=True)


def _field(paragraph, instruction: str) -> None:
    """A Word field (e.g. PAGE) as begin / instruction / separate / cached result / end runs."""

    def char(kind):
        run = paragraph.add_run()
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        run._r.append(el)
        return run

    char("begin")
    run = paragraph.add_run()
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    run._r.append(text)
    char("separate")
    paragraph.add_run("1")
    char("end")


def _page_number(paragraph, align) -> None:
    paragraph.alignment = align
    paragraph.add_run("— ")
    _field(paragraph, "PAGE")
    paragraph.add_run(" —")
    for run in paragraph.runs:
        _run_font(run, PAGE_NUMBER_FONT, SIZE_4)


def _page_number_footer(doc, section) -> None:
    """「— N —」 in 4号 宋体 from the PAGE field, as GB/T 9704 §7.5 and the PDF place it: odd
    pages at the right, even pages at the left, one character in from the edge."""
    doc.settings.odd_and_even_pages_header_footer = True
    odd = section.footer.paragraphs[0]
    _page_number(odd, WD_ALIGN_PARAGRAPH.RIGHT)
    odd.paragraph_format.right_indent = SIZE_4
    even = section.even_page_footer.paragraphs[0]
    _page_number(even, WD_ALIGN_PARAGRAPH.LEFT)
    even.paragraph_format.left_indent = SIZE_4


def _paragraph(doc, p) -> None:
    """A narrative paragraph; a （一） sub-heading in 楷体, body text run on after it in 仿宋."""
    para = doc.add_paragraph(style=STYLE_BODY)
    if p.heading:
        _run_font(para.add_run(p.heading), SUBHEADING_FONT, SIZE_3)
    if p.text:
        para.add_run(p.text)
    else:  # a heading on a line of its own never ends a page, as in the PDF
        para.paragraph_format.keep_with_next = True


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _cant_split(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))


def _cell_margins(table, vertical: float, horizontal: float) -> None:
    """Cell padding in points: top and bottom `vertical`, left and right `horizontal`."""
    tbl_pr = table._tbl.tblPr
    margins = OxmlElement("w:tblCellMar")
    for side, pt in (("top", vertical), ("left", horizontal), ("bottom", vertical), ("right", horizontal)):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(round(pt * 20)))  # twentieths of a point
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    tbl_pr.append(margins)


def _fitting_size(text: str, room_mm: float, size):
    """`size`, or smaller so that `text` (a figure) fits on one line in `room_mm`: a wrapped
    1808595 would read as two numbers. Digits are taken as 0.64 em wide (DejaVu Serif, the
    widest Latin face a word processor may fall back on)."""
    needed = len(text) * DIGIT_EM * size.pt
    room = room_mm * 72 / 25.4
    return size if needed <= room else Pt(max(MIN_FIGURE_PT, int(room / (len(text) * DIGIT_EM) * 2) / 2))


def _sections_opening_a_page(document, tables: dict[str, Table]) -> set[str]:
    """Keys of the tables whose section (heading and table) the PDF starts at the top of a page,
    moved there from a page foot where it would have opened with too few rows."""
    by_css = {table.css: key for key, table in tables.items()}
    seen: set[str] = set()
    opening: set[str] = set()
    for number, page in enumerate(document.pages):
        stack, first = [page._page_box], True
        while stack:
            box = stack.pop()
            if getattr(box, "element_tag", None) == "section" and box.element is not None:
                keys = {by_css[css] for css in (box.element.get("class") or "").split() if css in by_css}
                if first and number and keys and not keys & seen:
                    opening |= keys
                seen |= keys
                first = False
                continue
            stack.extend(reversed(getattr(box, "children", ())))
    return opening


def pdf_page_breaks(doc: dict, title: str | None) -> dict[str, list[int]]:
    """The body rows of each table that open a page in the PDF (its laid-out pages); row 0 where
    the PDF starts the table's section at the top of a page.

    LibreOffice keeps no row group of a table together (it ignores w:keepNext in cells) and no
    program repeats a merged label on the next page, so the DOCX breaks its tables where the
    PDF does, the merged labels repeated there (`Table.split_at`), rather than where a word
    processor happens to: its pages hold the PDF's rows.
    """
    tables = {s.table.key: s.table for s in build_context(doc, title=title)["sections"] if s.table}
    document = layout_report(doc, title=title)
    breaks: dict[str, list[int]] = {key: [0] for key in _sections_opening_a_page(document, tables)}
    for key, first_rows in paginate.page_first_rows(document).items():
        keys = [row.key for row in tables[key].rows]
        for row in first_rows:
            if row in keys:
                # Only keyed rows are marked in the PDF: unkeyed rows right before the first one
                # on a page (a block's 第二十条 caption and header row in 二) are on it too.
                index = keys.index(row)
                while index > 0 and not keys[index - 1]:
                    index -= 1
                breaks.setdefault(key, []).append(index)
    return breaks


def table_parts(table: Table) -> list[Table]:
    """The table cut before each group that opens a page (`continued`), each part with the
    header rows."""
    parts: list[list] = []
    for group in table.groups:
        if not parts or (group and group[0].continued):
            parts.append([])
        parts[-1].append(group)
    return [replace(table, groups=groups) for groups in parts]


def _page_break(doc) -> None:
    """A paragraph of 1 pt that starts a page: Word joins two tables with nothing between."""
    para = doc.add_paragraph(style=STYLE_TABLE)
    para.paragraph_format.page_break_before = True
    para.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    para.paragraph_format.line_spacing = Pt(1)
    _run_font(para.add_run(), BODY_FONT, Pt(1))


def _tables(doc, table: Table) -> None:
    """The table, a new Word table (header rows repeated) on each page the PDF continues it on."""
    for number, part in enumerate(table_parts(table)):
        if number:
            _page_break(doc)
        _table(doc, part)


def _breaks_after_number(parts: tuple[str, str], size, room_mm: float) -> bool:
    """Whether a numbered label prints as 「（三）/不予公开」, each part whole on its line, as the
    PDF prints it, rather than 「（三）不/予公开」: when it is too wide for its column but the
    part after the number fits on one line (a long label such as （二）部分公开（…） runs on)."""
    room = room_mm * 72 / 25.4
    number, rest = (Cell(text).print_width * size.pt / 2 for text in parts)
    return number + rest > room >= rest


def _merged_cells(grid, placed: list[list[Placed]], widths: list) -> dict[tuple[int, int], _Cell]:
    """Each placed cell's Word cell, its spans merged (w:gridSpan, w:vMerge) on the empty grid.

    Done on the row's w:tc elements directly: python-docx's `Table.cell` and `_Cell.merge`
    recompute the whole grid on every call, which made a table of 三 take seconds.
    """
    tcs = [list(tr.tc_lst) for tr in grid._tbl.tr_lst]
    cells = {}
    for row in placed:
        for p in row:
            for r in range(p.row, p.last_row + 1):
                tc = tcs[r][p.col]
                tc.width = sum(widths[p.col : p.last_col + 1])
                if p.cell.colspan > 1:
                    tc.grid_span = p.cell.colspan
                    for swallowed in tcs[r][p.col + 1 : p.last_col + 1]:
                        tc.getparent().remove(swallowed)
                if p.cell.rowspan > 1:
                    tc.vMerge = "restart" if r == p.row else "continue"
            cells[p.row, p.col] = _Cell(tcs[p.row][p.col], grid)
    return cells


def _table(doc, table: Table) -> None:
    """The layout table at full size: merged from the cells' spans first, then filled in.

    Merging first and writing after keeps each merged cell's text in one paragraph (python-docx
    concatenates the paragraphs of merged cells). Header rows repeat on a continuation page.
    """
    placed, n_rows = place(table)
    grid = doc.add_table(rows=n_rows, cols=table.width)
    grid.style = doc.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    vertical, horizontal = CELL_PADDING_PT[table.css]
    _cell_margins(grid, vertical, horizontal)
    column_mm = [COLUMN_MM[table.css][c] for c in table.columns]
    widths = [Mm(mm) for mm in column_mm]
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width  # the tblGrid, which LibreOffice and WPS lay out by
    for row in grid.rows:
        _cant_split(row)
    cells = _merged_cells(grid, placed, widths)
    for r in range(len(table.head)):
        _repeat_header(grid.rows[r])
    size = TABLE_FONT_SIZE[table.css]
    # A row group (a block of 二, the outcome rows of 三) stays on one page, as in the PDF:
    # every row but a group's last keeps with the next (Word and WPS honour it in tables).
    keep, r = set(range(len(table.head))), len(table.head)
    for group in table.groups:
        keep.update(range(r, r + len(group) - 1))
        r += len(group)
    for row in placed:
        for p in row:
            target = cells[p.row, p.col]
            target.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            para = target.paragraphs[0]
            para.style = doc.styles[STYLE_TABLE]
            left = "label" in p.cell.css or p.cell.css == "basis"
            para.alignment = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER
            para.paragraph_format.keep_with_next = p.last_row in keep
            para.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            para.paragraph_format.line_spacing = Pt(size.pt * TABLE_LINE_HEIGHT)
            room = sum(column_mm[p.col : p.last_col + 1]) - 2 * horizontal * 25.4 / 72
            run = para.add_run(p.cell.text)
            cell_size = size
            if p.cell.is_value:
                cell_size = _fitting_size(p.cell.text, room, size)
            elif p.cell.numbered and _breaks_after_number(p.cell.numbered, size, room):
                number, rest = p.cell.numbered
                run.text = number
                run.add_break()
                run.add_text(rest)
            _run_font(run, BODY_FONT, cell_size)  # the body face throughout, as the PDF's tables
            if p.cell.css == "basis":
                run.bold = True


def document_bytes(doc: dict, *, title: str | None = None) -> bytes:
    """The DOCX of a valid report document (or a 汇总 document in the same format).

    `title` is the report's own title and defaults to the official one. Narrative sections that
    a document leaves empty print their heading only, as in the PDF.
    """
    context = build_context(doc, title=title, splits=pdf_page_breaks(doc, title))
    word = Document()
    _setup(word)
    core = word.core_properties
    core.title, core.author = context["title"], context["agency"]
    for line in context["title_lines"]:
        word.add_paragraph(line, style=STYLE_TITLE)
    word.add_paragraph("", style=STYLE_BODY)  # GB/T 9704: one blank line under the title
    for p in context["intro"]:
        _paragraph(word, p)
    for section in context["sections"]:
        heading = word.add_paragraph(section.heading, style=STYLE_HEADING)
        heading.paragraph_format.page_break_before = section.new_page
        for p in section.paragraphs:
            _paragraph(word, p)
        if section.table is not None:
            _tables(word, section.table)
    # The signature never stands alone on a page: it keeps with the text above it.
    word.paragraphs[-1].paragraph_format.keep_with_next = True
    word.add_paragraph("", style=STYLE_BODY).paragraph_format.keep_with_next = True
    signed_by = word.add_paragraph(context["signed_by"], style=STYLE_SIGNATURE)
    signed_by.paragraph_format.keep_with_next = bool(context["signed_on"])
    if context["signed_on"]:
        word.add_paragraph(context["signed_on"], style=STYLE_SIGNATURE)
    embed_stand_ins(word, ROLES)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()
