"""Merged label cells that a page break cuts: closed on the first page, printed again on the next.

WeasyPrint lays a table out page by page, and when a page breaks between two rows that a merged
(rowspan) cell spans, the cell stays on the first page at the height of its own text, its lower
border missing (inside a span the collapsed-border grid holds no line), and the next page has no
cell there at all: the continuation of 「（三）不予公开」 or 「三、本年度办理结果」 printed as an
empty hole in the label columns (docs/upstream/weasyprint-rowspan-page-break.md). paginate.py
found such breaks from a first layout and split the table in the HTML for a second one; that is
now only the fallback (render.py).

Here the table layout itself does it, in the one layout:
- resuming inside a row group, a copy of every cell cut by the break opens the first row of the
  page, spanning the rows it still covers, so its label prints again (its text is the same boxes,
  laid out again, as the repeated header rows are);
- ending a page inside a row group, every cut cell reaches the page's last row, its label centred
  in its part, and gets the border that closes its span, so both parts are whole cells.

Where such a break may fall is decided before layout (`paginate.kept_rows`: never where a part
would be too short for its label), so neither part needs more height than its rows.

Applied to tables of class `grid` only (the official tables, whose rows never split), and to
WeasyPrint 70.0 only, whose table layout it was checked against; with another version `active()`
is false and paginate.sound sends every layout that cuts a merged cell to the passes.
"""

from __future__ import annotations

INSTALLED = "_repeats_cut_labels"
WEASYPRINT_VERSIONS = ("70.0",)


def active() -> bool:
    from weasyprint.layout import block

    return getattr(block.table_layout, INSTALLED, False)


def install() -> None:
    from importlib.metadata import version

    from weasyprint.layout import block

    if active() or version("weasyprint") not in WEASYPRINT_VERSIONS:
        return
    original = block.table_layout

    def table_layout(context, table, bottom_space, skip_stack, containing_block, page_is_empty, *rest):
        if not _is_official(table):
            return original(context, table, bottom_space, skip_stack, containing_block, page_is_empty, *rest)
        reopened = _reopened(table, skip_stack)
        result = original(context, reopened, bottom_space, skip_stack, containing_block, page_is_empty, *rest)
        laid_out, resume_at = result[0], result[1]
        if laid_out is not None and resume_at is not None:
            _close_cut_cells(laid_out, table, resume_at)
        return result

    setattr(table_layout, INSTALLED, True)
    block.table_layout = table_layout


def _is_official(table) -> bool:
    element = table.element
    return element is not None and "grid" in (element.get("class") or "").split()


def _break_row(skip_stack) -> tuple[int, int] | None:
    """(group index, row index) when `skip_stack` resumes a table at a row inside a row group
    that is not its first, with no cell of that row cut; else None."""
    if not skip_stack:
        return None
    ((group, rows),) = skip_stack.items()
    if not rows:
        return None
    ((row, cells),) = rows.items()
    if cells or row == 0:
        return None
    return group, row


def _cut_cells(rows, first: int, row: int):
    """(cell, rows it still covers from `row`) of each cell of `rows` (numbered from `first`)
    that spans past the break before row `row`."""
    for index, candidate in enumerate(rows, start=first):
        for cell in candidate.children:
            if index < row < index + cell.rowspan:
                yield cell, index + cell.rowspan - row


def _reopened(table, skip_stack):
    """`table` with a copy of each cut merged cell opening row `row` of the group it resumes in."""
    position = _break_row(skip_stack)
    if position is None:
        return table
    group_index, row = position
    group = table.children[group_index]
    cut = list(_cut_cells(group.children[:row], 0, row))
    if not cut:
        return table
    copies = []
    for cell, remaining in cut:
        copy = cell.copy_with_children(cell.children)
        copy.rowspan = remaining
        copies.append(copy)
    opening = group.children[row]
    opening = opening.copy_with_children(sorted([*opening.children, *copies], key=lambda cell: cell.grid_x))
    rows = [*group.children[:row], opening, *group.children[row + 1 :]]
    children = list(table.children)
    children[group_index] = group.copy_with_children(rows)
    return table.copy_with_children(children)


def _close_cut_cells(table, whole, resume_at) -> None:
    """Stretch each merged cell that the page break cuts in the laid-out `table` (this page's
    part of `whole`) to its last row, and draw the line under it."""
    position = _break_row(resume_at)
    if position is None:
        return
    group_index, row = position
    groups = [group for group in table.children if not (group.is_header or group.is_footer)]
    if not groups or not groups[-1].children:
        return
    group = groups[-1]
    last = group.children[-1]
    bottom = last.position_y + last.height
    cut = list(_cut_cells(group.children, group.children[0].index, row))
    if not cut:
        return
    from weasyprint.layout.table import add_top_padding

    vertical, horizontal = table.collapsed_border_grid
    horizontal = list(horizontal)
    # The line under this page's last row in the whole table's border grid, which counts the
    # header rows and the rows of the groups before this one.
    line = sum(len(g.children) for g in whole.children[:group_index]) + row
    for cell, remaining in cut:
        # Centred (vertical-align: middle) in its part, as WeasyPrint pads a cell that ends in a
        # row: set, not added, because a cell that ended in a row past the break (laid out, then
        # pushed to the next page with it) was already stretched to that row.
        padding = (bottom - cell.position_y - cell.border_top_width - cell.border_bottom_width - cell.height) / 2
        add_top_padding(cell, padding - cell.padding_top)
        cell.padding_bottom = padding
        if 0 <= line < len(horizontal) and line + remaining < len(horizontal):
            closed = list(horizontal[line])
            for x in range(cell.grid_x, cell.grid_x + cell.colspan):
                closed[x] = horizontal[line + remaining][x]
            horizontal[line] = closed
    table.collapsed_border_grid = (vertical, horizontal)
