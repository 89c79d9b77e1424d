"""Dense glyph ids in the embedded CFF fonts of a WeasyPrint PDF (pikepdf and fontTools).

WeasyPrint subsets each font keeping glyph ids ("retain GIDs"), so the text in the content streams
can name glyphs by their ids in the full font. Every id below the highest one used stays in the
font program as an empty glyph with its entry in the charstring index, the charset, the FD select
and the metrics: the seed's heading faces (20–50 glyphs drawn) embed 5 500 and 7 200 slots, 25 KB
and 34 KB where their glyphs take 5 and 7. Here each such font keeps only the glyphs it draws (and
any other glyph with an outline), numbered 0, 1, 2…; the text in the content streams, the widths
(/W) and the ToUnicode map are numbered the same way, and the CFF charset says CID n for glyph n,
so that CID and glyph index agree however a reader maps them. The outlines are copied byte for
byte, so pages print the same.

Only fonts that fit WeasyPrint's own shape are touched: Type0 with Identity-H, a CIDFontType0
descendant with an OpenType (CFF) program, drawn only from page content streams. Anything else
is left as it is. Write-up: docs/upstream/weasyprint-retained-glyph-ids.md.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict

_BFCHAR = re.compile(rb"^<([0-9a-fA-F]{4})>", re.MULTILINE)
_TEXT_STATE = frozenset({"q", "Q", "Tf", "Tj", "TJ", "'", '"'})
_EMPTY_GLYPH = 6  # bytes: the longest charstring that draws nothing (a width, endchar)


def compact_fonts(pdf) -> None:
    """Renumber the glyphs of `pdf`'s WeasyPrint CFF fonts densely, in place."""
    import pikepdf

    fonts = _candidates(pdf)
    if not fonts:
        return
    pages = [(page, pikepdf.parse_content_stream(page)) for page in pdf.pages]
    used: dict[tuple, set[int]] = defaultdict(set)
    for page, instructions in pages:
        _text_codes(page, instructions, fonts, used, None)
    numbering: dict[tuple, dict[int, int]] = {}
    for key, font in fonts.items():
        mapping = _compact_font(font, used.get(key, set()))
        if mapping is not None:
            numbering[key] = mapping
    if not numbering:
        return
    for page, instructions in pages:
        if _text_codes(page, instructions, numbering, None, numbering):
            page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))


def _candidates(pdf) -> dict:
    """objgen → Type0 font dictionary of the fonts this can renumber."""
    import pikepdf

    found: dict = {}
    elsewhere: set = set()
    for page in pdf.pages:
        resources = page.obj.get("/Resources", {})
        for font in resources.get("/Font", {}).values():
            if _fits(font):
                found[font.objgen] = font
        for xobject in resources.get("/XObject", {}).values():
            inner = xobject.get("/Resources", {})
            # A font drawn from a form XObject would need that stream renumbered too: left alone.
            elsewhere |= {f.objgen for f in inner.get("/Font", {}).values() if isinstance(f, pikepdf.Dictionary)}
    return {key: font for key, font in found.items() if key not in elsewhere}


def _fits(font) -> bool:
    import pikepdf

    if not isinstance(font, pikepdf.Dictionary) or font.get("/Subtype") != "/Type0":
        return False
    if font.get("/Encoding") != "/Identity-H" or "/ToUnicode" not in font:
        return False
    descendant = font.DescendantFonts[0]
    descriptor = descendant.get("/FontDescriptor")
    program = descriptor.get("/FontFile3") if descriptor is not None else None
    return (
        descendant.get("/Subtype") == "/CIDFontType0"
        and descendant.get("/CIDToGIDMap", pikepdf.Name.Identity) == "/Identity"
        and program is not None
        and program.get("/Subtype") == "/OpenType"
    )


def _text_codes(page, instructions: list, fonts: dict, used, renumber) -> bool:
    """Walk the text of one content stream: collect each font's codes into `used`, or, with
    `renumber` (objgen → old code → new code), rewrite them in place. Whether anything changed."""
    import pikepdf

    names = {name: font.objgen for name, font in page.obj.get("/Resources", {}).get("/Font", {}).items()}
    current = None
    saved: list = []
    changed = False
    for position, instruction in enumerate(instructions):
        operator = str(instruction.operator)
        if operator not in _TEXT_STATE:
            continue
        operands = instruction.operands
        if operator == "q":
            saved.append(current)
        elif operator == "Q":
            current = saved.pop() if saved else None
        elif operator == "Tf":
            current = names.get(str(operands[0]))
        elif operator in ("Tj", "TJ", "'", '"') and current in fonts:
            strings = operands[-1] if operator == "TJ" else [operands[-1]]
            if renumber is None:
                for item in strings:
                    if isinstance(item, pikepdf.String):
                        used[current].update(_codes(bytes(item)))
                continue
            mapping = renumber[current]
            new = [
                pikepdf.String(b"".join(mapping[c].to_bytes(2, "big") for c in _codes(bytes(item))))
                if isinstance(item, pikepdf.String)
                else item
                for item in strings
            ]
            rest = list(operands[:-1])
            operands = rest + [pikepdf.Array(new) if operator == "TJ" else new[0]]
            instructions[position] = pikepdf.ContentStreamInstruction(operands, instruction.operator)
            changed = True
    return changed


