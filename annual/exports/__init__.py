"""Office and publication exports of a report, by output file extension.

`EXPORTERS[".docx"](report)` returns the file's bytes. `export_report -o OUT` and the web
downloads pick the writer from here. A writer raises `ExportRefused` (a message fit for a
user) when the report cannot be exported in that form, e.g. a package of a report never approved.
"""

from __future__ import annotations

from collections.abc import Callable

from ..interchange import load_report, report_to_document
from ..models import Report


class ExportRefused(Exception):
    """The report cannot be exported in this form; the message is in Chinese, for the user."""


def current_document(report: Report) -> dict:
    return report_to_document(load_report(report.pk))


def export_docx(report: Report) -> bytes:
    from .docx import document_bytes

    return document_bytes(current_document(report), title=report.display_title)


DRAFT_NOTICE = "草稿：本页按报告当前填写的内容生成，报告尚未审核通过，请勿作为正式文本发布。"


def export_html(report: Report) -> bytes:
    """The portal page of the report's current values; marked as a draft unless approved or
    published (then the values are the frozen ones, and the package holds the same page)."""
    from ..snapshots import FROZEN_STATES
    from .html import page_bytes

    draft = "" if report.state in FROZEN_STATES else DRAFT_NOTICE
    return page_bytes(current_document(report), title=report.display_title, draft=draft)


def export_package(report: Report) -> bytes:
    from .package import NotApproved, report_package

    try:
        return report_package(report)
    except NotApproved as exc:
        raise ExportRefused(str(exc)) from None


EXPORTERS: dict[str, Callable[[Report], bytes]] = {
    ".docx": export_docx,
    ".html": export_html,
    ".zip": export_package,
}
