"""Reading a report document from a file, by its extension.

`SOURCES` maps an extension to a function path -> `Source` (DocumentError otherwise); anything
not listed is read as the JSON interchange document. Add a format with one line.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from ..document import DocumentError, load_file
from ..pdf.archival import carries_document, read_embedded_document
from ..published import NotReadable, Reading, read_published_html, read_published_pdf
from ..published.html import MAX_HTML_BYTES
from ..rules import Finding
from ..safe_input import MAX_PDF_BYTES, InputFileError, read_file


@dataclass(frozen=True)
class Source:
    """A document read from a file, and how: `published` is the reader's account (where each
    figure was printed, its warnings) when the file was a published report rather than data."""

    document: dict
    published: Reading | None = None
    raw: bytes = b""
    # The agency whose report a workbook was exported from, when it records one ("" otherwise).
    exported_from: str = ""

    @property
    def findings(self) -> list[Finding]:
        return list(self.published.warnings) if self.published else []


def _raw(path: str, limit: int, what: str) -> bytes:
    try:
        return read_file(path, limit=limit, what=what)
    except InputFileError as exc:
        raise DocumentError([("", exc.message)]) from None


def _published(read: Callable[[bytes], Reading], raw: bytes) -> Source:
    try:
        reading = read(raw)
    except NotReadable as exc:
        raise DocumentError([("", str(exc))]) from None
    return Source(reading.document, reading, raw)


def pdf_source(raw: bytes) -> Source:
    """An approved PDF of this app is read from the `report.json` it carries; any other PDF with
    a text layer as a published report. The file tells which it is, not the user."""
    if carries_document(raw):
        return Source(read_embedded_document(raw), None, raw)
    return _published(read_published_pdf, raw)


def html_source(raw: bytes) -> Source:
    return _published(read_published_html, raw)


# The published forms a report comes in, by extension: (reader of the bytes, size limit, what).
PUBLISHED_FORMS: dict[str, tuple[Callable[[bytes], Source], int, str]] = {
    ".pdf": (pdf_source, MAX_PDF_BYTES, "PDF 文件"),
    ".html": (html_source, MAX_HTML_BYTES, "网页文件"),
    ".htm": (html_source, MAX_HTML_BYTES, "网页文件"),
}


def _published_file(path: str) -> Source:
    read, limit, what = PUBLISHED_FORMS[os.path.splitext(path)[1].lower()]
    return read(_raw(path, limit, what))


def _workbook(path: str) -> Source:
    # Late: openpyxl (and numpy under it) take 0.25 s to load, which every command reading JSON
    # (render_report, check_report) paid before it could start.
    from .xlsx import read_workbook_file_source  # noqa: PLC0415

    workbook = read_workbook_file_source(path)
    return Source(workbook.document, exported_from=workbook.exported_from)


SOURCES: dict[str, Callable[[str], Source]] = {
    ".xlsx": _workbook,
    **{ext: _published_file for ext in PUBLISHED_FORMS},
}


def read_source(path: str) -> Source:
    """The valid document in the file at `path`, read according to its extension."""
    reader = SOURCES.get(os.path.splitext(path)[1].lower())
    return reader(path) if reader else Source(load_file(path))


def read_document(path: str) -> dict:
    return read_source(path).document
