"""How each kind of value is written out: one formatter per kind, shared by every rendering.

The entry grid, the review page, the PDF, the 汇总 and the office exports all print through these
functions, so a blank, a money amount, a date or a paragraph looks the same everywhere.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

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
                result.append(Paragraph(text=line[end.end():].lstrip(EDGE_SPACE), heading=line[:end.end()]))
        else:
            result.append(Paragraph(text=line))
    return result


def default_title(agency: str, year: int | str) -> str:
    """The official title of a report, used wherever a report has no title of its own."""
    return f"{agency}{year}年度政府信息公开工作年度报告"


def title_lines(title: str, agency: str) -> list[str]:
    """The title's lines. GB/T 9704 wants a long title broken where the sense allows: after the
    agency's name when the title opens with it, so the year and subject stay on one line."""
    if len(title) > TITLE_CHARS_PER_LINE and title.startswith(agency) and len(agency) < len(title):
        return [agency, title[len(agency):]]
    return [title]
