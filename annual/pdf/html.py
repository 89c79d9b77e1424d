"""The exact HTML handed to WeasyPrint, from a report document (no database, no WeasyPrint)."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path

from django.template import Context, Engine

from ..formatting import Paragraph, breakable
from .context import DraftMark, build_context

TEMPLATE = "pdf/report.html"
TEMPLATE_DIR = Path(__file__).resolve().parent.parent.parent / "templates"
# The app's own print assets: the stylesheet and the fonts. They live beside the renderer, not
# in the static files: no browser needs them, and the web server must not publish 9 MB of fonts.
# WeasyPrint's URL fetcher (render.py) serves files from this directory and nothing else; the
# HTML links them by absolute file URL so that the same HTML, written out by
# `render_report -o OUT.html`, also prints in a browser on this machine.
ASSET_DIR = Path(__file__).resolve().parent / "assets"
STYLESHEET = ASSET_DIR / "report.css"


@cache
def _engine() -> Engine:
    # The print templates need only Django's built-in tags. The project's engine, on first use,
    # imports every installed app's template tag library: 30 ms of a cold `render_report`,
    # where it serves nothing else. Like it, this one escapes (autoescape) and caches templates.
    return Engine(dirs=[TEMPLATE_DIR], autoescape=True)


def render_html(
    doc: dict,
    *,
    title: str | None = None,
    draft: DraftMark | None = None,
    link_stylesheet: bool = True,
    splits: dict[str, list[int]] | None = None,
    keep: bool = True,
) -> str:
    """The print HTML of a valid document; every text is escaped by Django's autoescape.

    The HTML links STYLESHEET, so that it prints as is in a browser; `link_stylesheet=False`
    leaves the link out for `render.html_to_pdf`, which applies its own parsed copy of it.
    `splits` and `keep`: see `build_context`.
    """
    context = build_context(doc, title=title, draft=draft, splits=splits, keep=keep)
    context["intro"] = printed(context["intro"])
    context["sections"] = [replace(s, paragraphs=printed(s.paragraphs)) for s in context["sections"]]
    if link_stylesheet:
        context["stylesheet_url"] = STYLESHEET.resolve().as_uri()
    return _engine().get_template(TEMPLATE).render(Context(context, autoescape=True))


def printed(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """The paragraphs as WeasyPrint gets them: long Latin runs (URLs, e-mail addresses) may break
    at their separators instead of moving whole to the next line. Only the print: the exports
    that share the context (DOCX, HTML, text) keep the text as typed."""
    return [replace(p, text=breakable(p.text)) for p in paragraphs]


def render_print_template(name: str, context: dict) -> str:
    """Another print page (the comparison of two reports) in the same engine and print style:
    `html_to_pdf` applies the stylesheet, so the page needs no link to it."""
    return _engine().get_template(name).render(Context(context, autoescape=True))