def _codes(data: bytes) -> list[int]:
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data) - 1, 2)]


def _compact_font(font, used: set[int]) -> dict[int, int] | None:
    """Renumber one font's program, widths and ToUnicode map; old code → new code, or None when
    the font is not as expected (left untouched)."""
    from fontTools.ttLib import TTFont

    descendant = font.DescendantFonts[0]
    stream = descendant.FontDescriptor.FontFile3
    program = TTFont(io.BytesIO(stream.read_bytes()), recalcTimestamp=False, recalcBBoxes=False)
    if "CFF " not in program or "glyf" in program:
        return None
    top = program["CFF "].cff.topDictIndex[0]
    strings = top.CharStrings
    order = program.getGlyphOrder()
    if not getattr(strings, "charStringsAreIndexed", False) or not hasattr(top, "ROS"):
        return None
    if len(getattr(strings.charStringsIndex, "offsets", ())) != len(order) + 1:
        return None
    if max(used, default=0) >= len(order):
        return None
    keep = sorted({0} | used | _outlined(strings.charStringsIndex))
    mapping = {old: new for new, old in enumerate(keep)}
    widths = _widths(descendant.W)
    unicode_map = font.ToUnicode.read_bytes()
    if not set(widths) <= set(mapping) or not {int(c, 16) for c in _BFCHAR.findall(unicode_map)} <= set(mapping):
        return None

    names = [".notdef"] + [f"cid{new:05d}" for new in range(1, len(keep))]
    index = strings.charStringsIndex
    positions = [strings.charStrings[order[g]] for g in keep]
    index.items = [index[i] for i in positions]
    for attribute in ("file", "offsets"):
        if hasattr(index, attribute):
            delattr(index, attribute)
    if hasattr(top, "FDSelect"):
        select = top.FDSelect
        select.format = None
        select.gidArray = [select.gidArray[g] for g in keep]
    strings.charStrings = {name: i for i, name in enumerate(names)}
    top.charset = names
    top.numGlyphs = len(names)
    renamed = {order[g]: names[new] for new, g in enumerate(keep)}
    for tag in ("hmtx", "vmtx"):
        if tag in program:
            metrics = program[tag].metrics
            program[tag].metrics = {renamed[old]: metrics[old] for old in renamed}
    if "VORG" in program:
        origins = program["VORG"].VOriginRecords
        program["VORG"].VOriginRecords = {renamed[n]: v for n, v in origins.items() if n in renamed}
        program["VORG"].numVertOriginYMetrics = len(program["VORG"].VOriginRecords)
    if "cmap" in program:
        for table in program["cmap"].tables:
            table.cmap = {code: renamed[name] for code, name in table.cmap.items() if name in renamed}
    if "post" in program:
        program["post"].formatType = 3.0
    program.setGlyphOrder(names)
    out = io.BytesIO()
    program.save(out)
    stream.write(out.getvalue())

    descendant.W = _widths_array({mapping[g]: w for g, w in widths.items()})
    font.ToUnicode.write(_BFCHAR.sub(lambda m: f"<{mapping[int(m[1], 16)]:04x}>".encode(), unicode_map))
    return mapping


def _outlined(index) -> set[int]:
    """The glyphs whose charstring draws anything, read from the index's offsets alone.

    WeasyPrint's subset leaves each glyph it drops as a bare `endchar`, perhaps after a width (6
    bytes at most); drawing takes a moveto and a line or curve besides (7 bytes at least). Kept
    beyond the drawn ones: a glyph another glyph's outline may use."""
    offsets = index.offsets
    return {g for g in range(len(offsets) - 1) if offsets[g + 1] - offsets[g] > _EMPTY_GLYPH}


def _widths(array) -> dict[int, float]:
    """/W of a CIDFont as {cid: width} (both forms: `c [w1 w2 …]` and `first last w`)."""
    import pikepdf

    items = list(array)
    widths: dict[int, float] = {}
    position = 0
    while position < len(items):
        first = int(items[position])
        if isinstance(items[position + 1], pikepdf.Array):
            for offset, width in enumerate(items[position + 1]):
                widths[first + offset] = width
            position += 2
        else:
            for cid in range(first, int(items[position + 1]) + 1):
                widths[cid] = items[position + 2]
            position += 3
    return widths


def _widths_array(widths: dict[int, float]):
    """{cid: width} as /W, one `first [w …]` run per block of consecutive cids."""
    import pikepdf

    result: list = []
    previous = None
    for cid in sorted(widths):
        if previous is None or cid != previous + 1:
            result.extend([cid, []])
        result[-1].append(widths[cid])
        previous = cid
    return pikepdf.Array([pikepdf.Array(item) if isinstance(item, list) else item for item in result])
