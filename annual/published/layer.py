"""A PDF page's text layer and visible rules, taken through pdfium (pypdfium2, which pdfplumber
itself depends on) in the shapes pdfplumber's table finder and text-line grouping take.

pdfminer, under pdfplumber, tokenises every content stream in Python: it was 70 to 90 % of the
time of reading a report (0.7 to 6 s a report). pdfium parses the page in C; what is left in
Python is a loop over the page's characters and path segments.
"""

from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass, field

# PDFium may not be called from two threads at once, not even on different documents (a crash
# or a corrupted process, pypdfium2's documentation says); a threaded web server or worker
# reading two uploads together must take turns.
PDFIUM_LOCK = threading.Lock()

# A segment closer to axis-parallel than this (points) is a rule; anything slanted is not.
AXIS_TOLERANCE = 0.5


@dataclass
class PageLayer:
    """What pdfplumber's TableFinder and Table.extract read of a page: its box, characters and
    edges (dicts with pdfplumber's keys)."""

    bbox: tuple[float, float, float, float]
    chars: list[dict] = field(default_factory=list)
    edges: list[dict] = field(default_factory=list)

    def without(self, boxes: list[tuple[float, float, float, float]]) -> list[dict]:
        """The characters whose centre is outside every box."""
        return [c for c in self.chars if not any(centre_in(c, box) for box in boxes)]


def centre_in(char: dict, box: tuple[float, float, float, float]) -> bool:
    x0, top, x1, bottom = box
    return x0 <= (char["x0"] + char["x1"]) / 2 <= x1 and top <= (char["top"] + char["bottom"]) / 2 <= bottom


def _chars(textpage, raw, height: float) -> list[dict]:
    count = raw.FPDFText_CountChars(textpage)
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
    rect, matrix = raw.FS_RECTF(), raw.FS_MATRIX()
    chars = []
    for i in range(count):
        code = raw.FPDFText_GetUnicode(textpage, i)
        # Characters pdfium makes up (a space or line break it infers) are not printed.
        if raw.FPDFText_IsGenerated(textpage, i) == 1 or code in (0, 0xFFFE, 0xFFFF) or code in (10, 13):
            continue
        try:
            text = chr(code)
        except ValueError:
            continue
        # Across: the loose box (the glyph's advance, like pdfminer's), unless the font's
        # metrics make it absurd (200 points for one character of 10): then the glyph's own box.
        raw.FPDFText_GetCharBox(textpage, i, left, right, bottom, top)
        box = (left.value, right.value, bottom.value, top.value)
        if raw.FPDFText_GetLooseCharBox(textpage, i, rect) and _plausible(
            (rect.left, rect.right, rect.bottom, rect.top)
        ):
            box = (rect.left, rect.right, rect.bottom, rect.top)
        x0, x1 = min(box[0], box[1]), max(box[0], box[1])
        # Down: one font-size high on the baseline, so the characters of a printed line share
        # their top whatever their glyphs (a 「一」 is a thin stroke; fonts without metrics give
        # pdfium no loose box at all).
        raw.FPDFText_GetMatrix(textpage, i, matrix)
        size = raw.FPDFText_GetFontSize(textpage, i) * abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
        if 0 < size <= MAX_CHAR_EXTENT and raw.FPDFText_GetCharOrigin(textpage, i, origin_x, origin_y):
            y_top = height - origin_y.value - ASCENT * size
        else:
            y_top, size = height - max(box[2], box[3]), abs(box[3] - box[2])
        y_bottom = y_top + size
        chars.append(
            {
                "object_type": "char",
                "text": text,
                "x0": x0,
                "x1": x1,
                "top": y_top,
                "bottom": y_bottom,
                "doctop": y_top,
                "width": x1 - x0,
                "height": y_bottom - y_top,
                "size": size,
                "upright": True,
            }
        )
    return chars


# The share of the font size above the baseline of a CJK font's em box.
ASCENT = 0.88
# A report's largest characters (its title) are about 22 points tall and wide.
MAX_CHAR_EXTENT = 48.0


def _plausible(loose) -> bool:
    """Whether a loose character box is one character's, not an error of its font's metrics."""
    return abs(loose[1] - loose[0]) <= MAX_CHAR_EXTENT and abs(loose[3] - loose[2]) <= MAX_CHAR_EXTENT


