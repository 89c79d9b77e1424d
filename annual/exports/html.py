"""The accessible HTML page of a report, for the portal's 政务公开年报专栏.

One self-contained page (inline stylesheet, inline SVG charts, no script, no outside link):
`lang="zh-CN"`, the title as <h1>, the six sections as <h2>, （一） sub-headings as <h3>, and
the official tables with a <caption>, <th scope> on every header and, because the tables'
headers are merged over two and three levels, a `headers` attribute on every figure that
names all the header cells above it and left of it (WCAG 1.3.1, technique H43). The content
comes from the PDF's print context and `annual.layout`, so it cannot differ from the PDF.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.template.loader import render_to_string

from ..charts import report_charts, svg
from ..layout import Table
from ..pdf.context import build_context
from .grid import Placed, place

TEMPLATE = "annual/publish/report.html"


@dataclass(frozen=True)
class HtmlCell:
    tag: str  # th or td
    text: str
    id: str = ""
    scope: str = ""
    headers: str = ""
    rowspan: int = 1
    colspan: int = 1
    css: str = ""


@dataclass(frozen=True)
class HtmlTable:
    key: str
    caption: str
    css: str
    head: list[list[HtmlCell]]
    body: list[list[list[HtmlCell]]]  # row groups (one <tbody> each) of rows


def _is_row_label(p: Placed) -> bool:
    return not p.in_head and not p.cell.header and not p.cell.is_value


def _groups(table: Table) -> list[range]:
    """The grid rows of each body group (header rows are rows 0 … len(head) - 1)."""
    result, start = [], len(table.head)
    for group in table.groups:
        result.append(range(start, start + len(group)))
        start += len(group)
    return result


def accessible_table(table: Table, caption: str) -> HtmlTable:
    """`table` with ids, scopes and `headers` computed from the cells' grid positions.

    A figure's column headers are the header cells of the table head, and those of its own row
    group above it (二 repeats a small header per block); its row headers are the label cells
    of its rows to its left. The balance note in 三's corner labels nothing and stays a <td>.
    """
    placed, _ = place(table)
    flat = [p for row in placed for p in row]
    group_of = {r: g for g in _groups(table) for r in g}
    ids = {id(p): f"{table.key}-r{p.row}c{p.col}" for p in flat}

    def column_headers(p: Placed) -> list[Placed]:
        return [
            h
            for h in flat
            if h.cell.header
            and h.cell.css != "corner"
            and h.row < p.row
            and (h.in_head or group_of.get(h.row) is group_of.get(p.row))
            and h.col <= p.last_col
            and h.last_col >= p.col
        ]

    def row_headers(p: Placed) -> list[Placed]:
        return [h for h in flat if _is_row_label(h) and h.col < p.col and h.row <= p.last_row and h.last_row >= p.row]

    def convert(p: Placed) -> HtmlCell:
        cell = p.cell
        td = HtmlCell("td", cell.text, rowspan=cell.rowspan, colspan=cell.colspan, css=cell.css)
        if cell.is_value:
            return replace(td, headers=" ".join(ids[id(h)] for h in column_headers(p) + row_headers(p)))
        if cell.css == "corner":
            return td
        if cell.header:
            scope = "colgroup" if cell.colspan > 1 else "col"
            return replace(td, tag="th", id=ids[id(p)], scope=scope)
        return replace(td, tag="th", id=ids[id(p)], scope="rowgroup" if cell.rowspan > 1 else "row")

    head = [[convert(p) for p in row] for row in placed[: len(table.head)]]
    body = [[[convert(p) for p in placed[r]] for r in g] for g in _groups(table)]
    return HtmlTable(table.key, caption, table.css, head, body)


def page_html(doc: dict, *, title: str | None = None, charts: bool = True, draft: str = "") -> str:
    """The accessible page of a valid document; `charts` adds the 图解 as inline SVG; `draft`,
    if given, is a notice shown above the title (a page made from values not yet approved)."""
    context = build_context(doc, title=title)
    sections = []
    for section in context["sections"]:
        table = accessible_table(section.table, section.heading) if section.table is not None else None
        sections.append({"heading": section.heading, "paragraphs": section.paragraphs, "table": table})
    return render_to_string(
        TEMPLATE,
        {
            **context,
            "sections": sections,
            "year": doc["year"],
            "draft_notice": draft,
            "charts": [svg(c, element_id=f"chart-{c.key}") for c in report_charts(doc)] if charts else [],
        },
    )


def page_bytes(doc: dict, *, title: str | None = None, draft: str = "") -> bytes:
    return page_html(doc, title=title, draft=draft).encode("utf-8")
