"""The Chinese name of any document path (a cell, a header fact, a text section): plain data
from the template spec, on the ground floor, for the audit trail, the comment form and the
workbook's rule sheet alike."""

from __future__ import annotations

from . import template_spec as spec

TEXT_LABELS = spec.TEXT_LABELS
META_LABELS = dict(spec.META_FIELDS)
CONTACT_LABELS = dict(spec.CONTACT_FIELDS)


def describe_path(version: str, path: str) -> str:
    """The Chinese name of any document path: a cell, a header fact, a text section."""
    parts = path.split(".")
    if parts[0] in TEXT_LABELS and len(parts) == 1:
        return TEXT_LABELS[parts[0]]
    if parts[0] in spec.SECTIONS_BY_KEY and len(parts) == 1:
        return spec.SECTIONS_BY_KEY[parts[0]].heading
    if parts[0] == "meta" and len(parts) == 2:
        return META_LABELS.get(parts[1], parts[1])
    if parts[:2] == ["meta", "contact"] and len(parts) == 3:
        return CONTACT_LABELS.get(parts[2], parts[2])
    try:
        return spec.describe_cell(version, path)
    except KeyError:  # a row of the other template version, seen in old history
        return path
