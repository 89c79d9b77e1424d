"""Column widths that follow the figures in 三 and 四, and the type size of each figure.

The stylesheet gives 三 three label columns (7, 17 and 51 mm) and seven 11.5 mm value
columns, and 四 fifteen equal columns; a figure wider than its column's room is set smaller
(report.css, `td.wN`). Large counts then print at 5-7 pt beside 10.5 pt labels. Here, for one
document, each value column gets the width its widest figure needs at the largest type size
(≤ 10.5 pt, the tables' size) that the table can afford: in 三 the value columns take width from
the third label column (which keeps at least LABEL_MIN_MM, its labels wrapping onto more lines);
in 四 narrow columns (small figures) give width to wide ones. Each figure then takes the largest
size ≤ 10.5 pt that fits its column with 1 mm clear of both rules.

The result is a small stylesheet (`fit_css`) printed in the HTML's head: WeasyPrint's input
only, never served to a browser. A document whose figures fit the default columns gets none.
"""

from __future__ import annotations

from ..layout import Table

PT_MM = 25.4 / 72
BASE_PT = 10.5
MIN_PT = 7.0
DIGIT_EM = 0.56  # the widest digit of the fallback face (FandolFang's are 0.5 em)
CLEAR_MM = 2.3  # 1 mm clear of each rule, and the 0.3 mm rules themselves
TEXT_BLOCK_MM = 156.0

# 三: the fixed label columns (c-l1, c-l2), and what the third keeps: at least 40 mm (its
# longest labels in three lines) while the figures can have 9 pt or more; down to 28 mm
# before any figure goes below that.
APPLICATION_LABELS_MM = 7.0 + 17.0
LABEL_TIERS = ((40.0, 9.0), (28.0, MIN_PT))
APPLICATION_VALUE_MM = 11.5
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


def fit_css(table: Table) -> str:
    """The stylesheet that fits `table`'s figures (三 or 四), or "" when the default fits them
    (or when nothing can: then the default's smaller type stands)."""
    if table.css not in ("applications", "review"):
        return ""
    first, columns = _value_columns(table)
    order = sorted(columns)
    widest = [max(units for _, units in columns[c]) for c in order]
    if table.css == "applications":
        default = APPLICATION_VALUE_MM
        if all(needed_mm(units, BASE_PT) <= default for units in widest):
            return ""
        widths = None
        for label_mm, floor in LABEL_TIERS:
            budget = TEXT_BLOCK_MM - APPLICATION_LABELS_MM - label_mm
            widths = widths or column_widths(widest, least=default, budget=budget, floor=floor)
    else:
        default = TEXT_BLOCK_MM / len(order)
        if all(needed_mm(units, BASE_PT) <= default for units in widest):
            return ""
        widths = column_widths(widest, least=REVIEW_MIN_MM, budget=TEXT_BLOCK_MM)
    if widths is None:
        return ""
    # `html body` outranks report.css's `table.applications col.c-num` and `td.wN` rules.
    scope = f"html body table.{table.css}"
    rules = []
    if table.css == "applications":
        rules.append(f"{scope} col:nth-child({first}) {{ width: auto; }}")  # the third label column
    for c, width in zip(order, widths, strict=True):
        rules.append(f"{scope} col:nth-child({c + 1}) {{ width: {width:.2f}mm; }}")
    rows = table.rows
    sizes: dict[tuple[str, int], float] = {}
    for c, width in zip(order, widths, strict=True):
        for r, units in columns[c]:
            sizes[(rows[r].key, c)] = size_for(units, width)
    total_columns = table.width
    for (key, c), size in sorted(sizes.items()):
        row = f'tr[data-row="{table.key}.{key}"]' if key else "tbody tr"
        # Value cells close every row, so a cell's place from the row's end is its column.
        rules.append(f"{scope} {row} > td:nth-last-child({total_columns - c}) {{ font-size: {size}pt; }}")
    return "\n".join(rules)
