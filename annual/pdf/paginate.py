"""Where an official table breaks across pages, and how its merged labels continue.

A table now flows on from the text before it and continues on the next page (a forced page
break before 三 left up to 81 % of a page blank). WeasyPrint repeats the header rows but cuts a
merged (rowspan) cell in two and prints its label only on the first part, leaving the
continuation's 「（三）不予公开」 cell empty. So rendering is done in passes (render.py): lay out,
find each body row that opens a page while a merged cell spans it, move that break where both
parts of every merged cell have room for their label, split the table there
(`Table.split_at`, which repeats the label) and lay out again. Documents whose tables break
only between unmerged rows are laid out once.
"""

from __future__ import annotations

import math

from ..layout import Table

# A body row of 三 is about 16 pt high (10.5 pt type, line height 1.3, 1 pt padding); the
# 三、本年度办理结果 cell prints one character a line (13.65 pt), a group label such as
# 「（三）不予公开」 three characters a line in its 15 mm column.
ROW_HEIGHT_PT = 16.0
LABEL_LINE_PT = 13.65


def rows_needed(cell_text: str, css: str) -> int:
    """Body rows a part of a merged label cell needs so that its label does not stretch them."""
    per_line = 1 if "outcomes" in css else 3
    lines = math.ceil(len(cell_text) / per_line)
    return max(1, math.ceil(lines * LABEL_LINE_PT / ROW_HEIGHT_PT))


def adjusted_break(table: Table, index: int) -> int:
    """The body row to open the next page at, no later than `index`, such that each merged cell
    spanning the break keeps enough rows on both sides for its label; 0 when there is none
    (the table then starts the next page as WeasyPrint placed it)."""
    placed = [(r, cell) for r, _, cell in table.placed_cells() if cell.rowspan > 1]
    while index > 0:
        moved = index
        for start, cell in placed:
            end = start + cell.rowspan
            if not start < index < end:
                continue
            need = rows_needed(cell.text, cell.css)
            if index - start < need:
                moved = min(moved, start)
            elif end - index < need:
                moved = min(moved, end - need if end - need - start >= need else start)
        if moved == index:
            return index
        index = moved
    return 0


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
        stack = [page._page_box]
        while stack:
            box = stack.pop()
            if getattr(box, "element_tag", None) == "tr" and box.element is not None:
                mark = box.element.get("data-row")
                if mark:
                    table, row = mark.split(".", 1)
                    first_on_page.setdefault(table, row)
                    continue
            stack.extend(reversed(getattr(box, "children", ())))
        for table, row in first_on_page.items():
            if table in seen:
                result.setdefault(table, []).append(row)
            seen.setdefault(table, number)
    return result
