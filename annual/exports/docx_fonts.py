"""The stand-in faces a DOCX carries, so each role keeps its kind of face where the official
fonts are missing.

Word and WPS pick a substitute from the font table (w:altName, w:panose1, w:family), which
`docx.py` fills. LibreOffice reads none of these (writerfilter's FontTable.cxx skips altName,
panose1 and family) and asks fontconfig, which gives one default face for every unknown name:
all of 仿宋_GB2312, 黑体 and 楷体_GB2312 came out as AR PL UKai (or Noto Sans CJK). What it does
honour is a font embedded in the font table (w:embedRegular), registered under the table's
name. So the document embeds, under each official name, a subset (only the characters set in
that face) of the same free face the PDF prints that role in (annual/pdf/build_fonts.py):
仿宋 → FandolFang (Noto Serif CJK where it is not installed), 黑体 → Noto Sans CJK,
楷体 → LXGW WenKai, 方正小标宋 → Noto Serif CJK SemiBold, 宋体 → Noto Serif CJK. An
installed official face still wins in Word and WPS: the embedded files keep their own names
(Report Kai SC, …), which no run asks for.

Embedded fonts are obfuscated as ECMA-376 Part 1 §17.8.1 prescribes: the first 32 bytes XORed
with the font key, a GUID, read as 16 bytes in reverse order.
"""

from __future__ import annotations

import functools
import hashlib
import io
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path

from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml.ns import qn
from fontTools import subset
from fontTools.ttLib import TTFont
from lxml import etree

from ..pdf.build_fonts import FACES, FANDOL, FONT_DIR, LOCAL_FACE_FILES

FONT_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.obfuscatedFont"
FONT_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"
OBFUSCATED_BYTES = 32
# Every face also carries the digits: a field's result (the footer's PAGE) is computed where the
# document is opened, so its text is not in the document.
DIGITS = "0123456789"

# The PDF's print faces by file (build_fonts.FACES): its GB 2312 copies load faster than the
# 20 MB Noto collections they are cut from.
SERIF, TITLE, SANS, KAI = (FONT_DIR / filename for _, _, filename, _, _ in FACES)
FANG_SOURCE = FANDOL / "FandolFang-Regular.otf"


def stand_in(role: str) -> Path | None:
    """The first existing face file for a role ("title", "heading", "subheading", "body",
    "page_number"), None where none is installed."""
    candidates = {
        "title": (TITLE,),
        "heading": (SANS,),
        "subheading": (KAI,),
        "body": (*LOCAL_FACE_FILES, FANG_SOURCE, SERIF),
        "page_number": (SERIF,),
    }[role]
    return next((path for path in candidates if path.exists()), None)


@functools.lru_cache(maxsize=8)
def _font(path: Path) -> bytes:
    return path.read_bytes()


@functools.lru_cache(maxsize=32)  # a report's DOCX is made again for each download and package
def subset_bytes(path: Path, text: str) -> bytes:
    """The face at `path` cut down to the glyphs of `text` (and .notdef), names kept."""
    font = TTFont(io.BytesIO(_font(path)), recalcBBoxes=False, recalcTimestamp=False, lazy=True)
    options = subset.Options(hinting=False, notdef_outline=True, name_IDs=["*"], layout_features=["*"])
    options.drop_tables += ["VORG", "vhea", "vmtx", "BASE"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def obfuscate(data: bytes, key: str) -> bytes:
    """ECMA-376 §17.8.1: XOR the first 32 bytes with the GUID `key` ("{…}") reversed."""
    key_bytes = bytes.fromhex(key.strip("{}").replace("-", ""))[::-1]
    head = bytes(b ^ key_bytes[i % len(key_bytes)] for i, b in enumerate(data[:OBFUSCATED_BYTES]))
    return head + data[OBFUSCATED_BYTES:]


def _style_fonts(word) -> dict[str, str]:
    """East Asian font of each paragraph style id, following w:basedOn."""
    own: dict[str, str | None] = {}
    base: dict[str, str | None] = {}
    for style in word.styles.element.iter(qn("w:style")):
        sid = style.get(qn("w:styleId"))
        fonts = style.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        own[sid] = fonts.get(qn("w:eastAsia")) if fonts is not None else None
        based = style.find(qn("w:basedOn"))
        base[sid] = based.get(qn("w:val")) if based is not None else None

    def resolve(sid: str | None, depth: int = 0) -> str:
        if sid is None or depth > 20:
            return ""
        return own.get(sid) or resolve(base.get(sid), depth + 1)

    return {sid: resolve(sid) for sid in own}


def _paragraph_roots(word) -> Iterable:
    yield word.element.body
    for section in word.sections:
        for part in (section.footer, section.even_page_footer, section.header, section.even_page_header):
            if not part.is_linked_to_previous:
                yield part._element


def text_by_font(word) -> dict[str, str]:
    """The characters set in each East Asian font name (a run's w:eastAsia, else its paragraph
    style's, else Normal's)."""
    styles = _style_fonts(word)
    default = styles.get("Normal", "")
    chars: dict[str, set[str]] = {}
    for root in _paragraph_roots(word):
        for p in root.iter(qn("w:p")):
            pstyle = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
            para_font = styles.get(pstyle.get(qn("w:val")), default) if pstyle is not None else default
            for r in p.iter(qn("w:r")):
                fonts = r.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
                name = (fonts.get(qn("w:eastAsia")) if fonts is not None else None) or para_font
                text = "".join(t.text or "" for t in r.iter(qn("w:t")))
                if name and text:
                    chars.setdefault(name, set()).update(text)
    return {name: "".join(sorted(cs)) for name, cs in chars.items()}


def embed_stand_ins(word, roles: Mapping[str, str]) -> None:
    """Embed, under each official font name in `roles` (name → role), its role's stand-in cut to
    the characters the document sets in it."""
    part = next(p for p in word.part.package.iter_parts() if p.partname == "/word/fontTable.xml")
    table = etree.fromstring(part.blob)
    entries = {f.get(qn("w:name")): f for f in table.iter(qn("w:font"))}
    for number, (name, text) in enumerate(sorted(text_by_font(word).items()), start=1):
        path = stand_in(roles[name]) if name in roles else None
        if path is None:
            continue
        font = subset_bytes(path, text + DIGITS)
        # The key only obfuscates (§17.8.1), it protects nothing: taken from the font's own bytes,
        # so the same report gives the same file.
        key = "{" + str(uuid.UUID(bytes=hashlib.sha256(font).digest()[:16])).upper() + "}"
        font_part = Part(
            PackURI(f"/word/fonts/font{number}.odttf"), FONT_CONTENT_TYPE, obfuscate(font, key), word.part.package
        )
        rid = part.relate_to(font_part, FONT_RELATIONSHIP)
        entry = entries.get(name)
        if entry is None:
            entry = etree.SubElement(table, qn("w:font"))
            entry.set(qn("w:name"), name)
        embed = etree.SubElement(entry, qn("w:embedRegular"))  # last in CT_Font but embedBold/…
        embed.set(qn("r:id"), rid)
        embed.set(qn("w:fontKey"), key)
        embed.set(qn("w:subsetted"), "1")  # only the document's characters: not for editing with
    part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)
