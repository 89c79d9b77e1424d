"""The template context of the printed report: a pure function of a report document.

Everything printed comes from the document and `annual.template_spec` (rows, labels, merges);
nothing here touches the database or spells a label. The HTML template only lays out what this
module decides: which cells exist, their spans and their printed text.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import ClassVar

from .. import template_spec as spec
from ..formatting import (
    Paragraph,
    balanced_lines,
    default_title,
    format_date,
    paragraphs,
    section_paragraphs,
    title_lines,
)
from ..layout import Table, build_table
from .fit import Fit, columns_mm, fit
from .paginate import kept_rows


@dataclass(frozen=True)
class DraftMark:
    """What a draft prints: the 「草稿」 watermark and, in the footer, its state and times."""

    state: str  # the report's state label, e.g. 待审核
    printed_at: datetime.datetime
    changed_at: datetime.datetime | None = None
    watermark: ClassVar[bool] = True
    header: ClassVar[str] = ""  # a line atop every page; drafts have none

    @property
    def footer(self) -> str:
        parts = [f"草稿　状态：{self.state}"]
        if self.changed_at is not None:
            parts.append(f"最后修改：{_stamp(self.changed_at)}")
        parts.append(f"打印时间：{_stamp(self.printed_at)}")
        return "　".join(parts)


@dataclass(frozen=True)
class RollupMark(DraftMark):
    """What a 汇总 prints: no watermark, as it is circulated as printed, and a line atop every
    page stating its basis: a roll-up, not an approved report; how many agencies' reports it
    sums (and how many of those are not approved); the time its figures were read."""

    included: int = 0
    total: int = 0
    unapproved: int = 0
    watermark: ClassVar[bool] = False

    @property
    def header(self) -> str:  # type: ignore[override]  # a class constant on drafts
        unapproved = f"，{self.unapproved} 个未经审核" if self.unapproved else ""
        return (
            f"汇总数，非经审核的年度报告　纳入 {self.included} 个下级机关（共 {self.total} 个{unapproved}）"
            f"　数据截至 {_stamp(self.printed_at)}"
        )

    @property
    def footer(self) -> str:
        return ""


def _stamp(moment: datetime.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


# The signature stands two characters in from the right margin: 26 characters of 3号 (in
# half-width units) fit; a longer name is broken into even lines, a shorter one never.
SIGNATURE_WIDTH = 2 * 26


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: list[Paragraph] = field(default_factory=list)
    table: Table | None = None
    fit: Fit = Fit()  # a table's widths and sizes, and whether it prints landscape
    new_page: bool = False  # the section starts a page (its table would open at a page foot)


def build_context(
    doc: dict,
    *,
    title: str | None = None,
    draft: DraftMark | None = None,
    splits: dict[str, list[int]] | None = None,
    keep: bool = False,
) -> dict:
    """Everything the print template shows, from a valid document.

    `title` is the report's own title (Report.display_title) and defaults to the official one;
    `draft` is None for the final (approved) print and a DraftMark otherwise. `splits` maps a
    table's key to the body rows that must open a new page, merged labels repeated
    (paginate.py finds them from a first layout); row 0 starts the table's section on a page.
    `keep` marks the rows that no page break may open (`kept_rows`), so that the first layout
    places its breaks where they need no split.
    """
    sections = []
    for s in spec.SECTIONS:
        if s.kind == "text":
            sections.append(Section(s.heading, paragraphs=section_paragraphs(doc.get(s.key, ""))))
        else:
            table = build_table(doc, s.key, printed=True)
            indexes = (splits or {}).get(s.key, ())
            for index in indexes:
                if index:
                    table = table.split_at(index)
            printed = fit(table)
            if keep:
                table = table.with_row_class(kept_rows(table, columns_mm(table, printed)), "keep")
            sections.append(Section(s.heading, table=table, fit=printed, new_page=0 in indexes))
    meta = doc.get("meta", {})
    signed_by = meta.get("signed_by") or doc["agency"]
    title = (title or "").strip() or default_title(doc["agency"], doc["year"])
    return {
        "title": title,
        "title_lines": title_lines(title, doc["agency"]),
        "agency": doc["agency"],
        "version": doc["template"],
        "intro": paragraphs(doc.get("intro", "")),
        "sections": sections,
        "signed_by": signed_by,
        "signed_by_lines": balanced_lines(signed_by, SIGNATURE_WIDTH),
        "signed_on": format_date(meta.get("signed_on")),
        "draft": draft,
        "fit_css": "\n".join(s.fit.css for s in sections if s.fit.css),
        # The draft footer and a roll-up's basis get a turned copy for landscape pages.
        "has_landscape": any(s.fit.landscape for s in sections),
    }
