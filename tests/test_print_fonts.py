"""The print faces built by annual/pdf/build_fonts.py: the 仿宋 copy's outlines lose only the
detail no printer draws, and ./dev builds the copy again when the recipe changes."""

import io

import pytest
from fontTools import subset
from fontTools.pens.recordingPen import RecordingPen
from fontTools.ttLib import TTFont
from PIL import Image, ImageChops, ImageDraw, ImageFont

from annual.pdf import build_fonts
from annual.pdf.build_fonts import OUTLINE_TOLERANCE, Simplifier, is_current, simplify_outlines

FANG_SOURCE = build_fonts.LOCAL_FACES[0][0]
needs_fandol = pytest.mark.skipif(not FANG_SOURCE.exists(), reason="FandolFang is installed by ./dev")
# Body text of the seed, the figures and the punctuation the reports print.
SAMPLE = "根据中华人民共和国政府信息公开条例浙江省暂行办法规定国务院办公厅年度报告晦雯赳阀烛岸0123456789（）、。，"


def _drawn(contour: list) -> list:
    pen = RecordingPen()
    simplifier = Simplifier(pen, tolerance=1.0)
    contour_pen = RecordingPen()
    contour_pen.value = contour
    contour_pen.replay(simplifier)
    return pen.value


def test_flat_curves_become_lines_and_straight_corners_are_dropped():
    contour = [
        ("moveTo", ((0, 0),)),
        ("lineTo", ((100, 0.5),)),  # a corner 0.5 units off the chord (0,0)–(200,0)
        ("lineTo", ((200, 0),)),
        ("curveTo", ((200.8, 30), (199.5, 60), (200, 100))),  # control points within a unit
        ("curveTo", ((150, 140), (50, 140), (0, 100))),  # a real curve
        ("lineTo", ((0, 0),)),
        ("closePath", ()),
    ]
    assert _drawn(contour) == [
        ("moveTo", ((0, 0),)),
        ("lineTo", ((200, 0),)),
        ("lineTo", ((200, 100),)),
        ("curveTo", ((150, 140), (50, 140), (0, 100))),
        ("closePath", ()),  # the line back to the start is the closing one
    ]


def test_a_corner_beyond_the_tolerance_and_open_contours_are_kept():
    contour = [("moveTo", ((0, 0),)), ("lineTo", ((100, 2),)), ("lineTo", ((200, 0),)), ("endPath", ())]
    assert _drawn(contour) == contour


def _subset_of_fandol(text: str) -> TTFont:
    font = TTFont(str(FANG_SOURCE))
    options = subset.Options(hinting=False, notdef_outline=True, name_IDs=["*"])
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    return font


def _saved(font: TTFont) -> bytes:
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _ink(program: bytes, char: str) -> Image.Image:
    # 1 000 pixels to the em: a pixel is a font unit.
    face = ImageFont.truetype(io.BytesIO(program), 1000)
    image = Image.new("L", (1200, 1200), 0)
    ImageDraw.Draw(image).text((100, 100), char, font=face, fill=255)
    return image


def _charstring_bytes(program: bytes) -> int:
    font = TTFont(io.BytesIO(program))
    strings = font["CFF "].cff.topDictIndex[0].CharStrings
    total = 0
    for name in font.getGlyphOrder():
        strings[name].compile()
        total += len(strings[name].bytecode)
    return total


@needs_fandol
def test_simplified_fandolfang_prints_the_same_glyphs_with_a_fifth_less_outline():
    original = _saved(_subset_of_fandol(SAMPLE))
    font = _subset_of_fandol(SAMPLE)
    simplify_outlines(font, OUTLINE_TOLERANCE)
    simplified = _saved(font)
    assert _charstring_bytes(simplified) < 0.85 * _charstring_bytes(original)
    widths = TTFont(io.BytesIO(original))["hmtx"].metrics
    assert TTFont(io.BytesIO(simplified))["hmtx"].metrics == widths
    for char in SAMPLE:
        before, after = _ink(original, char), _ink(simplified, char)
        ink = sum(before.point(lambda v: 255 if v > 127 else 0).histogram()[255:])
        changed = sum(ImageChops.difference(before, after).histogram()[128:])
        # Edges move by at most two units, so only pixels along them change: under 1 % of the ink
        # (the sample's worst, 晦, changes 0.3 %).
        assert ink > 0 and changed <= 0.01 * ink, (char, changed, ink)


@needs_fandol
def test_the_local_copy_is_current_only_when_built_by_this_recipe(tmp_path, monkeypatch):
    font = _subset_of_fandol("仿宋")
    plain = tmp_path / "plain.otf"
    font.save(str(plain))
    monkeypatch.setattr(build_fonts, "charset", lambda: {ord("仿"), ord("宋")})
    built = tmp_path / "built.otf"
    build_fonts.build(FANG_SOURCE, "FandolFang", built, "Report Fang SC", ("kern",), simplify=True)
    broken = tmp_path / "broken.otf"
    broken.write_bytes(built.read_bytes()[:100])
    assert is_current(built)
    assert not is_current(plain) and not is_current(broken) and not is_current(tmp_path / "missing.otf")
    monkeypatch.setattr(build_fonts, "LOCAL_BUILD", "another-recipe")
    assert not is_current(built)
