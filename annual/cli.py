"""What the management commands share: reading a document or failing with exit code 2."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.management.base import CommandError

from .document import DocumentError
from .imports import read_document, read_document_and_origin

INVALID_DOCUMENT = 2
T = TypeVar("T")


def load_document_or_exit(path: str) -> dict:
    """The valid document in the file at `path` (read by its extension: `annual.imports.READERS`);
    otherwise a CommandError (exit 2) naming each bad path or 「sheet」!cell."""
    return _or_exit(path, read_document)


def load_document_and_origin_or_exit(path: str) -> tuple[dict, str]:
    """`load_document_or_exit`, with the agency the file was exported from, if it says
    (`annual.imports.read_document_and_origin`)."""
    return _or_exit(path, read_document_and_origin)


def _or_exit(path: str, read: Callable[[str], T]) -> T:
    try:
        return read(path)
    except DocumentError as exc:
        lines = exc.lines()
        shown = lines[:50]
        if len(lines) > len(shown):
            shown.append(f"……另有 {len(lines) - len(shown)} 处问题未列出")
        raise CommandError(
            f"{path} 不是有效的年度报告文档：\n  " + "\n  ".join(shown), returncode=INVALID_DOCUMENT
        ) from None
