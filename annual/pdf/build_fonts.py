"""Build the print fonts in annual/pdf/assets/fonts/ from the Debian-installed Noto CJK and LXGW WenKai fonts.

    python -m annual.pdf.build_fonts            # the committed faces (OFL)
    python -m annual.pdf.build_fonts --local    # the 仿宋 face, built on each machine by ./dev

Why: WeasyPrint subsets embedded fonts but keeps every glyph id up to the highest one used;
Noto CJK has 65 000 glyphs, so each embedded face carried some 140 KB of empty slots and the
seed's PDF weighed 440 KB. These copies hold GB 2312 (6 763 characters), ASCII, Latin-1 and the
CJK and full-width punctuation, renumbered densely, so an embedded face costs only its glyphs
(seed PDF: about 200 KB). A character outside the set falls through the CSS chain to the
installed Noto face, so nothing prints as a missing glyph.

The 楷体 of the （一） headings, LXGW WenKai, is a 15 MB face of 29 000 glyphs: its GB 2312 copy
(3.5 MB) also spares each render reading and subsetting the whole installed file (seed report:
about 10 ms of a 0.4 s warm render).

Noto CJK and LXGW WenKai are under the SIL Open Font License 1.1; a subset is a Modified Version,
so it carries new names (Report Serif SC, …; no Reserved Font Name) and the licence
(annual/pdf/assets/fonts/OFL.txt).

The body's 仿宋, FandolFang, is GPL with the font exception: its copy (Report Fang SC) is not
committed but built by `./dev` on each machine from the FandolFang it installs, and ignored by git.
The print stylesheet uses it only where the file exists (render.py).

FandolFang's outlines are traced: 441 charstring operands a glyph against Noto Serif's 92, many
of them curves a unit or two long that no printer can draw, and its subset was 218 KB of the
seed's signed approved copy (325 KB against a 300 KB goal). The copy drops that detail
(`Simplifier`): a curve whose control points lie within OUTLINE_TOLERANCE of its chord becomes a
line, and consecutive lines whose inner corners lie within it of one chord become that chord.
Every new edge stays within twice the tolerance of the old outline: 2 of 1 000 units, 0.011 mm
at the 16 pt body size, half a 1 200 dpi printer dot. The subset weighs 182 KB.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.filterPen import ContourFilterPen
from fontTools.pens.t2CharStringPen import T2CharStringPen
from fontTools.ttLib import TTCollection, TTFont

FONT_DIR = Path(__file__).resolve().parent / "assets" / "fonts"  # = html.ASSET_DIR / "fonts"
NOTO = Path("/usr/share/fonts/opentype/noto")
WENKAI = Path("/usr/share/fonts/truetype/lxgw-wenkai")
FANDOL = Path("/usr/local/share/fonts/opentype/fandol")  # where ./dev installs FandolFang

NOTO_FEATURES = ("kern", "palt", "halt")
# WenKai's Latin letters have ligatures and contextual forms, on by default when shaping: kept,
# so that the copy sets text exactly as the installed face does.
WENKAI_FEATURES = ("calt", "liga")

# (source collection or font file, face to take from it, output file, the Modified Version's name,
#  OpenType layout features kept)
FACES = (
    (NOTO / "NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC", "report-serif-sc.otf", "Report Serif SC", NOTO_FEATURES),
    (
        NOTO / "NotoSerifCJK-SemiBold.ttc",
        "Noto Serif CJK SC SemiBold",
        "report-title-sc.otf",
        "Report Title SC",
        NOTO_FEATURES,
    ),
    (NOTO / "NotoSansCJK-Medium.ttc", "Noto Sans CJK SC Medium", "report-sans-sc.otf", "Report Sans SC", NOTO_FEATURES),
    (WENKAI / "LXGWWenKai-Regular.ttf", "LXGW WenKai", "report-kai-sc.ttf", "Report Kai SC", WENKAI_FEATURES),
)

LOCAL_FACES = (
    (FANDOL / "FandolFang-Regular.otf", "FandolFang", "report-fang-sc.otf", "Report Fang SC", NOTO_FEATURES),
)
# Bumped when the recipe changes, so that ./dev builds the local copy again (it is never committed).
LOCAL_BUILD = "outline-tolerance-1"
OUTLINE_TOLERANCE = 1.0  # font units (of 1 000 to the em)
LOCAL_FACE_FILES = tuple(FONT_DIR / filename for _, _, filename, _, _ in LOCAL_FACES)


def charset() -> set[int]:
    """GB 2312, ASCII, Latin-1, general and CJK punctuation, full-width forms, circled digits."""
    chars = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100))
    chars |= set(range(0x2000, 0x2070)) | set(range(0x2460, 0x2474)) | set(range(0x3000, 0x3040))
    chars |= set(range(0xFF00, 0xFFF0))
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([high, low]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return chars


def face_index(path: Path, family: str) -> int:
    if path.suffix.lower() != ".ttc":
        return -1  # a single-face file
    for index, font in enumerate(TTCollection(str(path)).fonts):
        if family in {n.toUnicode() for n in font["name"].names if n.nameID in (1, 16)}:
            return index
    raise SystemExit(f"{path} has no face named {family!r}")


def _distance(point, start, end) -> float:
    """From `point` to the segment start–end."""
    (x, y), (x1, y1), (x2, y2) = point, start, end
    dx, dy = x2 - x1, y2 - y1
    squared = dx * dx + dy * dy
    t = 0.0 if squared == 0 else max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / squared))
    return math.hypot(x - (x1 + t * dx), y - (y1 + t * dy))


class Simplifier(ContourFilterPen):
    """Draws each contour with the detail below `tolerance` font units dropped (see the module's
    docstring); contours and their start points are kept."""

    def __init__(self, out_pen, tolerance: float):
        super().__init__(out_pen)
        self.tolerance = tolerance

    def filterContour(self, contour):  # noqa: N802 (fontTools' name)
        if not contour or contour[0][0] != "moveTo" or any(op == "qCurveTo" for op, _ in contour):
            return contour
        start = point = contour[0][1][0]
        # ("line", corners so far, end) or ("curve", points)
        segments: list[tuple] = []
        for op, args in contour[1:]:
            if op == "lineTo" or (op == "curveTo" and self._flat(point, *args)):
                end = args[-1]
                last = segments[-1] if segments else None
                if last and last[0] == "line" and self._straight(last[1], last[1][0], end):
                    segments[-1] = ("line", [*last[1], end], end)
                else:
                    segments.append(("line", [point, end], end))
                point = end
            elif op == "curveTo":
                segments.append(("curve", args))
                point = args[-1]
        result = [contour[0]]
        for segment in segments:
            result.append(("lineTo", (segment[2],)) if segment[0] == "line" else ("curveTo", segment[1]))
        if result[-1] == ("lineTo", (start,)) and contour[-1][0] == "closePath":
            result.pop()  # closePath draws it
        result.append(contour[-1] if contour[-1][0] in ("closePath", "endPath") else ("endPath", ()))
        return result

    def _flat(self, start, first, second, end) -> bool:
        return _distance(first, start, end) <= self.tolerance and _distance(second, start, end) <= self.tolerance

    def _straight(self, corners, start, end) -> bool:
        return all(_distance(corner, start, end) <= self.tolerance for corner in corners[1:])


def simplify_outlines(font: TTFont, tolerance: float) -> None:
    """Redraw every CFF charstring of `font` through `Simplifier`."""
    top = font["CFF "].cff.topDictIndex[0]
    strings = top.CharStrings
    glyphs = font.getGlyphSet()
    for name in font.getGlyphOrder():
        old = strings[name]
        private = old.private
        width = font["hmtx"].metrics[name][0]
        # A charstring's width is stored against the private dict's nominal width, and left out
        # where it equals the default.
        stored = None if width == private.defaultWidthX else width - private.nominalWidthX
        pen = T2CharStringPen(stored, glyphs)
        glyphs[name].draw(Simplifier(pen, tolerance))
        strings[name] = pen.getCharString(private=private, globalSubrs=old.globalSubrs)


def build(
    source: Path, family: str, out: Path, name: str, features: tuple[str, ...], *, simplify: bool = False
) -> None:
    font = TTFont(str(source), fontNumber=face_index(source, family))
    options = subset.Options(
        retain_gids=False, hinting=False, notdef_outline=True, name_IDs=["*"], layout_features=list(features)
    )
    options.drop_tables += ["VORG", "vhea", "vmtx", "BASE", "GPOS"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=charset())
    subsetter.subset(font)
    if simplify:
        simplify_outlines(font, OUTLINE_TOLERANCE)
    for record in font["name"].names:
        if record.nameID in (1, 3, 4, 16, 21):
            record.string = name
        elif record.nameID == 6:
            record.string = name.replace(" ", "-")
        elif record.nameID == 5 and simplify:
            record.string = f"{record.toUnicode()}; {LOCAL_BUILD}"
    # Written beside and renamed: a build cut short leaves no half file for a render to read.
    partial = out.with_name(f".{out.name}.partial")
    font.save(str(partial))
    partial.replace(out)


def is_current(path: Path) -> bool:
    """Whether the local copy at `path` was built by this recipe."""
    if not path.exists():
        return False
    try:
        with path.open("rb") as handle:  # TTFont leaves a file it could not read open
            version = TTFont(handle, lazy=True)["name"].getDebugName(5) or ""
    except Exception:  # a broken or partial file is built again
        return False
    return version.endswith(f"; {LOCAL_BUILD}")


def main(argv: list[str]) -> None:
    FONT_DIR.mkdir(parents=True, exist_ok=True)
    local = "--local" in argv
    for source, family, filename, name, features in LOCAL_FACES if local else FACES:
        out = FONT_DIR / filename
        if local and not source.exists():
            sys.stdout.write(f"{source} is not installed: {filename} not built\n")
            continue
        if local and is_current(out):
            continue
        if local:
            sys.stdout.write("生成 PDF 用仿宋字体 / building the 仿宋 print face\n")
        build(source, family, out, name, features, simplify=local)
        sys.stdout.write(f"{out} ({out.stat().st_size} bytes)\n")


if __name__ == "__main__":
    main(sys.argv[1:])
