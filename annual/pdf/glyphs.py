"""Embedded fonts that hold only the glyphs they draw, numbered densely, and text runs written
short (WeasyPrint 70, version-guarded; every PDF the app prints).

WeasyPrint subsets each font keeping glyph ids (HarfBuzz's RETAIN_GIDS), so that the text it has
already written into the content streams, which names glyphs by their id in the full font, stays
valid. Every id below the highest one drawn stays in the font program as an empty glyph with its
entries in the charstring index, the charset, the metrics and /W: the seed's heading faces (21
and 47 glyphs drawn) embedded 5 531 and 7 198 slots, 25 KB and 34 KB for 5 KB and 7 KB of
glyphs; the seed's draft PDF weighed 338 KB, 278 KB without them.

`install()` wraps `weasyprint.pdf.build_fonts_dictionary`, which runs once every page has been
drawn and before anything is compressed. For each font it:
  1. subsets with HarfBuzz, without RETAIN_GIDS: glyph n of the subset is the n-th smallest id
     drawn (.notdef first). A font whose subset holds any other glyph (a TrueType composite's
     component) is left to WeasyPrint, as is a bitmap, variable, form-field font or one with
     characters it lacks (their .notdef codes live above its glyph count);
  2. writes, for a CID-keyed CFF program, a charset that says CID n for glyph n. The source
     faces (built by build_fonts.py from Noto CJK) keep their source CIDs, `cid22864` for glyph
     17; ISO 32000-1 9.7.4.2 maps a code through that charset, poppler and PDFium take it as the
     glyph index. With CID, glyph index and code equal, every reader draws the same glyph. The
     new charset (5 bytes) is written over the old one where it lies, so nothing moves; fontTools
     rewrites the fonts where that does not apply;
  3. renumbers its widths and ToUnicode map (WeasyPrint then writes /W and the CMap from them)
     and the glyph codes of every TJ drawn in it, in the page streams and the form XObjects of
     translucent groups.
The text runs are shortened in the same pass (textruns.py). Outlines are copied as HarfBuzz
copies them, so pages print the same: tests/test_pdf_glyphs.py compares the page images.

Write-up: docs/upstream/weasyprint-retained-glyph-ids.md.
"""

from __future__ import annotations

import io
import logging
import struct
from contextlib import contextmanager

from . import textruns

logger = logging.getLogger(__name__)

WEASYPRINT_VERSIONS = ("70.0",)
_original: list = []
_switched_off: list = []


def install() -> bool:
    """Wrap WeasyPrint's font embedding where the installed version is the one checked."""
    if _original:
        return True
    from importlib.metadata import version

    if version("weasyprint") not in WEASYPRINT_VERSIONS:
        return False
    import weasyprint.pdf

    original = weasyprint.pdf.build_fonts_dictionary

    def build_fonts_dictionary(pdf, fonts, compress, subset, options):
        if _switched_off:
            return original(pdf, fonts, compress, subset, options)
        numbering = dense_fonts(fonts, options.get("hinting", False)) if subset else {}
        for stream in _drawing_streams(pdf):
            stream.stream = textruns.rewrite(stream.stream, numbering)
        return original(pdf, fonts, compress, subset, options)

    weasyprint.pdf.build_fonts_dictionary = build_fonts_dictionary
    _original.append(original)
    return True


@contextmanager
def switched_off():
    """WeasyPrint's own embedding for the renders inside (the tests compare the two)."""
    _switched_off.append(True)
    try:
        yield
    finally:
        _switched_off.pop()


def dense_fonts(fonts: dict, hinting: bool) -> dict[str, dict[int, int]]:
    """Subset each font of `fonts` (WeasyPrint's, by key) densely in place; font hash → old
    glyph id → new, for the fonts done."""
    groups: dict[str, list] = {}
    for font in fonts.values():
        groups.setdefault(font.hash, []).append(font)
    numbering = {}
    for key, group in groups.items():
        first = group[0]
        if first.bitmap or any(f.used_in_forms or f.missing for f in group) or "fvar" in first.tables:
            continue
        used = {0}
        for font in group:
            used |= set(font.to_unicode) | set(font.widths)
        keep = sorted(used)
        program = _subset(first, keep, hinting)
        if program is None:
            continue
        mapping = {old: new for new, old in enumerate(keep)}
        for font in group:
            font.file_content = program
            font.to_unicode = {mapping[g]: text for g, text in font.to_unicode.items()}
            font.widths = {mapping[g]: width for g, width in font.widths.items()}
            # Already subset: WeasyPrint's own (retaining) subset would read the new ids as old.
            font.subset = _already_subset
        numbering[key] = mapping
    return numbering


def _already_subset(to_unicode, hinting) -> None:
    return None


