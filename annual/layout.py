"""The official tables (二, 三, 四) as rows of cells: built once, drawn by every rendering.

From a document and the template spec, each table becomes header rows and body row groups of
`Cell`s. A cell knows its dotted path (value cells), its kind, its official label, its spans and
its printed text. The entry grid (inputs), the review page (read-only), the PDF (print), the 汇总
view and the office exports (XLSX, DOCX, HTML) all loop over the same structure, so a merge, a
label or the way a money amount prints cannot differ between them.

Nothing here touches the database; labels come only from `annual.template_spec`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from . import template_spec as spec
from .formatting import MONEY_UNIT, SUBHEADING_RE, format_count, format_money

LABEL = "label"  # a header or row label: text only
COUNT = spec.COUNT
SIGNED = spec.SIGNED
MONEY = spec.MONEY
VALUE_KINDS = (COUNT, SIGNED, MONEY)

PROACTIVE_VALUE_COLUMNS = 3  # table 二 is one table: 信息内容 plus three value columns
# The printed 二 (PDF, DOCX) gives each field of a block an equal share of the value width: six
# columns, two a field of a three-field block, three of a two-field one (2019's (八) and (九)
# printed 1:2). The entry grid and the workbook keep three: the workbook's cell positions are
# its format, which earlier exports still use.
PRINTED_VALUE_COLUMNS = 6
ITEM_HEADER = spec.PROACTIVE_ITEM_HEADER


@dataclass(frozen=True)
class Cell:
    """One cell of an official table.

    `text` is what prints. For a value cell, `path` is its dotted path in the document, `value`
    the document's value, `label` its official name for messages and screen readers, and
    `auto_total` marks a total that the entry grid sums from its parts. A header cell's `scope`
    (col, colgroup or row) says which cells it heads, for screen readers and the tagged PDF.
    """

    text: str
    rowspan: int = 1
    colspan: int = 1
    header: bool = False
    css: str = ""
    kind: str = LABEL
    path: str = ""
    label: str = ""
    value: Any = None
    auto_total: bool = False
    scope: str = ""

    @property
    def is_value(self) -> bool:
        return self.kind in VALUE_KINDS

    @property
    def numbered(self) -> tuple[str, str] | None:
        """(number, rest) of a label such as 「（三）不予公开」, else None: a narrow merged cell
        prints each part whole on its own line, never 「不予公/开」."""
        match = SUBHEADING_RE.match(self.text)
        if self.is_value or match is None or match.end() == len(self.text):
            return None
        return self.text[: match.end()], self.text[match.end() :]

    @property
    def print_width(self) -> int:
        """The printed text's width in half-width units (a digit 1, a Chinese character 2): a
        rendering narrower than the widest allowed value sizes the type of the cell from it."""
        return sum(1 if ord(ch) < 0x2E80 else 2 for ch in self.text)


@dataclass
class TableRow:
    cells: list[Cell] = field(default_factory=list)
    css: str = ""
    key: str = ""  # the row's key in the document (三's rows), else ""
    continued: bool = False  # the first row after a page break that `Table.split_at` placed


@dataclass
class Table:
    """An official table: header rows (repeated on a continuation page) and body row groups.

    Each body group is kept on one page when it fits (a block of 二, the rows of 三 that share
    a merged label cell).
    """

    key: str  # the section's key in the document
    css: str
    columns: list[str]  # one CSS class per column, for widths
    head: list[TableRow]
    groups: list[list[TableRow]]

    @property
    def rows(self) -> list[TableRow]:
        return [row for group in self.groups for row in group]

    def value_cells(self) -> Iterator[Cell]:
        for row in self.rows:
            for cell in row.cells:
                if cell.is_value:
                    yield cell

    @property
    def width(self) -> int:
        return len(self.columns)

    def with_row_class(self, indexes: set[int], css: str) -> Table:
        """This table with `css` added to the classes of body rows `indexes`."""
        groups, r = [], 0
        for group in self.groups:
            marked = []
            for row in group:
                marked.append(replace(row, css=f"{row.css} {css}".strip()) if r in indexes else row)
                r += 1
            groups.append(marked)
        return replace(self, groups=groups)

    def placed_cells(self) -> list[tuple[int, int, Cell]]:
        """(body row index, grid column, cell) of every body cell, resolving row and column spans."""
        taken: set[tuple[int, int]] = set()
        placed = []
        for r, row in enumerate(self.rows):
            c = 0
            for cell in row.cells:
                while (r, c) in taken:
                    c += 1
                placed.append((r, c, cell))
                taken.update((r + dr, c + dc) for dr in range(cell.rowspan) for dc in range(cell.colspan))
                c += cell.colspan
        return placed

    def split_at(self, index: int) -> Table:
        """This table with body row `index` starting a new page (its row group marked `continued`).

        A merged label cell that spans the break is cut in two: its first part keeps the rows
        before the break, and a copy of it opens the continuation, spanning the rest, so the
        label (（三）不予公开, 三、本年度办理结果) prints again on the next page.
        """
        rows = self.rows
        cells: list[list[tuple[int, Cell]]] = [[] for _ in rows]
        for r, c, cell in self.placed_cells():
            if r < index < r + cell.rowspan:
                cells[r].append((c, replace(cell, rowspan=index - r)))
                cells[index].append((c, replace(cell, rowspan=r + cell.rowspan - index)))
            else:
                cells[r].append((c, cell))
        new_rows = [
            replace(
                row,
                cells=[cell for _, cell in sorted(cells[r], key=lambda pair: pair[0])],
                continued=row.continued or r == index,
            )
            for r, row in enumerate(rows)
        ]
        groups, start = [], 0
        for group in self.groups:
            end = start + len(group)
            if start < index < end:
                groups += [new_rows[start:index], new_rows[index:end]]
            else:
                groups.append(new_rows[start:end])
            start = end
        return replace(self, groups=groups)


def _value_cell(
    version: str, path: str, kind: str, value: Any, *, text: str, colspan: int = 1, auto_total: bool = False
) -> Cell:
    return Cell(
        text,
        colspan=colspan,
        css="num",
        kind=kind,
        path=path,
        value=value,
        label=spec.describe_cell(version, path),
        auto_total=auto_total,
    )


def unit_after_value(kind: str, field_label: str) -> str:
    """The unit a value carries after it: 万元 for money whose header does not carry it (2019
    采购总金额), as the published reports print it (271.53万元); else nothing."""
    return MONEY_UNIT if kind == MONEY and MONEY_UNIT not in field_label else ""


def money_text(field_label: str, value: str | None) -> str:
    """Money keeps the office's decimals, followed by its unit where the header lacks it."""
    return format_money(value, with_unit=bool(unit_after_value(MONEY, field_label)))


