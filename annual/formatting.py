"""How each kind of value is written out: one formatter per kind, shared by every rendering.

The entry grid, the review page, the PDF, the 汇总 and the office exports all print through these
functions, so a blank, a money amount, a date or a paragraph looks the same everywhere.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from itertools import pairwise

MONEY_UNIT = "万元"
TITLE_CHARS_PER_LINE = 20  # 2号 type across the 156 mm 版心

# A narrative paragraph that opens with a numbered sub-heading such as （一） or (一).
SUBHEADING_RE = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
# Where a sub-heading sentence ends, if the author ran body text on after it.
SENTENCE_END_RE = re.compile(r"[。；！？]")
# The portal's text often carries ordinary and full-width spaces at line starts; the print
# indents paragraphs itself.
EDGE_SPACE = " \t\u3000\u00a0\r"


def format_count(value: int | None) -> str:
    """Blank stays blank and 0 prints 0: the two mean different things on paper."""
    return "" if value is None else str(value)


def format_money(value: str | None, *, with_unit: bool) -> str:
    """The office's own decimals ("271.50" stays "271.50"); 万元 appended when the header lacks it."""
    if value is None:
        return ""
    return f"{value}{MONEY_UNIT}" if with_unit else value


DELETED_USER = "（已删除的用户）"


def person_name(user) -> str:
    """The name of a person who acted (submitted, commented, exempted, …): full name, else the
    username. An account deleted since is None on the record it left (its foreign keys are
    SET_NULL), and is named as such rather than breaking the page."""
    if user is None:
        return DELETED_USER
    return user.get_full_name() or user.get_username()