def _subset(font, keep: list[int], hinting: bool) -> bytes | None:
    """The font program holding glyphs `keep` (sorted) as 0, 1, 2…, or None."""
    from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset
    from weasyprint.text.fonts import get_hb_object_data

    request = ffi.gc(harfbuzz_subset.hb_subset_input_create_or_fail(), harfbuzz_subset.hb_subset_input_destroy)
    if request == ffi.NULL:
        return None
    glyphs = harfbuzz_subset.hb_subset_input_glyph_set(request)
    harfbuzz.hb_set_add_sorted_array(glyphs, ffi.new("hb_codepoint_t[]", keep), len(keep))
    flags = harfbuzz_subset.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED | harfbuzz_subset.HB_SUBSET_FLAGS_DESUBROUTINIZE
    if not hinting:
        flags |= harfbuzz_subset.HB_SUBSET_FLAGS_NO_HINTING
    harfbuzz_subset.hb_subset_input_set_flags(request, flags)
    # The tables WeasyPrint drops from its own subsets.
    drop = harfbuzz_subset.hb_subset_input_set(request, harfbuzz_subset.HB_SUBSET_SETS_DROP_TABLE_TAG)
    tags = sorted(
        harfbuzz.hb_tag_from_string(name, -1)
        for name in (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG ")
    )
    harfbuzz.hb_set_add_sorted_array(drop, ffi.new("hb_codepoint_t[]", tags), len(tags))
    face = harfbuzz_subset.hb_subset_or_fail(font.hb_face, request)
    if face == ffi.NULL:
        return None
    face = ffi.gc(face, harfbuzz.hb_face_destroy)
    if harfbuzz.hb_face_get_glyph_count(face) != len(keep):
        return None  # the closure added glyphs: ids would not be ranks
    program = get_hb_object_data(face)
    if not program:
        return None
    if program[:4] == b"OTTO":
        try:
            return _cid_charset(program)
        except Exception:  # a CFF fontTools cannot rewrite: WeasyPrint's subset is kept
            logger.exception("Could not renumber the CIDs of %s", font.family)
            return None
    return program


def _cid_charset(program: bytes) -> bytes:
    """`program` (OpenType CFF) with CID n for glyph n, when it is CID-keyed."""
    rewritten = _identity_charset_in_place(program)
    return rewritten if rewritten is not None else _cid_charset_rebuilt(program)


def _table(program: bytes, tag: bytes) -> tuple[int, int, int] | None:
    """(record offset in the table directory, table offset, length) of `tag`, or None."""
    (count,) = struct.unpack_from(">H", program, 4)
    for record in range(12, 12 + 16 * count, 16):
        if program[record : record + 4] == tag:
            offset, length = struct.unpack_from(">II", program, record + 8)
            return record, offset, length
    return None


def _index_end(data: bytes | bytearray, start: int) -> tuple[int, list[int]]:
    """End of the CFF INDEX at `start`, and its object offsets (relative to its data)."""
    (count,) = struct.unpack_from(">H", data, start)
    if count == 0:
        return start + 2, []
    size = data[start + 2]
    offsets = [int.from_bytes(data[start + 3 + i * size : start + 3 + (i + 1) * size], "big") for i in range(count + 1)]
    data_start = start + 3 + (count + 1) * size - 1  # offsets count from 1
    return data_start + offsets[-1], [data_start + o for o in offsets]


def _dict_operators(data: bytes | bytearray, start: int, end: int) -> dict[int, list[int]]:
    """The operands of each operator of the CFF DICT data[start:end] (12 x as 1200 + x); a real
    number reads as 0, since only the integer offsets are wanted."""
    found: dict[int, list[int]] = {}
    operands: list[int] = []
    at = start
    while at < end:
        b0 = data[at]
        if b0 <= 21:
            op = 1200 + data[at + 1] if b0 == 12 else b0
            at += 2 if b0 == 12 else 1
            found[op] = operands
            operands = []
        elif b0 == 28:
            operands.append(struct.unpack_from(">h", data, at + 1)[0])
            at += 3
        elif b0 == 29:
            operands.append(struct.unpack_from(">i", data, at + 1)[0])
            at += 5
        elif b0 == 30:  # a real number, nibbles up to the 0xf one
            at += 1
            while data[at] & 0x0F != 0x0F and data[at] >> 4 != 0x0F:
                at += 1
            at += 1
            operands.append(0)
        elif b0 <= 246:
            operands.append(b0 - 139)
            at += 1
        elif b0 <= 250:
            operands.append((b0 - 247) * 256 + data[at + 1] + 108)
            at += 2
        elif b0 <= 254:
            operands.append(-(b0 - 251) * 256 - data[at + 1] - 108)
            at += 2
        else:
            raise ValueError("reserved DICT byte")
    return found


def _charset_length(cff: bytes | bytearray, start: int, glyph_count: int) -> int:
    kind, at, covered = cff[start], start + 1, 1
    if kind == 0:
        return 1 + 2 * (glyph_count - 1)
    while covered < glyph_count:
        left = cff[at + 2] if kind == 1 else struct.unpack_from(">H", cff, at + 2)[0]
        covered += left + 1
        at += 3 if kind == 1 else 4
    return at - start


def _checksum(data: bytes) -> int:
    padded = data + b"\0" * (-len(data) % 4)
    return sum(struct.unpack(f">{len(padded) // 4}I", padded)) & 0xFFFFFFFF


def _identity_charset_in_place(program: bytes) -> bytes | None:
    """`program` with its CID-keyed CFF's charset overwritten, where it lies, by the 5-byte
    charset "glyphs 1… are CIDs 1…" (format 2, one range), and the checksums made good; None
    where that does not apply (not CID-keyed, a predefined or too short charset, a table layout
    not expected). Nothing moves, so no offset changes; fontTools' full rewrite cost 30 ms a
    render for the same font."""
    try:
        cff_table, maxp, head = _table(program, b"CFF "), _table(program, b"maxp"), _table(program, b"head")
        if program[:4] != b"OTTO" or not (cff_table and maxp and head):
            return None
        record, offset, length = cff_table
        cff = bytearray(program[offset : offset + length])
        (glyph_count,) = struct.unpack_from(">H", program, maxp[1] + 4)
        name_end, _ = _index_end(cff, cff[2])  # the Name INDEX follows the header (hdrSize)
        _, top = _index_end(cff, name_end)
        if len(top) != 2:
            return None
        operators = _dict_operators(cff, top[0], top[1])
        charset = operators.get(15, [0])[0]
        if 1230 not in operators or charset < 3 or glyph_count < 2:
            return None  # not CID-keyed, or a predefined charset
        identity = struct.pack(">BHH", 2, 1, glyph_count - 2)
        old = _charset_length(cff, charset, glyph_count)
        if cff[charset : charset + 5] == identity:
            return program
        if old < len(identity) or charset + old > len(cff):
            return None
        cff[charset : charset + old] = identity + b"\0" * (old - len(identity))
    except (struct.error, IndexError, ValueError):
        return None
    font = bytearray(program)
    font[offset : offset + length] = cff
    struct.pack_into(">I", font, record + 4, _checksum(bytes(cff)))
    adjustment = head[1] + 8
    struct.pack_into(">I", font, adjustment, 0)
    struct.pack_into(">I", font, adjustment, (0xB1B0AFBA - _checksum(bytes(font))) & 0xFFFFFFFF)
    return bytes(font)


def _cid_charset_rebuilt(program: bytes) -> bytes:
    """`_cid_charset` by fontTools, for what the in-place rewrite does not cover."""
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(program), recalcTimestamp=False, recalcBBoxes=False)
    top = font["CFF "].cff.topDictIndex[0]
    if not hasattr(top, "ROS"):
        return program
    order = font.getGlyphOrder()
    names = [".notdef"] + [f"cid{g:05d}" for g in range(1, len(order))]
    if order == names:
        return program
    renamed = dict(zip(order, names, strict=True))
    strings = top.CharStrings
    strings.charStrings = {renamed[name]: index for name, index in strings.charStrings.items()}
    top.charset = names
    for tag in ("hmtx", "vmtx"):
        if tag in font:
            font[tag].metrics = {renamed[name]: value for name, value in font[tag].metrics.items()}
    if "VORG" in font:
        origins = font["VORG"].VOriginRecords
        font["VORG"].VOriginRecords = {renamed[name]: value for name, value in origins.items()}
    if "cmap" in font:
        for table in font["cmap"].tables:
            table.cmap = {code: renamed[name] for code, name in table.cmap.items()}
    if "post" in font:
        font["post"].formatType = 3.0
    font.setGlyphOrder(names)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _drawing_streams(pdf):
    """Every content stream WeasyPrint drew: the pages (already in `pdf`) and the form XObjects
    of groups, which join `pdf` only after the fonts."""
    from weasyprint.pdf.stream import Stream

    seen: set[int] = set()
    pending = [item for item in pdf.objects if isinstance(item, Stream)]
    while pending:
        stream = pending.pop()
        if id(stream) in seen:
            continue
        seen.add(id(stream))
        yield stream
        resources = getattr(stream, "_resources", None) or {}
        for kind in ("XObject", "Pattern"):
            pending.extend(item for item in (resources.get(kind) or {}).values() if isinstance(item, Stream))
