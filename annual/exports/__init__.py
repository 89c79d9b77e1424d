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


class ExportRefused(Exception):
    """This report cannot be exported in this format; the message says why, in Chinese."""


def current_document(report: Report) -> dict:
    return report_to_document(load_report(report.pk))


def export_json(report: Report) -> bytes:
    return dumps(current_document(report)).encode("utf-8")


def export_xlsx(report: Report) -> bytes:
    from .. import rules
    from .xlsx import workbook_bytes

    doc = current_document(report)
    return workbook_bytes(doc, findings=rules.check_document(doc, previous_document(report.agency.name, report.year)))


EXPORTERS: dict[str, Callable[[Report], bytes]] = {
    ".json": export_json,
    ".xlsx": export_xlsx,
}
