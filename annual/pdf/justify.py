"""Chinese typesetting in WeasyPrint 70 (version-guarded patches): inter-character
justification, and a fixed line height that fallback fonts cannot stretch.

GB/T 9704 sets body text flush on both sides. WeasyPrint's `text-align: justify` only widens
spaces (`layout.inline.justify_line` counts U+0020 and U+00A0), and Chinese has none, so every
line stopped where its last character ended: up to 12.8 mm short on the seed. CSS Text 3 calls
what is needed `text-justify: inter-character`, which WeasyPrint 70 does not implement.

`install()` replaces `justify_line` so that a line holding CJK text spreads its free width over
the gaps beside its CJK characters (Pango letter spacing, added when the line is drawn); Latin
runs in it (a URL, an e-mail address, a figure) keep their own spacing, never 「h t t p」. A line
without CJK keeps WeasyPrint's own word spacing. The zero-width break opportunities that the
print puts in long Latin runs (formatting.breakable) take no letter spacing while lines are
broken and are dropped when the line is drawn, so the PDF's text holds the URL as typed. Line breaking is untouched: Pango's UAX #14
rules already keep 「，」「。」「、」「）」「”」 off a line start. Only justified lines (not the last
of a paragraph, never centred or left-aligned text such as table cells) are affected.

The patch applies to WeasyPrint 70 only (checked against its source); another version keeps
its own behaviour, and the tests of flush right margins say so. The upstream change is written
up in docs/upstream/weasyprint-inter-character-justify.md.

The line grid: GB/T 9704 sets 22 lines a page, 28.9 pt apart. WeasyPrint sizes a run of text
from Pango's extents of its line, which grow when a character comes from another font (䶮 𠀾 镕
堃 are outside the GB 2312 faces and fall through to Noto Serif CJK SC, whose ascent and descent
differ). The run's box, still one line-height tall, is then centred on other extents than the
line's strut, sticks out of it, and the line grows to 10.8 mm instead of 10.2: such a page held
20 or 21 lines. `split_text_box` is wrapped so that a text box with a fixed line height takes its
baseline from the strut of its own first-choice font: its box then coincides with the strut's
and the line keeps its height (the fallback glyphs keep their own baseline). A run set in its
first-choice font alone already has the strut's extents and is unchanged. Write-up:
docs/upstream/weasyprint-fixed-line-height-fallback-fonts.md.
"""

from __future__ import annotations

import re
from itertools import pairwise

from ..formatting import ZERO_WIDTH_SPACE

SUPPORTED_VERSIONS = ("70.0",)

# Ideographs, kana, hangul, CJK and full-width punctuation: text justified between characters.
CJK_CHARS = r"\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
CJK_RE = re.compile(f"[{CJK_CHARS}]")
CJK_RUN_RE = re.compile(f"[{CJK_CHARS}]+")
ZERO_WIDTH_RE = re.compile(ZERO_WIDTH_SPACE)

_installed = False


