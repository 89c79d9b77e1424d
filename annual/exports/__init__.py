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


def export_html(report: Report) -> bytes:
    from .html import page_bytes

    return page_bytes(current_document(report), title=report.display_title)


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