def proactive_table(doc: dict, value_columns: int = PROACTIVE_VALUE_COLUMNS) -> Table:
    """二 as the official single table: per block, its legal basis, its header row, its items.

    A block's fields share the `value_columns` evenly, the last taking what does not divide
    (the official form merges those cells).
    """
    version = doc["template"]
    values = doc.get("proactive", {})
    groups = []
    for block in spec.PROACTIVE_BLOCKS[version]:
        spans = [value_columns // len(block.fields)] * len(block.fields)
        spans[-1] += value_columns % len(block.fields)
        rows = [
            TableRow([Cell(block.basis, colspan=value_columns + 1, header=True, css="basis", scope="colgroup")]),
            TableRow(
                [Cell(ITEM_HEADER, header=True, scope="col")]
                + [Cell(f.label, colspan=s, header=True, scope="col") for f, s in zip(block.fields, spans, strict=True)]
            ),
        ]
        for item in block.items:
            item_values = values.get(item.key, {})
            cells = [Cell(item.label, header=True, css="label", scope="row")]
            for f, s in zip(block.fields, spans, strict=True):
                raw = item_values.get(f.key)
                text = money_text(f.label, raw) if f.kind == spec.MONEY else format_count(raw)
                cells.append(
                    _value_cell(
                        version, spec.cell_path("proactive", item.key, f.key), f.kind, raw, text=text, colspan=s
                    )
                )
            rows.append(TableRow(cells, key=item.key))
        groups.append(rows)
    return Table(
        key="proactive", css="proactive", columns=["c-item"] + ["c-val"] * value_columns, head=[], groups=groups
    )


def header_rows(rows: tuple[tuple[spec.LabelCell, ...], ...], *, corner: bool = False) -> list[TableRow]:
    """An official table's header rows, merges as the spec gives them."""
    result = []
    for r, row in enumerate(rows):
        cells = []
        for c, cell in enumerate(row):
            css = "corner" if corner and r == 0 and c == 0 else "vertical" if cell.colspan == 1 else ""
            cells.append(
                Cell(
                    cell.text,
                    rowspan=cell.rowspan,
                    colspan=cell.colspan,
                    header=True,
                    css=css,
                    scope="col" if cell.colspan == 1 else "colgroup",
                )
            )
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
    for row, label_cells in zip(rows, labels, strict=True):
        cells = [
            Cell(c.text, rowspan=c.rowspan, colspan=c.colspan, header=True, css=_label_css(c), scope="row")
            for c in label_cells
        ]
        row_values = values.get(row.key, {})
        for c in spec.APPLICATION_COLUMNS:
            raw = row_values.get(c.key)
            cells.append(
                _value_cell(
                    version,
                    spec.cell_path("applications", row.key, c.key),
                    COUNT,
                    raw,
                    text=format_count(raw),
                    auto_total=c is spec.TOTAL_COLUMN or row.key == "handled_total",
                )
            )
        body.append(TableRow(cells, css=f"level{row.level}", key=row.key))
    first_outcome = next(i for i, r in enumerate(rows) if r.level > 1)
    last_outcome = max(i for i, r in enumerate(rows) if r.level > 1)
    groups = [[r] for r in body[:first_outcome]]
    groups.append(body[first_outcome : last_outcome + 1])
    groups += [[r] for r in body[last_outcome + 1 :]]
    columns = ["c-l1", "c-l2", "c-l3"] + ["c-num"] * len(spec.APPLICATION_COLUMNS)
    return Table(
        key="applications",
        css="applications",
        columns=columns,
        head=header_rows(spec.application_header_rows(), corner=True),
        groups=groups,
    )


def _label_css(cell: spec.LabelCell) -> str:
    if cell.text == spec.OUTCOMES_HEADING:
        return "label vertical outcomes"
    if cell.rowspan > 1:
        return "label group"
    return "label"


def review_table(doc: dict) -> Table:
    """四 with its two-level header: 行政复议 (five columns) | 行政诉讼 (two groups of five)."""
    version = doc["template"]
    values = doc.get("review_litigation", {})
    body = []
    for g in spec.REVIEW_GROUPS:
        for f in spec.REVIEW_FIELDS:
            raw = values.get(g.key, {}).get(f.key)
            body.append(
                _value_cell(
                    version,
                    spec.cell_path("review_litigation", g.key, f.key),
                    COUNT,
                    raw,
                    text=format_count(raw),
                    auto_total=f.key == "total",
                )
            )
    return Table(
        key="review_litigation",
        css="review",
        columns=["c-review"] * len(body),
        head=header_rows(spec.review_header_rows()),
        groups=[[TableRow(body)]],
    )


TABLE_BUILDERS = {
    "proactive": proactive_table,
    "applications": applications_table,
    "review_litigation": review_table,
}


def build_table(doc: dict, key: str, *, printed: bool = False) -> Table:
    """The official table of section `key` (proactive, applications or review_litigation);
    `printed`: as the PDF and the DOCX print it (二's fields in even shares)."""
    if printed and key == "proactive":
        return proactive_table(doc, PRINTED_VALUE_COLUMNS)
    return TABLE_BUILDERS[key](doc)


def build_tables(doc: dict) -> dict[str, Table]:
    """All three official tables of a document, keyed by section."""
    return {key: builder(doc) for key, builder in TABLE_BUILDERS.items()}
