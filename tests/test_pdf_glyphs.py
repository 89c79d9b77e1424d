"""Embedded fonts hold only the glyphs they draw, numbered densely, and the pages print exactly
as WeasyPrint's own embedding prints them (annual/pdf/glyphs.py, annual/pdf/textruns.py)."""

import io
import subprocess

import pytest
from django.utils import timezone

from annual.pdf import DraftMark, glyphs, render_pdf
from annual.pdf.textruns import rewrite, tighten_array
from tests.documents import SEED_FILE, demo_doc
from tests.pdf_cases import font_programs

pytestmark = pytest.mark.pdf


def _pages(raw: bytes, tmp_path, name: str) -> list[bytes]:
    (tmp_path / f"{name}.pdf").write_bytes(raw)
    subprocess.run(["pdftoppm", "-r", "50", "-gray", str(tmp_path / f"{name}.pdf"), str(tmp_path / name)], check=True)
    return [p.read_bytes() for p in sorted(tmp_path.glob(f"{name}-*.pgm"))]


def _text(raw: bytes) -> list[str]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(raw)) as pdf:
        return [page.extract_text() for page in pdf.pages]


@pytest.fixture(scope="module")
def renders():
    """The seed's draft (its watermark is a translucent group, drawn in a form XObject) and final
    copy, printed with the dense embedding and with WeasyPrint's own."""
    seed_doc = demo_doc(SEED_FILE)
    draft = DraftMark(state="草稿", printed_at=timezone.now())
    assert glyphs.install()
    dense = {"final": render_pdf(seed_doc), "draft": render_pdf(seed_doc, draft=draft)}
    with glyphs.switched_off():
        upstream = {"final": render_pdf(seed_doc), "draft": render_pdf(seed_doc, draft=draft)}
    return dense, upstream


def test_pages_print_and_read_exactly_as_weasyprints_own_embedding(renders, tmp_path):
    dense, upstream = renders
    for kind in ("final", "draft"):
        ours, theirs = _pages(dense[kind], tmp_path, f"{kind}-dense"), _pages(upstream[kind], tmp_path, f"{kind}-up")
        assert len(ours) == len(theirs) >= 6
        assert ours == theirs, kind
        assert _text(dense[kind]) == _text(upstream[kind])


def test_each_font_holds_only_the_glyphs_drawn_with_cid_n_for_glyph_n(renders):
    dense, upstream = renders
    ours, theirs = font_programs(dense["final"]), font_programs(upstream["final"])
    assert set(ours) == set(theirs) >= {"Report-Fang-SC", "Report-Title-SC-Semi-Bold", "Report-Kai-SC"}
    for name, program in ours.items():
        assert program["maxp"].numGlyphs < theirs[name]["maxp"].numGlyphs
        if "CFF " in program:
            # CID n is glyph n, as the content streams' codes (Identity-H) mean.
            assert program["CFF "].cff.topDictIndex[0].charset == [".notdef"] + [
                f"cid{g:05d}" for g in range(1, program["maxp"].numGlyphs)
            ]
    assert ours["Report-Title-SC-Semi-Bold"]["maxp"].numGlyphs == 22  # 21 drawn and .notdef; was 5 531
    assert len(dense["final"]) < 300_000 < len(upstream["final"])


def test_fallback_faces_and_missing_characters_print_as_with_weasyprints_own_embedding(seed_doc, tmp_path):
    # 䶮 𠀾 镕 堃 are outside the GB 2312 faces (the installed Noto Serif CJK draws them, a
    # 65 000-glyph face, embedded with 5); the private-use U+E000 falls through to AR PL UKai,
    # whose TrueType subset takes more glyphs than the ones drawn: that face keeps WeasyPrint's
    # own embedding, beside the dense ones.
    doc = {**seed_doc, "overview": "䶮𠀾镕堃与\ue000。" + seed_doc["overview"]}
    dense = render_pdf(doc)
    with glyphs.switched_off():
        upstream = render_pdf(doc)
    assert _pages(dense, tmp_path, "dense") == _pages(upstream, tmp_path, "upstream")
    assert _text(dense) == _text(upstream)
    assert "䶮𠀾镕堃" in _text(dense)[0].replace("\n", "")
    programs = font_programs(dense)
    assert programs["Noto-Serif-CJK-SC"]["maxp"].numGlyphs == 5


def test_adjustments_in_a_text_array_are_summed_and_strings_joined():
    body = b"<0690>-8<>-8.765758754863814<065c>-8<>-8.765758754863814<0061>0<0062>6<>-6<0063>"
    assert tighten_array(body) == b"<0690> -16.766 <065c> -16.766 <006100620063>"
    assert tighten_array(b"<0001>1e-05<0002>") == b"<00010002>"
    # Renumbered through the font in use, set by the Tf before the array.
    ops = [b"BT", b"/ABCDEF 16 Tf", b"[<00100020>-8<>-8<0010>] TJ", b"/GHIJKL 16 Tf", b"[<0010>] TJ"]
    assert rewrite(ops, {"ABCDEF": {0x10: 1, 0x20: 2}}) == [
        b"BT",
        b"/ABCDEF 16 Tf",
        b"[<00010002> -16 <0001>] TJ",
        b"/GHIJKL 16 Tf",
        b"[<0010>] TJ",
    ]


def _cid_subset(text: str) -> bytes:
    """A subset of the bundled Noto Serif copy, keeping the source's CIDs (as HarfBuzz does)."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    from annual.pdf.build_fonts import FONT_DIR

    font = TTFont(str(FONT_DIR / "report-serif-sc.otf"))
    subsetter = subset.Subsetter(subset.Options(hinting=False, notdef_outline=True))
    subsetter.populate(text=text)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def test_charset_rewritten_in_place_is_the_one_fonttools_writes_with_checksums_made_good():
    import struct

    from fontTools.ttLib import TTFont

    program = _cid_subset("政府信息公开工作年度报告")
    source = TTFont(io.BytesIO(program))
    assert source["CFF "].cff.topDictIndex[0].charset[1] != "cid00001"  # the source's CIDs
    in_place = glyphs._identity_charset_in_place(program)
    assert in_place is not None and len(in_place) == len(program)
    ours, theirs = (TTFont(io.BytesIO(p), checkChecksums=2) for p in (in_place, glyphs._cid_charset_rebuilt(program)))
    top, reference = ours["CFF "].cff.topDictIndex[0], theirs["CFF "].cff.topDictIndex[0]
    assert top.charset == reference.charset == [".notdef"] + [f"cid{g:05d}" for g in range(1, len(top.charset))]
    before = source["CFF "].cff.topDictIndex[0].CharStrings.charStringsIndex
    for new, old in zip(top.CharStrings.charStringsIndex, before, strict=True):
        assert new.bytecode == old.bytecode  # outlines untouched
    padded = in_place + b"\0" * (-len(in_place) % 4)
    assert sum(struct.unpack(f">{len(padded) // 4}I", padded)) & 0xFFFFFFFF == 0xB1B0AFBA
    assert glyphs._identity_charset_in_place(in_place) == in_place  # already identity: unchanged


def test_fonts_the_in_place_rewrite_does_not_cover_are_left_to_fonttools():
    from annual.pdf.build_fonts import FONT_DIR

    truetype = (FONT_DIR / "report-kai-sc.ttf").read_bytes()[:4096]
    assert glyphs._identity_charset_in_place(truetype) is None
    assert glyphs._identity_charset_in_place(b"OTTO" + b"\0" * 8) is None  # no tables
