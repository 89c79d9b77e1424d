"""HTML to PDF with WeasyPrint: the only module that imports it.

WeasyPrint would otherwise fetch any URL a document names. Text is escaped before it gets
here, so the print HTML names only our stylesheet; the fetcher still refuses everything else
(other `file://` paths, `http(s)://`, `data:`) as a second wall.
"""

from __future__ import annotations

import atexit
import datetime
import hashlib
import json
import logging
import os
import shutil
import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import paginate, tags
from .archival import EmbeddedFile, document_attachment, write_options
from .context import DraftMark, build_context
from .html import ASSET_DIR, STYLESHEET, render_html

logger = logging.getLogger(__name__)


class PdfRenderError(Exception):
    """The PDF could not be rendered; the message is safe to show to a user."""


def asset_path(url: str) -> Path | None:
    """The file `url` names if it is a file:// URL of an existing file inside ASSET_DIR, else None.

    The path is resolved (symlinks, `..`) before the check, so no spelling escapes the folder.
    """
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        return None
    try:
        path = Path(unquote(parts.path)).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    root = ASSET_DIR.resolve()
    if not path.is_file() or not path.is_relative_to(root):
        return None
    return path


_CONTENT_TYPES = {
    ".css": "text/css",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".png": "image/png",
    ".svg": "image/svg+xml",
}


def _content_type(path: Path) -> str:
    return _CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")


@cache
def _load_weasyprint() -> None:
    """Import WeasyPrint (first use in a process), with the quick library lookup."""
    from .speedups import quick_library_lookup  # noqa: PLC0415

    with quick_library_lookup():
        import weasyprint  # noqa: F401, PLC0415


@cache
def _fetcher_class():
    # Built on first use: importing WeasyPrint costs half a second, which a web worker that
    # never renders (or check_report) should not pay.
    _load_weasyprint()
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AssetOnlyFetcher(URLFetcher):
        """Serves files under ASSET_DIR and refuses every other URL."""

        def fetch(self, url, headers=None):
            path = asset_path(url)
            if path is None:
                raise ValueError(f"refused to fetch {url[:200]!r}: only the app's print assets are served")
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": _content_type(path)})

    return AssetOnlyFetcher


def url_fetcher():
    """A WeasyPrint URL fetcher that serves only the app's print assets."""
    return _fetcher_class()()


_local = threading.local()


def _font_config():
    # One per thread, kept: WeasyPrint loads the @font-face files (6 MB) into a font
    # configuration once and reuses them, instead of re-reading them on every render.
    # Per thread because fontconfig objects are not safe to share between threads.
    if getattr(_local, "font_config", None) is None:
        _load_weasyprint()
        from weasyprint.text.fonts import FontConfiguration

        _local.font_config = FontConfiguration()
        _font_configs[_local.font_config] = os.getpid()
    return _local.font_config


# Kept font configurations each hold a temporary folder of @font-face files, which WeasyPrint
# removes in `__del__`; at interpreter exit that runs after `shutil` is gone, so the folder
# stayed in /tmp and "Exception ignored in FontConfiguration.__del__" was printed. Removed here
# while the interpreter is still whole, by the process that made them (a forked batch worker
# that exits through atexit must not take its parent's fonts).
_font_configs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@atexit.register
def _remove_font_folders() -> None:
    for config, pid in list(_font_configs.items()):
        if pid == os.getpid() and config._folder:
            shutil.rmtree(config._folder, ignore_errors=True)
            config._folder = None


def _stylesheets():
    # The print stylesheet, parsed once per thread and handed to every render, instead of
    # WeasyPrint fetching and parsing the <link> each time (about 10 ms of a 0.4 s render).
    # Parsing it registers its @font-face rules in this thread's font configuration. The faces
    # built on the machine (the 仿宋) are declared only where their file exists, so a machine
    # without them falls back along the font chain without a warning on every render.
    if getattr(_local, "stylesheets", None) is None:
        _load_weasyprint()
        from weasyprint import CSS  # noqa: PLC0415 - WeasyPrint only in a process that prints

        # Late: fontTools (which builds the local faces) is needed only once the stylesheet is made.
        from .build_fonts import LOCAL_FACE_FILES, LOCAL_FACES  # noqa: PLC0415

        sheets = [CSS(url=STYLESHEET.resolve().as_uri(), url_fetcher=url_fetcher(), font_config=_font_config())]
        faces = "".join(
            f'@font-face {{ font-family: "{name}"; src: url({path.resolve().as_uri()}); }}'
            for (_, _, _, name, _), path in zip(LOCAL_FACES, LOCAL_FACE_FILES)
            if path.exists()
        )
        if faces:
            sheets.append(CSS(string=faces, url_fetcher=url_fetcher(), font_config=_font_config()))
        _local.stylesheets = sheets
    return _local.stylesheets


def layout(html: str):
    """WeasyPrint's laid-out document (pages of boxes) of print HTML, in the print style."""
    _load_weasyprint()
    from weasyprint import HTML  # noqa: PLC0415 - WeasyPrint only in a process that prints

    # Late: all four patch WeasyPrint's internals, so they load with it, never before.
    from . import glyphs, justify, spans, speedups  # noqa: PLC0415

    justify.install()
    spans.install()
    speedups.install()
    glyphs.install()
    document = HTML(string=html, base_url=ASSET_DIR.resolve().as_uri() + "/", url_fetcher=url_fetcher())
    return document.render(stylesheets=_stylesheets(), font_config=_font_config())


def warm() -> None:
    """Load WeasyPrint, its patches, the fonts and the print stylesheet in this thread now, so
    that processes forked from it start warm (batch.py)."""
    layout("<p>政府信息公开</p>")


