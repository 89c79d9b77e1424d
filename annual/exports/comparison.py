"""The comparison of two reports (`annual.comparison`) as files: JSON, XLSX and PDF.

The workbook and the PDF show the same rows: every value cell that differs, with its official
name, and each narrative section's changed paragraphs side by side with the changes marked.
"""

from __future__ import annotations

import difflib
import io
import json
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from .. import comparison
from .. import template_spec as spec
from .xlsx import BODY_FONT, BOLD_FONT, BORDER, HEADER_FILL, _print_setup, _text


def label(doc: dict) -> str:
    return f"{doc['agency']}{doc['year']}年度"


def title(a: dict, b: dict) -> str:
    if a["agency"] == b["agency"]:
        return f"{b['agency']}{b['year']}年度与{a['year']}年度报告对比"
    return f"{label(b)}报告与{label(a)}报告对比"


def _shown(value) -> str:
    return "空白" if value is None else str(value)


def _signed(delta: int | str | None) -> str:
    if delta is None:
        return ""
    text = str(delta)
    return text if text.startswith("-") or text in ("0", "0.0") else f"+{text}"


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def cell_rows(result: dict, b: dict) -> list[tuple[str, str, str, str, str]]:
    """(official name, A, B, change, ratio) of each differing cell, as printed."""
    return [
        (
            spec.describe_cell(b["template"], c["path"]),
            _shown(c["a"]),
            _shown(c["b"]),
            _signed(c["delta"]),
            _ratio(c["ratio"]),
        )
        for c in result["cells"]
    ]


@dataclass(frozen=True)
class Part:
    text: str
    changed: bool


def _marked(a: str, b: str) -> tuple[list[Part], list[Part]]:
    """Both paragraphs cut into runs, each run marked if the other paragraph lacks it."""
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    left: list[Part] = []
    right: list[Part] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if a[i1:i2]:
            left.append(Part(a[i1:i2], tag != "equal"))
        if b[j1:j2]:
            right.append(Part(b[j1:j2], tag != "equal"))
    return left, right


def section_views(a: dict, b: dict) -> list[dict]:
    views = []
    for key in comparison.NARRATIVE_KEYS:
        pairs: list[dict] = []
        for p in comparison.align(a.get(key), b.get(key)):
            a_parts, b_parts = _marked(p.a or "", p.b or "")
            pairs.append({"a": p.a, "b": p.b, "changed": p.changed, "a_parts": a_parts, "b_parts": b_parts})
        views.append(
            {
                "label": spec.TEXT_LABELS[key],
                "similarity": f"{comparison.similarity(a.get(key), b.get(key)):.0%}",
                "changed": sum(p["changed"] for p in pairs),
                "paragraphs": pairs,
            }
        )
    return views


def comparison_json(a: dict, b: dict) -> bytes:
    return (json.dumps(comparison.compare(a, b), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def comparison_workbook(a: dict, b: dict) -> bytes:
    result = comparison.compare(a, b)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "表格变化"
    _text(ws, "A1", title(a, b))
    ws["A1"].font = BOLD_FONT
    if "note" in result:
        _text(ws, "A2", result["note"])
    header = ("单元格", label(a), label(b), "增减", "比值")
    for c, text in enumerate(header, start=1):
        cell = ws.cell(row=3, column=c, value=text)
        cell.font, cell.fill, cell.border = BOLD_FONT, HEADER_FILL, BORDER
    for r, (change, row) in enumerate(zip(result["cells"], cell_rows(result, b), strict=True), start=4):
        values = (row[0], change["a"], change["b"], change["delta"], change["ratio"])
        for c, value in enumerate(values, start=1):
            if isinstance(value, int | float) and not isinstance(value, bool):
                cell = ws.cell(row=r, column=c, value=value)
                cell.font = BODY_FONT
            else:
                _text(ws, f"{get_column_letter(c)}{r}", "" if value is None else str(value))
            ws.cell(row=r, column=c).border = BORDER
    for c, width in enumerate((60, 14, 14, 10, 10), start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    _print_setup(ws, landscape=False, title_rows="3:3")

    texts = wb.create_sheet("正文变化")
    for c, text in enumerate(("部分", "相似度", label(a), label(b)), start=1):
        cell = texts.cell(row=1, column=c, value=text)
        cell.font, cell.fill, cell.border = BOLD_FONT, HEADER_FILL, BORDER
    r = 2
    for view in section_views(a, b):
        for p in view["paragraphs"]:
            if not p["changed"]:
                continue
            for c, value in enumerate((view["label"], view["similarity"], p["a"] or "", p["b"] or ""), start=1):
                _text(texts, f"{get_column_letter(c)}{r}", value)
                texts.cell(row=r, column=c).border = BORDER
            r += 1
    for c, width in enumerate((22, 8, 60, 60), start=1):
        texts.column_dimensions[get_column_letter(c)].width = width
    _print_setup(texts, landscape=True, title_rows="1:1")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def comparison_html(a: dict, b: dict) -> str:
    from ..pdf.html import render_print_template  # noqa: PLC0415 - the print fonts' setup only when printing

    result = comparison.compare(a, b)
    context = {
        "title": title(a, b),
        "basis": f"甲：{label(a)}报告　乙：{label(b)}报告　共 {len(result['cells'])} 个单元格不同",
        "note": result.get("note", ""),
        "a_label": label(a),
        "b_label": label(b),
        "cells": [dict(zip(("name", "a", "b", "delta", "ratio"), row, strict=True)) for row in cell_rows(result, b)],
        "sections": section_views(a, b),
    }
    return render_print_template("pdf/comparison.html", context)


def comparison_pdf(a: dict, b: dict) -> bytes:
    # WeasyPrint is imported only where a PDF is made (STYLE.md, "PDF as an interface").
    from ..pdf.render import html_to_pdf  # noqa: PLC0415

    return html_to_pdf(comparison_html(a, b))


WRITERS = {".json": comparison_json, ".xlsx": comparison_workbook, ".pdf": comparison_pdf}
