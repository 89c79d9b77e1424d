"""Reading a report document from a file, by its extension.

`READERS` maps an extension to a function path -> valid document (DocumentError otherwise);
anything not listed is read as the JSON interchange document. Add a format with one line.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from ..document import DocumentError, load_file
from ..pdf.archival import read_embedded_document
from ..safe_input import MAX_PDF_BYTES, InputFileError, read_file
from .xlsx import read_workbook_file, read_workbook_file_source


def read_pdf_file(path: str) -> dict:
    """The document an approved PDF of this app carries as its `report.json`."""
    try:
        raw = read_file(path, limit=MAX_PDF_BYTES, what="定稿 PDF")
    except InputFileError as exc:
        raise DocumentError([("", exc.message)]) from None
    return read_embedded_document(raw)


READERS: dict[str, Callable[[str], dict]] = {
    ".xlsx": read_workbook_file,
    ".pdf": read_pdf_file,
}


def read_document(path: str) -> dict:
    """The valid document in the file at `path`, read according to its extension."""
    return READERS.get(os.path.splitext(path)[1].lower(), load_file)(path)


def read_document_and_origin(path: str) -> tuple[dict, str]:
    """`read_document`, with the agency whose report the file was exported from when the file
    records it (a workbook exported from a report); "" when it does not."""
    if os.path.splitext(path)[1].lower() == ".xlsx":
        source = read_workbook_file_source(path)
        return source.document, source.exported_from
    return read_document(path), ""
