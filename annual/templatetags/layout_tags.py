"""`{% layout_table table %}`: an official table of `annual.layout` as screen HTML.

The entry grid (value cells are inputs) and the review page (value cells show their printed
text) both draw through this one function. It builds the markup in Python rather than in a
template loop: the 三 grid has 200 cells, and a template loop over them took most of the page's
time. Every text is escaped.
"""

from __future__ import annotations

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from ..layout import Cell, Table

register = template.Library()


def _spans(cell: Cell) -> str:
    out = ""
    if cell.rowspan > 1:
        out += f' rowspan="{cell.rowspan}"'
    if cell.colspan > 1:
        out += f' colspan="{cell.colspan}"'
    return out


def _label(cell: Cell) -> str:
    css = f' class="{escape(cell.css)}"' if cell.css else ""
    return f"<th{_spans(cell)}{css}>{escape(cell.text)}</th>"


def _input(cell: Cell, editable: bool, marks: dict[str, str] | None = None) -> str:
    error = getattr(cell, "error", "")
    unit = getattr(cell, "unit", "")
    attrs = [f'class="cell{" is-invalid" if error else ""}"', f'name="{escape(cell.path)}"']
    if marks is not None:
        # Where a published report printed the figure: "page,left%,top%,width%,height%".
        attrs.append(f'data-where="{escape(marks.get(cell.path, ""))}"')
    if cell.text:
        attrs.append(f'value="{escape(cell.text)}"')
    attrs.append(f'aria-label="{escape(cell.label)}"')
    if error:
        attrs.append(f'title="{escape(error)}"')
    if not editable:
        attrs.append("readonly")
    css = ' class="total"' if cell.auto_total else ""
    after = f'<span class="unit">{escape(unit)}</span>' if unit else ""
    return f"<td{css}{_spans(cell)}><input {' '.join(attrs)}>{after}</td>"


def _value(cell: Cell) -> str:
    css = f' class="{escape(cell.css)}"' if cell.css else ""
    return f"<td{css}{_spans(cell)}>{escape(cell.text)}</td>"


@register.simple_tag
def layout_table(
    table: Table,
    *,
    inputs: bool = False,
    editable: bool = False,
    split: bool = False,
    marks: dict[str, str] | None = None,
) -> SafeString:
    """The table's HTML. `inputs`: value cells are the entry grid's inputs (readonly unless
    `editable`), else their printed text. `split`: one <table> per row group (二's blocks).
    `marks`: where a published report printed each figure (the import preview links each input
    to its place on the page image)."""
    opening = (
        f'<table class="grid-table {escape(table.css)}-table"><colgroup>'
        + "".join(f'<col class="{escape(c)}">' for c in table.columns)
        + "</colgroup>"
    )
    head = ""
    if table.head:
        head = (
            "<thead>"
            + "".join("<tr>" + "".join(_label(c) for c in row.cells) + "</tr>\n" for row in table.head)
            + "</thead>"
        )
    parts = [] if split else [opening, head]
    for group in table.groups:
        if split:
            parts.append(opening)
        parts.append("<tbody>\n")
        for row in group:
            cells = "".join(
                (_input(c, editable, marks) if inputs else _value(c)) if c.is_value else _label(c) for c in row.cells
            )
            css = f' class="{escape(row.css)}"' if row.css else ""
            parts.append(f"<tr{css}>{cells}</tr>\n")
        parts.append("</tbody>")
        if split:
            parts.append("</table>")
    if not split:
        parts.append("</table>")
    return mark_safe("".join(parts))
