"""What the management commands share: reading a document or failing with exit code 2."""

from __future__ import annotations

from django.core.management.base import CommandError

from .document import DocumentError, parse
from .pdf.archival import is_pdf, read_embedded_document

INVALID_DOCUMENT = 2


def read_document(path: str) -> dict:
    """The valid document in the file at `path`: a `.json` document, or the `report.json` an
    approved PDF of this app carries. DocumentError otherwise."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise DocumentError([("", f"无法读取文件 {path}：{exc.strerror}")]) from None
    if is_pdf(raw):
        return read_embedded_document(raw)
    return parse(raw)


def load_document_or_exit(path: str) -> dict:
    """The valid document at `path`; otherwise a CommandError (exit 2) naming each bad path."""
    try:
        return read_document(path)
    except DocumentError as exc:
        lines = exc.lines()
        shown = lines[:50]
        if len(lines) > len(shown):
            shown.append(f"……另有 {len(lines) - len(shown)} 处问题未列出")
        raise CommandError(f"{path} 不是有效的年度报告文档：\n  " + "\n  ".join(shown),
                           returncode=INVALID_DOCUMENT) from None
