"""A published report saved from the government portal (.html), read into the same grids and
lines as a PDF, so one table reader and one text reader serve both.

Portal pages wrap the report in navigation, breadcrumbs and footers: the report is taken from
its title (the first block that reads 「××2023年度政府信息公开工作年度报告」) to its signature
date after 六. Tables keep their merges: a cell's horizontal extent is its grid columns
(`COLUMN` points each), so the column matching of `tables` works unchanged.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .narrative import _TITLE, Line, parse_date
from .pdf import NotReadable
from .tables import Grid, GridCell, Where

COLUMN = 100.0
MAX_HTML_BYTES = 8 * 1024 * 1024
BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "div", "li", "td", "th", "caption", "section", "article", "br"}
SKIP = {"script", "style", "noscript", "nav", "header", "footer", "form", "button", "select", "svg", "figure"}
TITLE_SIZE, BODY_SIZE = 22.0, 16.0
RIGHT = 10_000.0  # the x of a right-aligned or centred block (a signature)


def _text(el) -> str:
    return re.sub(r"\s+", " ", "".join(el.itertext())).strip()


def _grid(table) -> Grid:
    """The table's rows with rowspan/colspan laid out on a grid (None where a merge spans)."""
    grid: Grid = []
    taken: dict[tuple[int, int], bool] = {}
    for r, tr in enumerate(table.iter("tr")):
        row: list[GridCell | None] = []
        c = 0
        for cell in tr:
            if not isinstance(cell.tag, str) or cell.tag not in ("td", "th"):
                continue
            while taken.get((r, c)):
                row.append(None)
                c += 1
            try:
                rowspan = max(1, min(int(cell.get("rowspan", 1)), 100))
                colspan = max(1, min(int(cell.get("colspan", 1)), 100))
            except ValueError:
                rowspan = colspan = 1
            box = (c * COLUMN, float(r), (c + colspan) * COLUMN - 1, float(r + rowspan))
            row.append(GridCell(_text(cell), Where(0, box)))
            for dr in range(rowspan):
                for dc in range(colspan):
                    taken[(r + dr, c + dc)] = True
            row += [None] * (colspan - 1)
            c += colspan
        grid.append(row)
    return grid


def _aligned(el) -> bool:
    for node in (el, el.getparent()):
        if node is None:
            continue
        style = (node.get("style") or "").replace(" ", "").lower()
        if "text-align:right" in style or "text-align:center" in style or node.get("align") in ("right", "center"):
            return True
        if "signature" in (node.get("class") or ""):
            return True
    return False


def read_html(raw: bytes) -> tuple[list[Grid], list[Line]]:
    import lxml.html
    from lxml import etree

    if len(raw) > MAX_HTML_BYTES:
        raise NotReadable(f"网页文件过大（{len(raw) // (1024 * 1024)} MB）")
    try:
        root = lxml.html.document_fromstring(raw)
    except (etree.ParserError, ValueError) as exc:
        raise NotReadable(f"不是可读取的网页文件（{type(exc).__name__}）") from None
    grids: list[Grid] = []
    lines: list[Line] = []
    top = 0.0

    def walk(el) -> None:
        nonlocal top
        if not isinstance(el.tag, str) or el.tag in SKIP:
            return
        if el.tag == "table":
            grids.append(_grid(el))
            return
        has_block_child = any(isinstance(ch.tag, str) and ch.tag in BLOCKS | {"table"} for ch in el)
        if el.tag in BLOCKS and not has_block_child:
            text = _text(el)
            if text:
                size = TITLE_SIZE if el.tag == "h1" else BODY_SIZE
                x0 = RIGHT if _aligned(el) else 0.0
                # Every block is its own paragraph.
                lines.append(Line(1, x0, x0 + 1, top, size, text, ends=True))
                top += 1
            return
        for child in el:
            walk(child)

    walk(root)
    return grids, _report_only(lines)


def _report_only(lines: list[Line]) -> list[Line]:
    """From the title to the signature's date: the portal's menus and footers left out."""
    start = next((i for i, ln in enumerate(lines) if _TITLE.match(re.sub(r"\s+", "", ln.text))), None)
    if start is None:
        return lines
    # A title split over two blocks (the agency, then the year line).
    if start > 0 and len(lines[start - 1].text) <= 40 and lines[start - 1].size == lines[start].size == TITLE_SIZE:
        start -= 1
    report = lines[start:]
    end = next((i for i in range(len(report) - 1, -1, -1) if parse_date(report[i].text)), None)
    if end is not None:
        report = report[: end + 1]
    # The title is what the text reader recognises by size: make the title blocks large.
    first = report[0]
    titled = [replace(first, size=TITLE_SIZE)]
    rest = report[1:]
    if rest and not _TITLE.match(re.sub(r"\s+", "", first.text)):
        titled.append(replace(rest[0], size=TITLE_SIZE))
        rest = rest[1:]
    return titled + [ln if ln.size < TITLE_SIZE else replace(ln, size=BODY_SIZE) for ln in rest]
