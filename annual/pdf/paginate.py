"""Where an official table breaks across pages, and how its merged labels continue.

A table flows on from the text before it and continues on the next page (a forced page break
before 三 left up to 81 % of a page blank), its header rows repeated. The rules: a table neither
opens with nor leaves fewer than three body rows on a page, and a merged (rowspan) label cell cut
by a page break prints whole on both pages, each part with room for its label.

They are decided before layout (`kept_rows`): the rows that no break may open print with
`break-before: avoid`, so WeasyPrint places every break where the rules allow, and spans.py
closes a cut label cell on its first page and opens the next with a copy of it. One layout.

Where that cannot hold (`sound` reads the layout: a table whose labels need more rows than a page
leaves, so WeasyPrint broke where it could), render.py lays the document out again in passes:
find each body row that opens a page while a merged cell spans it, move that break where both
parts of every merged cell have room for their label (measured heights), split the table there
(`Table.split_at`, which repeats the label) and lay out again; a table that would open with
fewer than three rows at a page foot starts the next page, and one whose last page would hold
fewer gets rows from the page before (split the same way).
"""

from __future__ import annotations

import math

from ..layout import Table
from . import spans

# A body row of 三 is about 16 pt high (10.5 pt type, line height 1.3, 1 pt padding); the
# 三、本年度办理结果 cell prints one character a line (13.65 pt), a group label such as
# 「（三）不予公开」 three characters a line in its 15 mm column.
ROW_HEIGHT_PT = 16.0
LABEL_LINE_PT = 13.65


def label_height(cell_text: str, css: str) -> float:
    """The height (pt) a part of a merged label cell needs so that its label does not stretch
    its rows."""
    per_line = 1 if "outcomes" in css else 3
    return math.ceil(len(cell_text) / per_line) * LABEL_LINE_PT


def adjusted_break(table: Table, index: int, heights: dict[str, float] | None = None) -> int:
    """The body row to open the next page at, no later than `index`, such that each merged cell
    spanning the break keeps enough height on both sides for its label; 0 when there is none
    (the table then starts the next page as WeasyPrint placed it).

    `heights` are the rows' laid-out heights (pt, from `row_heights`): rows grow where a
    narrower label column wraps (a landscape 三); a row not in it counts ROW_HEIGHT_PT.
    """
    tall = [(heights or {}).get(f"{table.key}.{row.key}", ROW_HEIGHT_PT) for row in table.rows]

    def holds(first: int, end: int, need: float) -> bool:
        return sum(tall[first:end]) >= need

    placed = [(r, cell) for r, _, cell in table.placed_cells() if cell.rowspan > 1]
    while index > 0:
        moved = index
        for start, cell in placed:
            end = start + cell.rowspan
            if not start < index < end:
                continue
            need = label_height(cell.text, cell.css)
            if not holds(start, index, need):
                moved = min(moved, start)
            elif not holds(index, end, need):
                later = [i for i in range(index - 1, start, -1) if holds(i, end, need) and holds(start, i, need)]
                moved = min(moved, later[0] if later else start)
        if moved == index:
            return index
        index = moved
    return 0


# A row of 三 is its lines of 10.5 pt type at line height 1.3 (LABEL_LINE_PT each) and 3.75 pt of
# padding and rule (17.4 pt for one line, measured); a cell's text has its width less 2 pt of
# padding on each side, in ems of 10.5 pt.
ROW_PADDING_PT = 3.75
CELL_PADDING_MM = 4 * 25.4 / 72
EM_MM = 10.5 * 25.4 / 72


