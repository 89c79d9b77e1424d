"""What the management commands share: reading a document or failing with exit code 2."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.management.base import CommandError

from . import template_spec as spec
from .document import DocumentError
from .imports import read_document, read_document_and_origin

INVALID_DOCUMENT = 2
T = TypeVar("T")


def load_document_or_exit(path: str) -> dict:
    """The valid document in the file at `path` (read by its extension: `annual.imports.READERS`);
    otherwise a CommandError (exit 2) naming each bad path or 「sheet」!cell."""
    return _or_exit(path, lambda p: _template_fits(read_document(p)))


def load_document_and_origin_or_exit(path: str) -> tuple[dict, str]:
    """`load_document_or_exit`, with the agency the file was exported from, if it says
    (`annual.imports.read_document_and_origin`)."""

    def read(p: str) -> tuple[dict, str]:
        doc, origin = read_document_and_origin(p)
        return _template_fits(doc), origin

    return _or_exit(path, read)


def _template_fits(doc: dict) -> dict:
    """A file whose template is not its year's is refused: the format allows both values, but
    a report has one template by its year (spec.TEMPLATE_RULE)."""
    problem = spec.template_year_mismatch(doc["year"], doc["template"])
    if problem:
        raise DocumentError([("template", problem)])
    return doc


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