def _white(rgb: tuple[int, int, int]) -> bool:
    return min(rgb) >= 253


def _matrix(raw, obj) -> tuple[float, float, float, float, float, float]:
    m = raw.FS_MATRIX()
    if not raw.FPDFPageObj_GetMatrix(obj, m):
        return (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _compose(inner, outer):
    """The matrix applying `inner`, then `outer` (PDF row-vector convention)."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _visible(raw, obj) -> bool:
    """Whether a path draws anything one sees: stroked, or filled in a colour other than paper
    white. WPS paints a white, unstroked box behind every printed line of a paragraph; their
    edges would make a page of text a one-column table."""
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    if not raw.FPDFPath_GetDrawMode(obj, ctypes.byref(fill_mode), ctypes.byref(stroke)):
        return False
    if stroke.value:
        return True
    if not fill_mode.value:
        return False
    r, g, b, a = (ctypes.c_uint() for _ in range(4))
    if not raw.FPDFPageObj_GetFillColor(obj, r, g, b, a):
        return True
    return a.value > 0 and not _white((r.value, g.value, b.value))


def _edges_of(raw, obj, matrix, height: float, out: list[dict]) -> None:
    """The axis-parallel straight segments of a path, in page coordinates (top-down)."""
    a, b, c, d, e, f = matrix
    x, y = ctypes.c_float(), ctypes.c_float()
    start = previous = None
    for i in range(raw.FPDFPath_CountSegments(obj)):
        segment = raw.FPDFPath_GetPathSegment(obj, i)
        if not raw.FPDFPathSegment_GetPoint(segment, x, y):
            continue
        point = (a * x.value + c * y.value + e, height - (b * x.value + d * y.value + f))
        kind = raw.FPDFPathSegment_GetType(segment)
        if kind == raw.FPDF_SEGMENT_MOVETO:
            start = previous = point
            continue
        if kind == raw.FPDF_SEGMENT_LINETO and previous is not None:
            _add_edge(previous, point, out)
        previous = point
        if raw.FPDFPathSegment_GetClose(segment) and start is not None:
            _add_edge(point, start, out)
            previous = start


def edge(orientation: str, x0: float, x1: float, top: float, bottom: float) -> dict:
    """A rule as pdfplumber's table finder takes it."""
    return {
        "object_type": "line",
        "orientation": orientation,
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "width": x1 - x0,
        "height": bottom - top,
    }


def _add_edge(p: tuple[float, float], q: tuple[float, float], out: list[dict]) -> None:
    (x0, y0), (x1, y1) = p, q
    if abs(y0 - y1) <= AXIS_TOLERANCE and abs(x0 - x1) > AXIS_TOLERANCE:
        y = (y0 + y1) / 2
        out.append(edge("h", min(x0, x1), max(x0, x1), y, y))
    elif abs(x0 - x1) <= AXIS_TOLERANCE and abs(y0 - y1) > AXIS_TOLERANCE:
        x = (x0 + x1) / 2
        out.append(edge("v", x, x, min(y0, y1), max(y0, y1)))


def _walk(raw, parent, count, get, matrix, height: float, out: list[dict], depth: int) -> None:
    for i in range(count(parent)):
        obj = get(parent, i)
        kind = raw.FPDFPageObj_GetType(obj)
        if kind == raw.FPDF_PAGEOBJ_PATH:
            if _visible(raw, obj):
                _edges_of(raw, obj, _compose(_matrix(raw, obj), matrix), height, out)
        elif kind == raw.FPDF_PAGEOBJ_FORM and depth < 8:
            inner = _compose(_matrix(raw, obj), matrix)
            _walk(raw, obj, raw.FPDFFormObj_CountObjects, raw.FPDFFormObj_GetObject, inner, height, out, depth + 1)


def page_layer(page) -> PageLayer:
    """The layer of a pypdfium2 PdfPage."""
    import pypdfium2.raw as raw  # type: ignore[import-untyped]

    width, height = page.get_size()
    textpage = page.get_textpage()
    try:
        chars = _chars(textpage.raw, raw, height)
    finally:
        textpage.close()
    edges: list[dict] = []
    identity = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    _walk(raw, page.raw, raw.FPDFPage_CountObjects, raw.FPDFPage_GetObject, identity, height, edges, 0)
    return PageLayer((0.0, 0.0, float(width), float(height)), chars, edges)
