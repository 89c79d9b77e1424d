"""The template context of the printed report: a pure function of a report document.

Everything printed comes from the document and `annual.template_spec` (rows, labels, merges);
nothing here touches the database or spells a label. The HTML template only lays out what this
module decides: which cells exist, their spans and their printed text.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from .. import template_spec as spec

# A narrative paragraph that opens with a numbered sub-heading such as （一） or (一).
SUBHEADING_RE = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
# Where a sub-heading sentence ends, if the author ran body text on after it.
SENTENCE_END_RE = re.compile(r"[。；！？]")
# The portal's text often carries ordinary and full-width spaces at line starts; the print
# indents paragraphs itself.
EDGE_SPACE = " \t\u3000\u00a0\r"
PROACTIVE_VALUE_COLUMNS = 3  # table 二 is one table: 信息内容 plus three value columns
MONEY_UNIT = "万元"
TITLE_CHARS_PER_LINE = 20  # 2号 type across the 156 mm 版心


@dataclass(frozen=True)
class DraftMark:
    """What a draft prints: the 「草稿」 watermark and, in the footer, its state and times."""

    state: str  # the report's state label, e.g. 待审核
    printed_at: datetime.datetime
    changed_at: datetime.datetime | None = None

    @property
    def footer(self) -> str:
        parts = [f"草稿　状态：{self.state}"]
        if self.changed_at is not None:
            parts.append(f"最后修改：{_stamp(self.changed_at)}")
        parts.append(f"打印时间：{_stamp(self.printed_at)}")
        return "　".join(parts)


def _stamp(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of narrative text; `heading` is a （一）-style sub-heading printed in 楷体."""

    text: str
    heading: str = ""


@dataclass(frozen=True)
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False
    css: str = ""


@dataclass
class TableRow:
    cells: list[Cell] = field(default_factory=list)
    css: str = ""


@dataclass
class Table:
    """A printed table: header rows (repeated on a continuation page) and body row groups.

    Each body group is kept on one page when it fits (a block of 二, the rows of 三 that share
    a merged label cell).
    """

    css: str
    columns: list[str]  # one CSS class per column, for widths
    head: list[TableRow]
    groups: list[list[TableRow]]


def format_count(value: int | None) -> str:
    """Blank stays blank and 0 prints 0: the two mean different things on paper."""
    return "" if value is None else str(value)


def format_money(value: str | None, *, with_unit: bool) -> str:
    """The office's own decimals ("271.50" stays "271.50"); 万元 appended when the header lacks it."""
    if value is None:
        return ""
    return f"{value}{MONEY_UNIT}" if with_unit else value


def format_date(iso: str | None) -> str:
    """「2021年1月29日」: GB/T 9704 writes the date in full, without leading zeros."""
    if not iso:
        return ""
    day = datetime.date.fromisoformat(iso)
    return f"{day.year}年{day.month}月{day.day}日"


def paragraphs(text: str) -> list[Paragraph]:
    """Split narrative text into paragraphs.

    The format separates paragraphs with a blank line; people typing into a form often end a
    paragraph with a single line break, so every line break starts a new paragraph (the two
    agree on every conforming document). A paragraph opening with （一） is a sub-heading: the
    heading is its first sentence, any text run on after it stays body text.
    """
    result = []
    for line in text.split("\n"):
        line = line.strip(EDGE_SPACE)
        if not line:
            continue
        if SUBHEADING_RE.match(line):
            end = SENTENCE_END_RE.search(line)
            if end is None or end.end() == len(line):
                result.append(Paragraph(text="", heading=line))
            else:
                result.append(Paragraph(text=line[end.end():].lstrip(EDGE_SPACE), heading=line[:end.end()]))
        else:
            result.append(Paragraph(text=line))
    return result


def proactive_table(doc: dict) -> Table:
    """二 as the official single table: per block, its legal basis, its header row, its items.

    A block with fewer than three value columns widens its last column (the official form
    merges those cells). Money keeps the office's decimals; where the header does not carry
    the unit (2019 采购总金额) the cell does, as the published reports print it: 271.53万元.
    """
    version = doc["template"]
    values = doc.get("proactive", {})
    groups = []
    for block in spec.PROACTIVE_BLOCKS[version]:
        spans = [1] * len(block.fields)
        spans[-1] += PROACTIVE_VALUE_COLUMNS - len(block.fields)
        rows = [
            TableRow([Cell(block.basis, colspan=PROACTIVE_VALUE_COLUMNS + 1, header=True, css="basis")]),
            TableRow([Cell("信息内容", header=True)]
                     + [Cell(f.label, colspan=s, header=True) for f, s in zip(block.fields, spans)]),
        ]
        for item in block.items:
            item_values = values.get(item.key, {})
            cells = [Cell(item.label, css="label")]
            for f, s in zip(block.fields, spans):
                raw = item_values.get(f.key)
                if f.kind == spec.MONEY:
                    text = format_money(raw, with_unit=MONEY_UNIT not in f.label)
                else:
                    text = format_count(raw)
                cells.append(Cell(text, colspan=s, css="num"))
            rows.append(TableRow(cells))
        groups.append(rows)
    return Table(css="proactive", columns=["c-item", "c-val", "c-val", "c-val"], head=[], groups=groups)


