"""The text of a published report: title, the sections 一 to 六 by their headings, paragraphs
rejoined across printed lines, and the signature and date.

Input is the printed lines outside the tables, in reading order, each with its page, horizontal
extent and font size. Paragraphs are found the way a reader finds them: a line indented past the
text's left edge starts one, and a line that stops well short of the right edge ends one.
Run-in headings (「（一）主动公开情况。主要通过…」) are kept as written.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from dataclasses import dataclass, field

from .. import template_spec as spec
from .tables import norm


@dataclass(frozen=True)
class Line:
    page: int
    x0: float
    x1: float
    top: float
    size: float
    text: str
    # The source itself ends a paragraph here (a portal page's block), wherever the text stops.
    ends: bool = False


@dataclass
class Narrative:
    title: str = ""
    agency: str = ""
    year: int | None = None
    texts: dict[str, str] = field(default_factory=dict)
    signed_by: str = ""
    signed_on: str = ""
    published_on: str = ""
    warnings: list[tuple[tuple[str, ...], str]] = field(default_factory=list)


_PAGE_NUMBER = re.compile(r"^[\s—\-–－一_]*\d{1,3}[\s—\-–－一_]*$|^第\s*\d+\s*页(\s*共\s*\d+\s*页)?$|^\d+\s*/\s*\d+$")
_TITLE = re.compile(
    r"^(?P<agency>.*?)(?:关于)?(?P<year>(?:19|20)\d{2})\s*年度?\s*(?:的)?(?:政府)?(?:信息公开|政务公开)(?:工作)?(?:年度)?报告"
    # The year first: 「2019年上海市人民政府办公厅政府信息公开工作年度报告」 (the agency's own
    # 政府 stays in its name).
    r"|^(?P<year_first>(?:19|20)\d{2})\s*年度?\s*(?P<agency_after>.+?)(?:政府信息公开|政务公开|信息公开)(?:工作)?(?:年度)?报告"
)


def title_parts(title: str) -> tuple[str, int] | None:
    """(agency, year) of a report title written either way round, or None."""
    match = _TITLE.match(title)
    if match is None:
        return None
    if match["year_first"]:
        return match["agency_after"].strip(), int(match["year_first"])
    return match["agency"].strip(), int(match["year"])


_PUBLISHED = re.compile(
    r"^(?:发布日期|发布时间|公开日期)[:：](?P<y>(?:19|20)\d{2})[-./年](?P<m>\d{1,2})[-./月](?P<d>\d{1,2})日?$"
)
_DATE = re.compile(r"^(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日$")
_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7F])[ \t\u3000]+|[ \t\u3000]+(?=[^\x00-\x7F])")


def clean(text: str) -> str:
    """A printed line without the spaces justification puts between Chinese characters
    (「号 ， 邮 编 ：」 → 「号，邮编：」); spaces between Latin words stay."""
    return _CJK_SPACE.sub("", text.strip())


def _join(a: str, b: str) -> str:
    if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum():
        return f"{a} {b}"
    return a + b


def _heading_key(text: str) -> str | None:
    """The section a heading line opens: 「一、总体情况」, also printed 「一. 总体 情况」 or with the
    title a little varied (「四、政府信息公开行政复议和行政诉讼情况」). Sub-headings such as
    「（四）进一步完善…」 are not section headings."""
    folded = unicodedata.normalize("NFKC", text).strip()
    n = norm(text)
    for s in spec.SECTIONS:
        if not re.match(rf"^{s.number}\s*[、.,，．]", folded):
            continue
        h = norm(s.heading)
        if n.startswith(h) and len(n) <= len(h) + 6:
            return s.key
        if n.startswith(norm(s.number) + norm(s.title)[:3]) and len(n) <= len(h) + 10:
            return s.key
        # The whole official title after a few words more: 「五、政府信息公开工作存在的主要问题及
        # 改进情况」 (the wording of many 2019 reports).
        if n.endswith(norm(s.title)) and len(n) <= len(h) + 10:
            return s.key
    return None


def parse_date(text: str) -> str:
    m = _DATE.match(clean(unicodedata.normalize("NFKC", text)))
    if not m:
        return ""
    return f"{int(m['y']):04d}-{int(m['m']):02d}-{int(m['d']):02d}"


def _running(lines: list[Line]) -> set[str]:
    """Texts of running headers and footers: the first or last line of a page, printed the same
    on two pages or more (「苍南县教育局　2021年度政府信息公开工作年度报告」 at every page's top)."""
    by_page: dict[int, list[Line]] = {}
    for ln in lines:
        by_page.setdefault(ln.page, []).append(ln)
    seen: dict[str, set[int]] = {}
    for page, on_page in by_page.items():
        on_page.sort(key=lambda ln: ln.top)
        for ln in {id(on_page[0]): on_page[0], id(on_page[-1]): on_page[-1]}.values():
            seen.setdefault(re.sub(r"\s+", "", ln.text), set()).add(page)
    return {text for text, pages in seen.items() if len(pages) >= 2}


def read_narrative(lines: list[Line]) -> Narrative:
    result = Narrative()
    lines = [ln for ln in lines if ln.text.strip() and not _PAGE_NUMBER.match(unicodedata.normalize("NFKC", ln.text))]
    running = _running(lines)
    lines = [ln for ln in lines if re.sub(r"\s+", "", ln.text) not in running]
    if not lines:
        return result
    body_size = statistics.median(ln.size for ln in lines)
    # The title: the large lines at the top of the first page, before any body line.
    title_lines = []
    rest = list(lines)
    while rest and rest[0].page == lines[0].page and rest[0].size >= body_size * 1.15:
        title_lines.append(rest.pop(0))
    result.title = "".join(clean(ln.text) for ln in title_lines)
    parts = title_parts(norm_title := re.sub(r"\s+", "", unicodedata.normalize("NFKC", result.title)))
    if parts:
        result.agency, result.year = parts
    elif norm_title:
        result.warnings.append((("title",), f"标题「{result.title}」中找不到机关名称和年度"))

    # A portal's 「发布日期：2020-01-31」 under the title is the publication date, not text.
    if rest and (published := _PUBLISHED.match(re.sub(r"\s+", "", unicodedata.normalize("NFKC", rest[0].text)))):
        result.published_on = f"{published['y']}-{int(published['m']):02d}-{int(published['d']):02d}"
        rest.pop(0)

    # The signature: a date as the last line, and the short lines just above it.
    if rest and (date := parse_date(rest[-1].text)):
        result.signed_on = date
        rest.pop()
        left = min(ln.x0 for ln in rest) if rest else 0
        signer: list[str] = []
        while (
            rest
            and len(clean(rest[-1].text)) <= 30
            and rest[-1].x0 > left + 4 * body_size
            and _heading_key(rest[-1].text) is None
        ):
            signer.insert(0, clean(rest.pop().text))
        result.signed_by = "".join(signer)

    by_section: dict[str, list[Line]] = {"intro": []}
    current = "intro"
    for ln in rest:
        key = _heading_key(ln.text)
        if key is not None and key not in by_section:
            current = key
            by_section[key] = []
            continue
        by_section.setdefault(current, []).append(ln)
    for s in spec.SECTIONS:
        if s.kind == "text" and s.key not in by_section:
            result.warnings.append(((s.key,), f"找不到“{s.heading}”的标题，该部分未读取"))
    for key in spec.TEXT_FIELDS:
        result.texts[key] = _paragraphs(by_section.get(key, []), body_size)
    return result


def _paragraphs(lines: list[Line], size: float) -> str:
    if not lines:
        return ""
    # The text block's edges, per page (a two-column header or a different margin on one page
    # must not move the others).
    pages: dict[int, list[Line]] = {}
    for ln in lines:
        pages.setdefault(ln.page, []).append(ln)
    left = {p: statistics.median_low(sorted(ln.x0 for ln in ls)) for p, ls in pages.items()}
    right = {p: max(ln.x1 for ln in ls) for p, ls in pages.items()}
    paragraphs: list[str] = []
    current = ""
    previous: Line | None = None
    for ln in lines:
        text = clean(ln.text)
        indented = ln.x0 > left[ln.page] + 0.8 * size
        ended = previous is not None and (previous.ends or previous.x1 < right[previous.page] - 1.5 * size)
        if current and (indented or ended):
            paragraphs.append(current)
            current = ""
        current = _join(current, text)
        previous = ln
    if current:
        paragraphs.append(current)
    return "\n\n".join(paragraphs)