def html_to_pdf(html: str, **options) -> bytes:
    """PDF bytes of print HTML from `render_html(..., link_stylesheet=False)`, in the print style.

    `options` go to WeasyPrint's `write_pdf` (the archival variant's, from `archival.py`).
    """
    return layout(html).write_pdf(**options)


# The breaks decided before layout (paginate.kept_rows) hold for most documents, which are then
# laid out once. Where they cannot (a table too tall for the rows its labels need, a heading left
# at a page foot), the document is laid out again without them, in passes as before: a table that
# opens with one or two rows at a page foot is moved to the next page; a table cut inside a
# merged cell is split, as is one whose last page would hold one or two rows, and a split can
# move rows, so another may follow.
MAX_PASSES = 5


# What was decided for a document is kept (per process, the most recent ones): the same
# document printed again (its drafts, the approved copy, a batch, a re-render) starts from it and
# is laid out once. ONE_LAYOUT: the breaks decided before layout held; otherwise the splits the
# passes reached, a fixed point that the first pass of the next render checks as any pass does.
# A draft's watermark and footer stand outside the flow.
DECIDED_KEPT = 256
ONE_LAYOUT = "one layout"
_decided: OrderedDict[str, dict[str, list[int]] | str] = OrderedDict()
_decided_lock = threading.Lock()


def _decided_key(doc: dict, title: str | None) -> str:
    text = json.dumps([doc, title], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _remember(decided: str, outcome: dict[str, list[int]] | str) -> None:
    with _decided_lock:
        _decided[decided] = outcome
        _decided.move_to_end(decided)
        while len(_decided) > DECIDED_KEPT:
            _decided.popitem(last=False)


def _tables(doc: dict, splits: dict[str, list[int]], *, keep: bool) -> dict:
    return {s.table.key: s.table for s in build_context(doc, splits=splits, keep=keep)["sections"] if s.table}


def layout_report(doc: dict, *, title: str | None = None, draft: DraftMark | None = None):
    """The laid-out report: a table never opens with fewer than three rows at a page foot (it
    starts the next page) nor ends with fewer on its last page, and a merged label cell cut by a
    page break prints whole on both pages, each part with room for its label."""
    decided = _decided_key(doc, title)
    with _decided_lock:
        known = _decided.get(decided)
    if not isinstance(known, dict):
        document = layout(render_html(doc, title=title, draft=draft, link_stylesheet=False, keep=True))
        if known == ONE_LAYOUT or paginate.sound(document, _tables(doc, {}, keep=True)):
            _remember(decided, ONE_LAYOUT)
            return document
        splits: dict[str, list[int]] = {}
    else:
        splits = {table: list(rows) for table, rows in known.items()}
    document = layout(render_html(doc, title=title, draft=draft, link_stylesheet=False, splits=splits, keep=False))
    for _ in range(MAX_PASSES - 1):
        stranded = [key for key in paginate.stranded_tables(document) if 0 not in splits.get(key, [])]
        added = bool(stranded)
        if stranded:
            # Row 0 opening a page starts the table's section on it (context.py); every break
            # found so far moves with it.
            splits = {key: [0] for key, indexes in splits.items() if 0 in indexes}
            splits.update({key: [0] for key in stranded})
        else:
            tables = _tables(doc, splits, keep=False)
            heights = paginate.row_heights(document)
            for key, first_rows in paginate.page_first_rows(document).items():
                for index in paginate.spanned_breaks(tables[key], first_rows):
                    index = paginate.adjusted_break(tables[key], index, heights)
                    if index and index not in splits.get(key, []):
                        splits.setdefault(key, []).append(index)
                        added = True
            for key, index in paginate.widowed_breaks(document, tables).items():
                # The break now opens the last page: any later one (the split that opened it)
                # would leave the rows in between a page of their own.
                splits[key] = sorted({i for i in splits.get(key, []) if i < index} | {index})
                added = True
        if not added:
            _remember(decided, splits)
            break
        document = layout(render_html(doc, title=title, draft=draft, link_stylesheet=False, splits=splits, keep=False))
    return document


def render_pdf(doc: dict, *, title: str | None = None, draft: DraftMark | None = None) -> bytes:
    """The official-layout PDF of a valid document.

    `title` defaults to 「<agency><year>年度政府信息公开工作年度报告」; `draft` (a DraftMark)
    prints the 「草稿」 watermark and the footer, None prints the final copy. Any failure is
    logged with its traceback and raised as PdfRenderError with a message fit for a user.
    """
    return _write(doc, title=title, draft=draft)


def render_archival_pdf(
    doc: dict, *, title: str | None = None, extra_files: Sequence[EmbeddedFile] = (), moment: datetime.datetime
) -> bytes:
    """The final copy as an archival PDF/A-3a: tagged, carrying `doc` as `report.json` and
    `extra_files` (the workbook), their attachment dates set to `moment` (the approval); split
    tables joined again in the tag tree and the file saved compactly (tags.py)."""
    return tags.finish(
        _write(doc, title=title, draft=None, **write_options([document_attachment(doc), *extra_files], moment=moment))
    )


def _write(doc: dict, *, title: str | None, draft: DraftMark | None, **options) -> bytes:
    try:
        return layout_report(doc, title=title, draft=draft).write_pdf(**options)
    except Exception as exc:  # WeasyPrint, Pango or fontTools: the user gets a message, the log the rest
        logger.exception("PDF rendering failed for %s %s", doc.get("agency"), doc.get("year"))
        raise PdfRenderError("生成 PDF 失败，请稍后重试或联系管理员。") from exc
