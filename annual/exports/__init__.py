"""Exports of a saved report, one per file extension: what `export_report -o OUT` dispatches on.

Each exporter takes the report and returns the file's bytes; it raises `ExportRefused` (a
Chinese message; the command exits 2) when the report cannot be exported in that format.
To add a format, add one line to `EXPORTERS`.
"""

from __future__ import annotations

from collections.abc import Callable

from ..document import dumps
from ..interchange import load_report, previous_document, report_to_document
from ..models import Report
from ..transitions import FROZEN_STATES


class ExportRefused(Exception):
    """This report cannot be exported in this format; the message says why, in Chinese."""


def current_document(report: Report) -> dict:
    return report_to_document(load_report(report.pk))


def export_json(report: Report) -> bytes:
    return dumps(current_document(report)).encode("utf-8")


def export_xlsx(report: Report) -> bytes:
    # Each format's writer (openpyxl, python-docx, the rules) loads only when that format is asked for.
    from .. import culprit, rules
    from .xlsx import workbook_bytes

    doc = current_document(report)
    findings = rules.check_document(doc, previous_document(report.agency.name, report.year))
    return workbook_bytes(doc, findings=culprit.with_hints(doc, findings))


def export_docx(report: Report) -> bytes:
    from .docx import document_bytes  # python-docx only when a DOCX is asked for

    return document_bytes(current_document(report), title=report.display_title)


DRAFT_NOTICE = "草稿：本页按报告当前填写的内容生成，报告尚未审核通过，请勿作为正式文本发布。"


def export_html(report: Report) -> bytes:
    """The portal page of the report's current values; marked as a draft unless approved or
    published (then the values are the frozen ones, and the package holds the same page)."""
    from .html import page_bytes  # the portal page's writer only when it is asked for

    draft = "" if report.state in FROZEN_STATES else DRAFT_NOTICE
    return page_bytes(current_document(report), title=report.display_title, draft=draft)


def export_package(report: Report) -> bytes:
    from .package import NotApproved, report_package  # the package reads the PDF (pikepdf) only when asked for

    try:
        return report_package(report)
    except NotApproved as exc:
        raise ExportRefused(str(exc)) from None


EXPORTERS: dict[str, Callable[[Report], bytes]] = {
    ".json": export_json,
    ".xlsx": export_xlsx,
    ".docx": export_docx,
    ".html": export_html,
    ".zip": export_package,
}
