"""Where an official table breaks across pages, and how its merged labels continue.

A table now flows on from the text before it and continues on the next page (a forced page
break before 三 left up to 81 % of a page blank). WeasyPrint repeats the header rows but cuts a
merged (rowspan) cell in two and prints its label only on the first part, leaving the
continuation's 「（三）不予公开」 cell empty. So rendering is done in passes (render.py): lay out,
find each body row that opens a page while a merged cell spans it, move that break where both
parts of every merged cell have room for their label, split the table there
(`Table.split_at`, which repeats the label) and lay out again. A table neither opens with nor
leaves fewer than three body rows on a page: one that would open so at a page foot starts the
next page, one whose last page would hold fewer gets rows from the page before (split the same
way). Documents whose tables break only between unmerged rows, three or more on each side,
are laid out once.
"""

from __future__ import annotations

import math

from ..layout import Table

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