def format_date(iso: str | None) -> str:
    """「2021年1月29日」: GB/T 9704 writes the date in full, without leading zeros."""
    if not iso:
        return ""
    day = datetime.date.fromisoformat(iso)
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of narrative text; `heading` is a （一）-style sub-heading printed in 楷体."""

    text: str
    heading: str = ""


def paragraphs(text: str) -> list[Paragraph]:
    """Split narrative text into paragraphs: the one algorithm every rendering uses.

    The format separates paragraphs with a blank line; people typing into a form often end a
    paragraph with a single line break, so every line break starts a new paragraph (the two
    agree on every conforming document). A paragraph opening with （一） is a sub-heading: the
    heading is its first sentence, any text run on after it stays body text.
    """
    result = []
    for line in text.split("\n"):
        line = line.strip(EDGE_SPACE)
        if not line:
            continue
        if SUBHEADING_RE.match(line):
            end = SENTENCE_END_RE.search(line)
            if end is None or end.end() == len(line):
                result.append(Paragraph(text="", heading=line))
            else:
                result.append(Paragraph(text=line[end.end() :].lstrip(EDGE_SPACE), heading=line[: end.end()]))
        else:
            result.append(Paragraph(text=line))
    return result


# Break opportunities in long Latin runs (URLs, e-mail addresses, file names): a zero-width
# space after a separator, never between two of a kind (「//」, 「..」) nor at the run's end. Pango
# (UAX #14) does not break 「.gov.cn」 or 「_office@」, so such a run moved whole to the next line
# and the justified line before it was spread over a few wide gaps. Runs shorter than the
# width of ten Chinese characters never need one, and a telephone number stays whole. A
# stretch without a separator longer than that (a hash, a serial number) has no sensible
# point and may break anywhere, rather than run past the margin.
ZERO_WIDTH_SPACE = "\u200b"
LONG_LATIN_RUN = 21
LONG_LATIN_RE = re.compile(f"[!-~]{{{LONG_LATIN_RUN},}}")
LATIN_BREAK_AFTER = "/.-?&=_@#:;,~+"


def breakable(text: str) -> str:
    """`text` with a zero-width space at the sensible break points of each long Latin run, for
    the print (the document and the other renderings keep the text as typed)."""

    def mark(run: re.Match) -> str:
        out = []
        for ch, following in pairwise(run.group() + " "):
            out.append(ch)
            if ch in LATIN_BREAK_AFTER and following not in LATIN_BREAK_AFTER + " ":
                out.append(ZERO_WIDTH_SPACE)
        pieces = "".join(out).split(ZERO_WIDTH_SPACE)
        return ZERO_WIDTH_SPACE.join(
            ZERO_WIDTH_SPACE.join(piece) if len(piece) >= LONG_LATIN_RUN else piece for piece in pieces
        )

    return LONG_LATIN_RE.sub(mark, text)


EMPTY_SECTION = "无。"


def section_paragraphs(text: str) -> list[Paragraph]:
    """A narrative section's paragraphs; an empty section reads 「无。」, as published reports
    print it, rather than a bare heading."""
    return paragraphs(text) or [Paragraph(text=EMPTY_SECTION)]


def default_title(agency: str, year: int | str) -> str:
    """The official title of a report, used wherever a report has no title of its own."""
    return f"{agency}{year}年度政府信息公开工作年度报告"


def title_lines(title: str, agency: str) -> list[str]:
    """The title's lines. GB/T 9704 wants a long title broken where the sense allows: after the
    agency's name when the title opens with it, so the year and subject stay on one line; a
    name or title too long for a line is broken into lines of even length (`balanced_lines`),
    never leaving one or two characters alone."""
    width = 2 * TITLE_CHARS_PER_LINE
    if text_width(title) <= width:
        return [title]
    if title.startswith(agency) and len(agency) < len(title):
        return balanced_lines(agency, width) + balanced_lines(title[len(agency) :], width)
    return balanced_lines(title, width)


def text_width(text: str) -> int:
    """Printed width in half-width units: a digit or Latin letter 1, a Chinese character 2."""
    return sum(1 if ord(ch) < 0x2E80 else 2 for ch in text)


# Good places to end a line of an agency's name or a title: after an administrative unit or an
# organ (浙江省/温州市/…/教育局), or after a pause.
BREAK_AFTER = (
    "省",
    "市",
    "县",
    "区",
    "州",
    "盟",
    "旗",
    "镇",
    "乡",
    "街道",
    "村",
    "局",
    "委员会",
    "厅",
    "办公室",
    "政府",
    "院",
    "部",
    "处",
    "所",
    "站",
    "队",
    "馆",
    "中心",
    "署",
    "、",
    "，",
)
# …unless the unit's character starts a word with the next one: 市场, 区域, 局长, 部门.
NOT_AFTER_BREAK = frozenset("场域长门级属员")
# Chinese line-breaking rules: these never open a line, those never end one.
NO_LINE_START = frozenset("，。、；：？！）》」』】〕”’…—·")
NO_LINE_END = frozenset("（《「『【〔“‘")


def balanced_lines(text: str, width: int) -> list[str]:
    """`text` in as few lines of at most `width` half-width units as it needs, of about even
    length, each break placed after a unit such as 市 or 局 where one is near.

    Even lines mean no line holds one or two characters alone; the Chinese line-breaking rules
    (NO_LINE_START, NO_LINE_END) are kept. A text that fits is one line.
    """
    if text_width(text) <= width:
        return [text]
    count = -(-text_width(text) // width)
    while (lines := _even_lines(text, width, count)) is None:
        count += 1
    # One line more is worth it when only then every break falls at a sensible point.
    if not all(_sensible(a, b) for a, b in pairwise(lines)):
        more = _even_lines(text, width, count + 1)
        if more is not None and all(_sensible(a, b) for a, b in pairwise(more)):
            return more
    return lines


def _sensible(line: str, following: str) -> bool:
    return line.endswith(BREAK_AFTER) and following[0] not in NOT_AFTER_BREAK


def _even_lines(text: str, width: int, count: int) -> list[str] | None:
    lines, start = [], 0
    for remaining in range(count, 1, -1):
        target = text_width(text[start:]) / remaining
        best, best_cost = None, None
        for end in range(start + 1, len(text)):
            used = text_width(text[start:end])
            if used > width:
                break
            if text[end] in NO_LINE_START or text[end - 1] in NO_LINE_END:
                continue
            if text_width(text[end:]) > (remaining - 1) * width:
                continue  # the rest would not fit in the lines left
            cost = abs(used - target) - (3 if _sensible(text[start:end], text[end:]) else 0)
            if best_cost is None or cost < best_cost:
                best, best_cost = end, cost
        if best is None:
            return None
        lines.append(text[start:best])
        start = best
    if text_width(text[start:]) > width:
        return None
    return lines + [text[start:]]