def least_row_heights(table: Table, columns_mm: list[float] | None = None) -> list[float]:
    """For each body row, a height (pt) it never prints lower than: from the lines its labels
    take at least in their columns (`columns_mm`, fit.columns_mm: no line holds more ems than
    its width), else ROW_HEIGHT_PT. A digit or Latin letter counts half an em, which a wider one
    only makes more lines."""
    heights = [ROW_HEIGHT_PT] * len(table.rows)
    if columns_mm is None:
        return heights
    for r, c, cell in table.placed_cells():
        if cell.rowspan != 1 or cell.is_value or not cell.text:
            continue
        per_line = (sum(columns_mm[c : c + cell.colspan]) - CELL_PADDING_MM) / EM_MM
        lines = max(1, math.ceil(cell.print_width / 2 / per_line - 1e-9))
        heights[r] = max(heights[r], ROW_PADDING_PT + lines * LABEL_LINE_PT)
    return heights


def kept_rows(table: Table, columns_mm: list[float] | None = None) -> set[int]:
    """Body rows that no page break may open, decided before layout: the second and third (a
    table never opens with fewer than LEAST_ROWS_AT_FOOT rows at a page foot), the last two (nor
    ends with fewer on its last page), and those that would leave a part of a merged label cell
    too short for its label (`label_height`, rows counted at `least_row_heights`: a row is never
    lower, so a break allowed here leaves room). Printed as `break-before: avoid`, so WeasyPrint
    moves such a break up to the last row allowed, in the one layout."""
    count = len(table.rows)
    kept = set(range(1, min(LEAST_ROWS_AT_FOOT, count))) | set(range(max(1, count - LEAST_ROWS_AT_FOOT + 1), count))
    heights = least_row_heights(table, columns_mm)
    for start, _, cell in table.placed_cells():
        if cell.rowspan < 2:
            continue
        need = label_height(cell.text, cell.css)
        end = start + cell.rowspan
        kept.update(i for i in range(start + 1, end) if sum(heights[start:i]) < need or sum(heights[i:end]) < need)
    return kept


def _marked_rows(page):
    """(box, table key, row key) of each body row laid out on `page`, in document order (rows
    carry data-row="<table>.<row>")."""
    stack = [page._page_box]
    while stack:
        box = stack.pop()
        if getattr(box, "element_tag", None) == "tr" and box.element is not None:
            mark = box.element.get("data-row")
            if mark:
                table, row = mark.split(".", 1)
                yield box, table, row
                continue
        stack.extend(reversed(getattr(box, "children", ())))


def row_heights(document) -> dict[str, float]:
    """The laid-out height (pt) of every body row of the tables, by its data-row mark
    ("<table>.<row>"); a row cut by a page counts its tallest part."""
    result: dict[str, float] = {}
    for page in document.pages:
        for box, table, row in _marked_rows(page):
            mark = f"{table}.{row}"
            result[mark] = max(result.get(mark, 0.0), box.height * 0.75)  # CSS px to pt
    return result


# A table opens with at least this many body rows at a page foot, or starts the next page.
LEAST_ROWS_AT_FOOT = 3


def _table_parts(page):
    """(table key, body rows) of each part of a marked table laid out on `page`. Every body row
    counts, marked or not: a block of 二 (its basis, header and items) is never stranded."""
    stack = [page._page_box]
    while stack:
        box = stack.pop()
        if type(box).__name__ == "TableBox":
            key, rows = None, 0
            for group in box.children:
                if getattr(group, "is_header", False) or getattr(group, "is_footer", False):
                    continue
                for row in group.children:
                    rows += 1
                    mark = row.element.get("data-row") if row.element is not None else None
                    key = key or (mark.split(".", 1)[0] if mark else None)
            if key:
                yield key, rows
            continue
        stack.extend(reversed(getattr(box, "children", ())))


def part_rows(document) -> dict[str, list[int]]:
    """For each marked table, the body rows of each of its parts, page by page."""
    per_page: dict[str, list[int]] = {}
    for page in document.pages:
        for table, rows in _table_parts(page):
            per_page.setdefault(table, []).append(rows)
    return per_page


def stranded_tables(document) -> list[str]:
    """Keys of the tables that go on to another page after opening with fewer than
    LEAST_ROWS_AT_FOOT body rows at the foot of their first."""
    return [
        table for table, counts in part_rows(document).items() if len(counts) > 1 and counts[0] < LEAST_ROWS_AT_FOOT
    ]


