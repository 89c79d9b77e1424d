"""A published report's PDF (made by WPS, Word, LibreOffice or another system) read through its
text layer (pdfium, `layer`): the tables as grids (pdfplumber's table finder over the page's
visible rules), the rest as lines."""

from __future__ import annotations

import io
import unicodedata

from .layer import PDFIUM_LOCK, PageLayer, centre_in, edge, page_layer
from .narrative import Line
from .tables import Grid, GridCell, Where

# A report is a few pages; a file this long is something else, or a bomb.
MAX_PAGES = 60
# Characters on one page of a report: about 800. Far more is not a report page.
MAX_CHARS_PER_PAGE = 20_000
# A report page's drawing instructions (content streams and the forms they draw) decompress to
# some tens of kilobytes; a page past this is a decompression bomb, refused before pdfplumber
# inflates it into memory.
MAX_PAGE_CONTENT_BYTES = 4 * 1024 * 1024


# Chromium (Skia) and some WPS versions map CJK glyphs in their text layer to the Kangxi and
# supplementary radicals (⼈ U+2F08 for 人): they look the same and mean the character. Each one
# is read as the ideograph NFKC makes of it; nothing else of the text is normalised.
_RADICALS = {cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0x2E80, 0x2FE0)}
_RADICALS = {cp: text for cp, text in _RADICALS.items() if text != chr(cp)}


def ideographs(text: str) -> str:
    return text.translate(_RADICALS)


class NotReadable(Exception):
    """The PDF cannot be read as a published report; the message (Chinese) says why."""


def _box(box) -> tuple[float, float, float, float]:
    x0, top, x1, bottom = box
    return float(x0), float(top), float(x1), float(bottom)


def _open_ends(edges: list[dict]) -> list[dict]:
    """Horizontal rules closing a table where the page cuts it: WPS draws no rule at the foot
    of a table that goes on over the page (nor over its top on the next page), so pdfplumber
    would drop the last row (and the header cell) the vertical rules still enclose. Only the
    page's lowest and highest ends of vertical rules are looked at (a page break cuts a table
    there and nowhere else): where two or more end together with no horizontal rule across
    them, one is added."""
    verticals = [e for e in edges if e["orientation"] == "v" and e["height"] > 5]
    if len(verticals) < 2:
        return []
    horizontals = [e for e in edges if e["orientation"] == "h"]
    added = []
    for y in (max(e["bottom"] for e in verticals), min(e["top"] for e in verticals)):
        ending = [e for e in verticals if abs(e["bottom"] - y) <= 1 or abs(e["top"] - y) <= 1]
        if len(ending) < 2:
            continue
        x0, x1 = min(e["x0"] for e in ending), max(e["x1"] for e in ending)
        covered = sum(max(0.0, min(h["x1"], x1) - max(h["x0"], x0)) for h in horizontals if abs(h["top"] - y) <= 2)
        if covered < (x1 - x0) - 2:
            added.append(edge("h", x0, x1, y, y))
    return added


def _encrypted(raw: bytes) -> bool:
    from pypdf import PdfReader

    try:
        return PdfReader(io.BytesIO(raw)).is_encrypted
    except Exception:  # not a PDF pypdf can open: pdfplumber's reading says why
        return False


def _inflated_size(stream, limit: int) -> int:
    """The decoded size of a pikepdf stream, or `limit` + 1 once it passes `limit`, found
    without ever holding more than `limit` bytes of it."""
    import zlib

    import pikepdf

    filters = stream.get("/Filter")
    names = [str(f) for f in filters] if isinstance(filters, pikepdf.Array) else [str(filters)] if filters else []
    data = stream.read_raw_bytes()
    if not names:
        return len(data)
    if names == ["/FlateDecode"] and "/DecodeParms" not in stream:
        inflater = zlib.decompressobj()
        size = 0
        chunk = inflater.decompress(data, 64 * 1024)
        while chunk:
            size += len(chunk)
            if size > limit:
                return limit + 1
            chunk = inflater.decompress(inflater.unconsumed_tail, 64 * 1024)
        return size
    # Other filter chains are rare in reports; a small encoded stream cannot become a bomb.
    if len(data) * 1000 > limit:
        return limit + 1
    return len(stream.read_bytes())


def _page_streams(page):
    import pikepdf

    contents = page.obj.get("/Contents")
    if isinstance(contents, pikepdf.Array):
        yield from contents
    elif contents is not None:
        yield contents
    xobjects = page.obj.get("/Resources", {}).get("/XObject", {})
    for key in list(xobjects.keys())[:200]:
        xobject = xobjects[key]
        if isinstance(xobject, pikepdf.Stream) and xobject.get("/Subtype") == "/Form":
            yield xobject