def install() -> bool:
    """Patch WeasyPrint once; returns whether the patch is active (False on other versions)."""
    global _installed
    if _installed:
        return True
    import weasyprint
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout import inline
    from weasyprint.text import line_break
    from weasyprint.text.ffi import TO_UNITS, ffi, pango
    from weasyprint.text.line_break import strut

    if weasyprint.__version__ not in SUPPORTED_VERSIONS:
        return False

    original_justify_line = inline.justify_line
    original_set_text = line_break.Layout.set_text
    original_split_text_box = inline.split_text_box

    def text_boxes(box):
        if isinstance(box, boxes.TextBox):
            yield box
        elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
            for child in box.children:
                if child.is_in_normal_flow():
                    yield from text_boxes(child)

    def justify_line(context, line, extra_width):
        texts = [box for box in text_boxes(line) if box.text]
        if not any(CJK_RE.search(box.text) for box in texts):
            return original_justify_line(context, line, extra_width)
        # Pango sets half of a character's letter spacing before it and half after it, trimmed
        # at the ends of each box's layout; only CJK characters get spacing (set_text), so a gap
        # widens by a half for each CJK character beside it: between two Latin characters (a
        # URL, a figure), not at all.
        texts = [box for box in texts if box.text.replace(ZERO_WIDTH_SPACE, "")]
        weights = [[1 if CJK_RE.match(ch) else 0 for ch in box.text.replace(ZERO_WIDTH_SPACE, "")] for box in texts]
        flat = [w for box in weights for w in box]
        gaps = sum(a + b for a, b in pairwise(flat)) / 2
        if gaps <= 0 or extra_width <= 0:
            return
        spacing = extra_width / gaps
        added = {}
        for i, w in enumerate(weights):
            after = (w[-1] + weights[i + 1][0]) / 2 if i + 1 < len(weights) else 0
            added[id(texts[i])] = spacing * (sum(a + b for a, b in pairwise(w)) / 2 + after)
        spread(line, spacing, added, 0)

    def spread(box, spacing, added, x_advance):
        # Like inline.add_word_spacing, with the CJK characters' gaps (not spaces) as opportunities.
        if isinstance(box, boxes.TextBox):
            box.position_x += x_advance
            if box.text:
                box.pango_layout.inter_character_spacing = spacing
                box.width += added.get(id(box), 0)
                x_advance += added.get(id(box), 0)
        elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
            box.position_x += x_advance
            before = x_advance
            for child in box.children:
                if child.is_in_normal_flow():
                    x_advance = spread(child, spacing, added, x_advance)
            box.width += x_advance - before
        else:
            box.translate(x_advance, 0)
        return x_advance

    def set_text(self, text, justify=False):
        if justify:
            # Drawn, no longer broken: the break opportunities that formatting.breakable put in
            # long Latin runs go, so the PDF's text (copied, searched) has the URL as typed.
            text = text.replace(ZERO_WIDTH_SPACE, "")
        original_set_text(self, text, justify)
        spacing = getattr(self, "inter_character_spacing", 0) if justify else 0
        if not self.text or not (spacing or ZERO_WIDTH_SPACE in self.text):
            return
        letter_spacing = self.style["letter_spacing"]
        letter_spacing = 0 if letter_spacing == "normal" else letter_spacing
        attr_list = pango.pango_layout_get_attributes(self.layout)
        if attr_list == ffi.NULL:
            attr_list = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)

        def letter_spacing_of(pattern, points):
            for run in pattern.finditer(self.text):
                attr = pango.pango_attr_letter_spacing_new(int(points * TO_UNITS))
                attr.start_index = len(self.text[: run.start()].encode())
                attr.end_index = attr.start_index + len(run.group().encode())
                pango.pango_attr_list_change(attr_list, attr)

        # A break opportunity takes no letter spacing while lines are broken, so a line is as
        # wide with it as it is drawn without it.
        letter_spacing_of(ZERO_WIDTH_RE, 0)
        if spacing:
            letter_spacing_of(CJK_RUN_RE, letter_spacing + spacing)
        pango.pango_layout_set_attributes(self.layout, attr_list)

    def split_text_box(context, box, available_width, skip, is_line_start=True):
        new_box, resume, preserved_line_break = original_split_text_box(
            context, box, available_width, skip, is_line_start=is_line_start
        )
        if new_box is not None and new_box.style["line_height"] != "normal":
            line_height, strut_baseline = strut(new_box.style)
            content_baseline = new_box.baseline - new_box.margin_top
            new_box.margin_top = strut_baseline - content_baseline
            new_box.margin_bottom = line_height - new_box.height - new_box.margin_top
            new_box.baseline = strut_baseline
        return new_box, resume, preserved_line_break

    inline.justify_line = justify_line
    inline.split_text_box = split_text_box
    line_break.Layout.set_text = set_text
    _installed = True
    return True
