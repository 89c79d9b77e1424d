"""Where each cell of a layout `Table` sits on the full grid of rows and columns.

The layout gives cells row by row with their spans, as HTML does; a writer that addresses
cells by position (a DOCX table, the `headers` attribute of an accessible HTML table) needs
the same placement an HTML browser computes: each cell takes the first column of its row not
already covered by a cell spanning down from above.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..layout import Cell, Table


@dataclass(frozen=True)
class Placed:
    row: int  # 0-based row on the grid (header rows first, then the body)
    col: int
    cell: Cell
    in_head: bool

    @property
    def last_row(self) -> int:
        return self.row + self.cell.rowspan - 1

    @property
    def last_col(self) -> int:
        return self.col + self.cell.colspan - 1


def place(table: Table) -> tuple[list[list[Placed]], int]:
    """The table's cells per grid row, each with its position, and the number of grid rows.

    Raises ValueError if a row overflows the table's width (a layout bug, never user input).
    """
    rows = [(row, True) for row in table.head] + [(row, False) for row in table.rows]
    taken: set[tuple[int, int]] = set()
    result: list[list[Placed]] = []
    for r, (row, in_head) in enumerate(rows):
        placed = []
        c = 0
        for cell in row.cells:
            while (r, c) in taken:
                c += 1
            if c + cell.colspan > table.width:
                raise ValueError(f"row {r} of table {table.key} is wider than {table.width} columns")
            placed.append(Placed(r, c, cell, in_head))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
        result.append(placed)
    return result, len(rows)
