"""What the management commands share: reading a document or failing with exit code 2."""

from __future__ import annotations

from django.core.management.base import CommandError

from .document import DocumentError
from .imports import Source, read_source

INVALID_DOCUMENT = 2


def load_document_or_exit(path: str) -> dict:
    """The valid document in the file at `path` (read by its extension: `annual.imports.SOURCES`);
    otherwise a CommandError (exit 2) naming each bad path or 「sheet」!cell."""
    return load_source_or_exit(path).document


def load_source_or_exit(path: str) -> Source:
    """`load_document_or_exit`, with how the file was read (a published report's warnings)."""
    try:
        return read_source(path)
    except DocumentError as exc:
        lines = exc.lines()
        shown = lines[:50]
        if len(lines) > len(shown):
            shown.append(f"……另有 {len(lines) - len(shown)} 处问题未列出")
        raise CommandError(
            f"{path} 不是有效的年度报告文档：\n  " + "\n  ".join(shown), returncode=INVALID_DOCUMENT
        ) from None
