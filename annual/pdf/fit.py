"""Column widths that follow the figures in 三 and 四, and the type size of each figure.

The stylesheet gives 三 three label columns (7, 17 and 51 mm) and seven 11.5 mm value
columns, and 四 fifteen equal columns; a figure wider than its column's room is set smaller
(report.css, `td.wN`). Large counts then print at 5-7 pt beside 10.5 pt labels. Here, for one
document, each value column gets the width its widest figure needs at the largest type size
(≤ 10.5 pt, the tables' size) that the table can afford: in 三 the value columns take width from
the third label column (which keeps at least LABEL_MIN_MM, its labels wrapping onto more lines);
in 四 narrow columns (small figures) give width to wide ones. Each figure then takes the largest
size ≤ 10.5 pt that fits its column with 1 mm clear of both rules.

When no width of the portrait text block lets every figure print at MIN_PT or more (13-digit
counts in 四's fifteen columns, or in 三's seven), the table prints on a landscape page
(report.css's `@page landscape`, a 225 mm text block), as the XLSX prints 四; and when even that
is too narrow, a figure breaks over as few lines as keep it at MIN_PT or more, never smaller.

The result (`fit`) is a small stylesheet printed in the HTML's head, WeasyPrint's input only,
never served to a browser, and whether the table's section goes landscape. A document whose
figures fit the default columns gets neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from ..layout import Table

PT_MM = 25.4 / 72
BASE_PT = 10.5
MIN_PT = 7.0
DIGIT_EM = 0.56  # the widest digit of the fallback face (FandolFang's are 0.5 em)
CLEAR_MM = 2.3  # 1 mm clear of each rule, and the 0.3 mm rules themselves
TEXT_BLOCK_MM = 156.0
LANDSCAPE_BLOCK_MM = 225.0  # the 版心 turned: report.css's @page landscape

# 三: the fixed label columns (c-l1, c-l2), and what the third keeps: at least 40 mm (its
# longest labels in three lines) while the figures can have 9 pt or more; down to 28 mm
# before any figure goes below that.
APPLICATION_LABEL_COLUMNS_MM = (7.0, 17.0)  # report.css's col.c-l1 and col.c-l2
APPLICATION_LABELS_MM = sum(APPLICATION_LABEL_COLUMNS_MM)
LABEL_TIERS = ((40.0, 9.0), (28.0, MIN_PT))
APPLICATION_VALUE_MM = 11.5
DEFAULT_LABEL_MM = 51.0  # report.css's col.c-l3
# 四: a column narrower than this breaks its two-character headers (维持, 纠正) apart.
REVIEW_MIN_MM = 8.4


def needed_mm(units: int, size_pt: float) -> float:
    """The column width a figure `units` half-width units wide needs at `size_pt`."""
    return units * DIGIT_EM * size_pt * PT_MM + CLEAR_MM


def size_for(units: int, width_mm: float) -> float:
    """The largest type size ≤ BASE_PT at which `units` fit `width_mm` (0.1 pt steps, down)."""
    if units == 0:
        return BASE_PT
    size = (width_mm - CLEAR_MM) / (units * DIGIT_EM * PT_MM)
    return min(BASE_PT, int(size * 10) / 10)


def column_widths(widest: list[int], *, least: float, budget: float, floor: float = MIN_PT) -> list[float] | None:
    """Widths (mm) for value columns whose widest figures are `widest` half-width units, each at
    least `least`, together at most `budget`: the largest common type size ≥ `floor` that fits
    (tenths of a point). None when even `floor` does not fit."""
    tenths = int(BASE_PT * 10)
    while tenths >= floor * 10:
        widths = [max(least, needed_mm(units, tenths / 10)) for units in widest]
        if sum(widths) <= budget + 1e-6:
            return widths
        tenths -= 1
    return None


def _value_columns(table: Table) -> tuple[int, dict[int, list[tuple[int, int]]]]:
    """(first value column, {column: [(body row, the figure's half-width units)]})."""
    columns: dict[int, list[tuple[int, int]]] = {}
    first = table.width
    for r, c, cell in table.placed_cells():
        if cell.is_value:
            first = min(first, c)
            columns.setdefault(c, []).append((r, cell.print_width))
    return first, columns


@dataclass(frozen=True)
class Fit:
    """How one table prints: its stylesheet ("" for the default) and whether it goes landscape."""

    css: str = ""
    landscape: bool = False
    value_mm: tuple[float, ...] = ()  # the value columns' widths, when the stylesheet sets them


def lines_for(units: int, width_mm: float) -> int:
    """The fewest lines over which a figure `units` wide prints at MIN_PT or more in `width_mm`
    (one, unless no single line of that width holds it)."""
    lines = 1
    while size_for(ceil(units / lines), width_mm) < MIN_PT and ceil(units / lines) > 1:
        lines += 1
    return lines


def _widths(css: str, widest: list[int], block_mm: float) -> list[float] | None:
    """Value column widths in a text block `block_mm` wide, figures on one line, or None."""
    if css == "applications":
        for label_mm, floor in LABEL_TIERS:
            budget = block_mm - APPLICATION_LABELS_MM - label_mm
            widths = column_widths(widest, least=APPLICATION_VALUE_MM, budget=budget, floor=floor)
            if widths is not None:
                return widths
        return None
    return column_widths(widest, least=REVIEW_MIN_MM, budget=block_mm)


def _broken_widths(css: str, widest: list[int], block_mm: float) -> list[float]:
    """Value column widths where figures may break: the fewest lines (the same for every
    column) that let each column's widest figure print at MIN_PT."""
    lines = 2
    while True:
        parts = [ceil(units / lines) for units in widest]
        widths = _widths(css, parts, block_mm)
        if widths is not None:
            return widths
        lines += 1


def fit(table: Table) -> Fit:
    """How `table` (三 or 四) prints so that its figures are as large as the page allows."""
    if table.css not in ("applications", "review"):
        return Fit()
    first, columns = _value_columns(table)
    order = sorted(columns)
    widest = [max(units for _, units in columns[c]) for c in order]
    default = APPLICATION_VALUE_MM if table.css == "applications" else TEXT_BLOCK_MM / len(order)
    if all(needed_mm(units, BASE_PT) <= default for units in widest):
        return Fit()
    landscape = False
    widths = _widths(table.css, widest, TEXT_BLOCK_MM)
    if widths is None:
        landscape = True
        widths = _widths(table.css, widest, LANDSCAPE_BLOCK_MM) or _broken_widths(table.css, widest, LANDSCAPE_BLOCK_MM)
    # `html body` outranks report.css's `table.applications col.c-num` and `td.wN` rules.
    scope = f"html body table.{table.css}"
    rules = []
    if table.css == "applications":
        rules.append(f"{scope} col:nth-child({first}) {{ width: auto; }}")  # the third label column
    for c, width in zip(order, widths, strict=True):
        rules.append(f"{scope} col:nth-child({c + 1}) {{ width: {width:.2f}mm; }}")
    rows = table.rows
    cells: dict[tuple[str, int], tuple[float, int]] = {}
    for c, width in zip(order, widths, strict=True):
        for r, units in columns[c]:
            lines = lines_for(units, width)
            cells[(rows[r].key, c)] = (size_for(ceil(units / lines), width), lines)
    total_columns = table.width
    for (key, c), (size, lines) in sorted(cells.items()):
        row = f'tr[data-row="{table.key}.{key}"]' if key else "tbody tr"
        # Value cells close every row, so a cell's place from the row's end is its column.
        style = f"font-size: {size}pt;"
        if lines > 1:
            # Each line holds at least units / lines digits at this size, so it takes `lines`.
            style += " white-space: normal; word-break: break-all;"
        rules.append(f"{scope} {row} > td:nth-last-child({total_columns - c}) {{ {style} }}")
    return Fit("\n".join(rules), landscape, tuple(widths))


def columns_mm(table: Table, printed: Fit) -> list[float] | None:
    """The printed widths (mm) of 三's columns, as `printed` sets them (report.css's 7, 17 and
    51 mm label columns and 11.5 mm value columns when it sets none); None for other tables."""
    if table.css != "applications":
        return None
    block = LANDSCAPE_BLOCK_MM if printed.landscape else TEXT_BLOCK_MM
    values = list(printed.value_mm) or [APPLICATION_VALUE_MM] * (table.width - 3)
    label = block - APPLICATION_LABELS_MM - sum(values) if printed.value_mm else DEFAULT_LABEL_MM
    return [*APPLICATION_LABEL_COLUMNS_MM, label, *values]
