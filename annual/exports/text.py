"""The plain-text version of a report: every paragraph, and every figure with its official name.

A table cannot be read aloud or grepped as a grid, so each figure is one line 「名称：数字」,
named as messages name it (`Cell.label`, from the template spec), in the tables' order; a
blank prints 「空白」, so a reader can tell it from 0. The 图解 adds the charts' figures in
words. UTF-8 with CRLF-free line ends.
"""

from __future__ import annotations

from ..charts import report_charts
from ..pdf.context import build_context

BLANK = "空白"


def _paragraph_lines(paragraphs) -> list[str]:
    lines = []
    for p in paragraphs:
        if p.heading:
            lines.append(f"　　{p.heading}{p.text}")
        else:
            lines.append(f"　　{p.text}")
    return lines


def page_text(doc: dict, *, title: str | None = None) -> str:
    """The text version of a valid document."""
    context = build_context(doc, title=title)
    lines = [*context["title_lines"], ""]
    lines += _paragraph_lines(context["intro"])
    for section in context["sections"]:
        lines += ["", section.heading]
        lines += _paragraph_lines(section.paragraphs)
        if section.table is not None:
            for cell in section.table.value_cells():
                lines.append(f"{cell.label}：{cell.text or BLANK}")
    lines += ["", context["signed_by"]]
    if context["signed_on"]:
        lines.append(context["signed_on"])
    charts = report_charts(doc)
    if charts:
        lines += ["", f"图解：{doc['year']}年度政府信息公开数据"]
        lines += [f"{c.title}（单位：{c.unit}）：{c.description()}" for c in charts]
    return "\n".join(lines) + "\n"


def page_text_bytes(doc: dict, *, title: str | None = None) -> bytes:
    return page_text(doc, title=title).encode("utf-8")