def widowed_breaks(document, tables: dict[str, Table]) -> dict[str, int]:
    """For each table whose last page holds fewer than LEAST_ROWS_AT_FOOT of its body rows, the
    body row to open that page at instead: early enough that it holds that many, and moved
    further up where a merged label needs room (`adjusted_break`). A break that would leave
    the first page no row is not one: the table is then left to the stranded-start rule."""
    firsts = page_first_rows(document)
    heights = row_heights(document)
    result = {}
    for key, counts in part_rows(document).items():
        if len(counts) < 2 or counts[-1] >= LEAST_ROWS_AT_FOOT or key not in tables or not firsts.get(key):
            continue
        keys = [row.key for row in tables[key].rows]
        index = keys.index(firsts[key][-1]) - (LEAST_ROWS_AT_FOOT - counts[-1])
        index = adjusted_break(tables[key], index, heights) if index > 0 else 0
        if index > 0:
            result[key] = index
    return result


def spanned_breaks(table: Table, first_rows: list[str]) -> list[int]:
    """Body row indexes, among the rows that opened a page (`first_rows`, row keys), where a
    merged cell is cut: they need a split."""
    keys = [row.key for row in table.rows]
    cut: set[int] = set()
    for r, _, cell in table.placed_cells():
        cut.update(range(r + 1, r + cell.rowspan))
    return [keys.index(key) for key in first_rows if key in keys and keys.index(key) in cut]


def page_first_rows(document) -> dict[str, list[str]]:
    """For each table key, the keys of the body rows that open a page after its first page,
    read from the laid-out boxes (rows carry data-row="<table>.<row>")."""
    seen: dict[str, int] = {}
    result: dict[str, list[str]] = {}
    for number, page in enumerate(document.pages):
        first_on_page: dict[str, str] = {}
        for _, table, row in _marked_rows(page):
            first_on_page.setdefault(table, row)
        for table, row in first_on_page.items():
            if table in seen:
                result.setdefault(table, []).append(row)
            seen.setdefault(table, number)
    return result


def sound(document, tables: dict[str, Table]) -> bool:
    """Whether a layout made with the breaks decided before it (`kept_rows`) keeps every rule:
    no table opens or ends with fewer than LEAST_ROWS_AT_FOOT rows on a page, each part of a
    merged label cell has room for its label (measured) and prints on both pages (spans.py is
    active), every part of a table has its header rows, and no heading ends a page. Where the
    decided breaks left WeasyPrint no allowed break on a page (a table whose labels need more
    rows than a page holds), it broke where it could, and the document is laid out again in
    passes (render.py)."""
    if stranded_tables(document) or widowed_breaks(document, tables):
        return False
    heights = row_heights(document)
    for key, first_rows in page_first_rows(document).items():
        for index in spanned_breaks(tables[key], first_rows):
            if not spans.active() or adjusted_break(tables[key], index, heights) != index:
                return False
    return not headless_parts(document) and not headings_at_foot(document)


def _flow(page):
    """The boxes of `page` in document order."""
    stack = [page._page_box]
    while stack:
        box = stack.pop()
        yield box
        stack.extend(reversed(getattr(box, "children", ())))


def headless_parts(document) -> bool:
    """Whether a part of a table with header rows was laid out without them."""
    for page in document.pages:
        for box in _flow(page):
            if type(box).__name__ != "TableBox" or box.element is None:
                continue
            has_head = any(str(child.tag).endswith("thead") for child in box.element)
            if has_head and not any(getattr(group, "is_header", False) for group in box.children):
                return True
    return False


def headings_at_foot(document) -> bool:
    """Whether a section heading is the last thing in the text flow of a page."""
    for page in document.pages[:-1]:
        last = None
        for box in _flow(page):
            tag = getattr(box, "element_tag", None)
            if tag in ("h2", "p", "table") and box.style["position"] == "static":
                last = tag
        if last == "h2":
            return True
    return False