def header_rows(rows: tuple[tuple[spec.LabelCell, ...], ...], *, corner: bool = False) -> list[TableRow]:
    """An official table's header rows, merges as the spec gives them."""
    result = []
    for r, row in enumerate(rows):
        cells = []
        for c, cell in enumerate(row):
            css = "corner" if corner and r == 0 and c == 0 else "vertical" if cell.colspan == 1 else ""
            cells.append(Cell(cell.text, rowspan=cell.rowspan, colspan=cell.colspan, header=True, css=css))
        result.append(TableRow(cells))
    return result


def applications_table(doc: dict) -> Table:
    """三 with the official merges from `application_label_cells`.

    The outcome rows share the tall 三、本年度办理结果 cell, so they form one row group that the
    stylesheet keeps on one page (it fits: 20 or 22 rows plus the repeated header take about
    three quarters of a page); the rows before and after may break anywhere between rows, and
    the three-row header repeats on the continuation page.
    """
    version = doc["template"]
    values = doc.get("applications", {})
    rows = spec.application_rows(version)
    labels = spec.application_label_cells(version)
    body: list[TableRow] = []
    for row, label_cells in zip(rows, labels):
        cells = [Cell(c.text, rowspan=c.rowspan, colspan=c.colspan, css=_label_css(c, row)) for c in label_cells]
        row_values = values.get(row.key, {})
        cells += [Cell(format_count(row_values.get(c.key)), css="num") for c in spec.APPLICATION_COLUMNS]
        body.append(TableRow(cells, css=f"level{row.level}"))
    first_outcome = next(i for i, r in enumerate(rows) if r.level > 1)
    last_outcome = max(i for i, r in enumerate(rows) if r.level > 1)
    groups = [[r] for r in body[:first_outcome]]
    groups.append(body[first_outcome:last_outcome + 1])
    groups += [[r] for r in body[last_outcome + 1:]]
    columns = ["c-l1", "c-l2", "c-l3"] + ["c-num"] * len(spec.APPLICATION_COLUMNS)
    return Table(css="applications", columns=columns,
                 head=header_rows(spec.application_header_rows(), corner=True), groups=groups)


def _label_css(cell: spec.LabelCell, row: spec.Row) -> str:
    if cell.text == spec.OUTCOMES_HEADING:
        return "label vertical outcomes"
    if cell.rowspan > 1:
        return "label group"
    return "label"


def review_table(doc: dict) -> Table:
    """四 with its two-level header: 行政复议 (five columns) | 行政诉讼 (two groups of five)."""
    values = doc.get("review_litigation", {})
    body = [Cell(format_count(values.get(g.key, {}).get(f.key)), css="num")
            for g in spec.REVIEW_GROUPS for f in spec.REVIEW_FIELDS]
    return Table(
        css="review",
        columns=["c-review"] * len(body),
        head=header_rows(spec.review_header_rows()),
        groups=[[TableRow(body)]],
    )


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: list[Paragraph] = field(default_factory=list)
    table: Table | None = None


def default_title(doc: dict) -> str:
    return f"{doc['agency']}{doc['year']}年度政府信息公开工作年度报告"


def title_lines(title: str, agency: str) -> list[str]:
    """The title's lines. GB/T 9704 wants a long title broken where the sense allows: after the
    agency's name when the title opens with it, so the year and subject stay on one line."""
    if len(title) > TITLE_CHARS_PER_LINE and title.startswith(agency) and len(agency) < len(title):
        return [agency, title[len(agency):]]
    return [title]


def build_context(doc: dict, *, title: str | None = None, draft: DraftMark | None = None) -> dict:
    """Everything the print template shows, from a valid document.

    `title` is the report's own title (Report.display_title) and defaults to the official one;
    `draft` is None for the final (approved) print and a DraftMark otherwise.
    """
    tables = {
        "proactive": proactive_table,
        "applications": applications_table,
        "review_litigation": review_table,
    }
    sections = []
    for s in spec.SECTIONS:
        if s.kind == "text":
            sections.append(Section(s.heading, paragraphs=paragraphs(doc.get(s.key, ""))))
        else:
            sections.append(Section(s.heading, table=tables[s.key](doc)))
    meta = doc.get("meta", {})
    title = (title or "").strip() or default_title(doc)
    return {
        "title": title,
        "title_lines": title_lines(title, doc["agency"]),
        "agency": doc["agency"],
        "version": doc["template"],
        "intro": paragraphs(doc.get("intro", "")),
        "sections": sections,
        "signed_by": meta.get("signed_by") or doc["agency"],
        "signed_on": format_date(meta.get("signed_on")),
        "draft": draft,
    }