def guard(raw: bytes) -> None:
    """Refuse, cheaply and before any page is parsed, a PDF that is too long, encrypted or
    whose pages decompress to far more than a report page (a PDF bomb)."""
    import pikepdf

    try:
        pdf = pikepdf.open(io.BytesIO(raw))
    except pikepdf.PasswordError:
        raise NotReadable("PDF 已加密，无法读取") from None
    except Exception as exc:  # damaged files raise many kinds: a message, never a traceback
        raise NotReadable(f"不是可读取的 PDF 文件（{type(exc).__name__}）") from None
    with pdf:
        if pdf.is_encrypted:
            raise NotReadable("PDF 已加密，无法读取")
        count = len(pdf.pages)
        if count > MAX_PAGES:
            raise NotReadable(f"PDF 有 {count} 页，超过 {MAX_PAGES} 页：不像一份年度报告")
        for number, page in enumerate(pdf.pages, start=1):
            left = MAX_PAGE_CONTENT_BYTES
            try:
                for stream in _page_streams(page):
                    left -= _inflated_size(stream, left)
                    if left < 0:
                        break
            except Exception as exc:
                raise NotReadable(f"第 {number} 页的内容无法解析（{type(exc).__name__}）") from None
            if left < 0:
                raise NotReadable(
                    f"第 {number} 页的内容解压后超过 {MAX_PAGE_CONTENT_BYTES // (1024 * 1024)} MB，"
                    "不像年度报告的一页（可能是恶意构造的文件），已拒绝读取"
                )


def _grids(layer: PageLayer, number: int) -> tuple[list[Grid], list[tuple[float, float, float, float]]]:
    """The page's tables as grids (pdfplumber's table finder over the page's rules) and their
    boxes."""
    from pdfplumber.table import Table, TableFinder, TableSettings

    settings = TableSettings.resolve({"explicit_horizontal_lines": _open_ends(layer.edges)})
    tables = TableFinder(layer, settings).tables  # type: ignore[arg-type]  # reads bbox, chars, edges
    grids: list[Grid] = []
    for table in tables:
        # Each row's text is found among the page's characters: among the table's own, it is
        # found the same, without scanning the whole page once per row.
        box = _box(table.bbox)
        own = PageLayer(box, [c for c in layer.chars if centre_in(c, box)])
        texts = Table(own, table.cells).extract()  # type: ignore[arg-type]
        grid: Grid = []
        for row, row_texts in zip(table.rows, texts, strict=False):
            grid.append(
                [
                    None if box is None else GridCell(ideographs(text or ""), Where(number, _box(box)))
                    for box, text in zip(row.cells, row_texts, strict=False)
                ]
            )
        grids.append(grid)
    return grids, [_box(t.bbox) for t in tables]


def _lines(chars: list[dict], layer: PageLayer, number: int) -> list[Line]:
    from pdfplumber.utils.text import chars_to_textmap

    x0, top, x1, bottom = layer.bbox
    textmap = chars_to_textmap(chars, layout_bbox=layer.bbox, layout_width=x1 - x0, layout_height=bottom - top)
    lines = []
    for ln in textmap.extract_text_lines(strip=True, return_chars=True):
        size = max((c.get("size", 0) for c in ln["chars"]), default=0)
        lines.append(Line(number, ln["x0"], ln["x1"], ln["top"], round(size, 1), ideographs(ln["text"])))
    return lines


def _layers(raw: bytes) -> list[PageLayer]:
    """Every page's characters and rules, taken from pdfium under its lock."""
    import pypdfium2 as pdfium  # type: ignore[import-untyped]

    with PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(raw)
        except pdfium.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise NotReadable("PDF 已加密，无法读取") from None
            raise NotReadable(f"不是可读取的 PDF 文件（{exc}）") from None
        try:
            count = len(pdf)
            if count > MAX_PAGES:
                raise NotReadable(f"PDF 有 {count} 页，超过 {MAX_PAGES} 页：不像一份年度报告")
            layers = []
            for number in range(count):
                page = pdf[number]
                try:
                    layer = page_layer(page)
                finally:
                    page.close()
                if len(layer.chars) > MAX_CHARS_PER_PAGE:
                    raise NotReadable(f"第 {number + 1} 页有 {len(layer.chars)} 个字符，不像年度报告的一页")
                layers.append(layer)
            return layers
        finally:
            pdf.close()


def read_pdf(raw: bytes) -> tuple[list[Grid], list[Line], int]:
    """(table grids, lines outside the tables, page count) of a PDF's text layer."""
    if _encrypted(raw):
        raise NotReadable("PDF 已加密，无法读取")
    guard(raw)
    grids: list[Grid] = []
    lines: list[Line] = []
    try:
        layers = _layers(raw)
        for number, layer in enumerate(layers, start=1):
            page_grids, boxes = _grids(layer, number)
            grids += page_grids
            lines += _lines(layer.without(boxes), layer, number)
        if not any(layer.chars for layer in layers):
            raise NotReadable("扫描件，没有可读取的文字")
    except NotReadable:
        raise
    except Exception as exc:  # a damaged page: say so, never a traceback
        raise NotReadable(f"PDF 内容无法解析（{type(exc).__name__}）") from None
    return grids, lines, len(layers)
