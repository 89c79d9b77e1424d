"""The official-layout PDF of a report document.

`render_html` builds the exact HTML of the printed report from a document (pure: no database);
`render_pdf` hands it to WeasyPrint. Only `render.py` imports WeasyPrint, lazily, so importing
this package stays cheap for code that never renders.
"""

from .context import DraftMark, RollupMark, build_context
from .html import render_html
from .render import PdfRenderError, render_archival_pdf, render_pdf

__all__ = [
    "DraftMark",
    "PdfRenderError",
    "RollupMark",
    "build_context",
    "render_archival_pdf",
    "render_html",
    "render_pdf",
]
