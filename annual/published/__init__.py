"""Published reports in: a report read from its published PDF or portal page into the official
layout, every figure traced to where it was printed (spec/report-json.md, third round).

`read_published_pdf(raw)` and `read_published_html(raw)` give a `Reading`: the document (valid
in the interchange format), where each value was printed, the reader's warnings as
`unreadable` findings, and notes (元 converted to 万元, a single-row （六）). Nothing is guessed:
what cannot be read is blank, with a warning naming it. What is printed is kept, errors
included: the rules find those.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import template_spec as spec
from ..document import DocumentError, blank_document, validate
from ..rules import WARNING, Finding
from .html import read_html
from .narrative import Line, Narrative, read_narrative
from .pdf import NotReadable, read_pdf
from .tables import Grid, TableReading, Where, read_tables

__all__ = ["NotReadable", "Reading", "read_published_pdf", "read_published_html", "reading_from"]


@dataclass
class Reading:
    document: dict
    where: dict[str, Where] = field(default_factory=dict)
    warnings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    pages: int = 0
    source: str = "pdf"

    @property
    def cells_read(self) -> int:
        return sum(1 for path in self.where)

    @property
    def cells_expected(self) -> int:
        return len(value_paths(self.document["template"]))


def value_paths(version: str) -> list[str]:
    paths = []
    for item, fields in spec.proactive_fields(version).items():
        paths += [f"proactive.{item}.{f.key}" for f in fields]
    for row in spec.application_rows(version):
        paths += [f"applications.{row.key}.{c.key}" for c in spec.APPLICATION_COLUMNS]
    for group in spec.REVIEW_GROUPS:
        paths += [f"review_litigation.{group.key}.{f.key}" for f in spec.REVIEW_FIELDS]
    return paths


def _version(narrative: Narrative, probe: TableReading) -> str:
    assert narrative.year is not None
    by_year = spec.version_for_year(narrative.year)
    if probe.version_hints and by_year not in probe.version_hints:
        printed = "、".join(sorted(probe.version_hints))
        raise NotReadable(
            f"{narrative.year} 年度的报告应使用 {by_year} 年版模板，但表二印的是 {printed} 年版的表头：模板无法确定"
        )
    return by_year


def reading_from(grids: list[Grid], lines: list[Line], pages: int, source: str) -> Reading:
    """The Reading of a report given as table grids and lines (from a PDF or a portal page)."""
    narrative = read_narrative(lines)
    if narrative.year is None or not narrative.agency:
        if not grids and not any(narrative.texts.values()):
            raise NotReadable("不是政府信息公开工作年度报告：找不到报告标题和统计表")
        if "政府信息公开" not in (narrative.title or ""):
            raise NotReadable(f"不是政府信息公开工作年度报告：标题读作「{narrative.title or '（无）'}」")
        raise NotReadable(
            "找不到报告标题中的机关名称和年度（应为「××2023年度政府信息公开工作年度报告」）"
            + (f"：标题读作「{narrative.title}」" if narrative.title else "")
        )
    probe = read_tables(grids, spec.version_for_year(narrative.year))
    version = _version(narrative, probe)
    tables = probe if version == spec.version_for_year(narrative.year) else read_tables(grids, version)
    if not tables.values:
        raise NotReadable("找不到政府信息公开年度报告的统计表（二、三、四）：不是年度报告，或模板未知")

    doc = blank_document(agency=narrative.agency, year=narrative.year, version=version)
    for path, value in tables.values.items():
        section, row, col = path.split(".")
        doc[section][row][col] = value
    for key, text in narrative.texts.items():
        doc[key] = text
    meta: dict = {}
    if narrative.signed_by:
        meta["signed_by"] = narrative.signed_by
    if narrative.signed_on:
        meta["signed_on"] = narrative.signed_on
    if narrative.published_on:
        meta["published_on"] = narrative.published_on
    if tables.variants:
        meta["printed_variants"] = sorted(set(tables.variants))
    doc["meta"] = meta
    try:
        document = validate(doc)
    except DocumentError as exc:
        raise NotReadable("读出的内容不符合报告格式：" + "；".join(exc.lines()[:5])) from None

    warnings = [Finding("unreadable", WARNING, cells, None, None, message) for cells, message in narrative.warnings]
    warnings += [Finding("unreadable", WARNING, cells, None, None, message) for cells, message in tables.warnings]
    warnings += _missing(version, tables)
    return Reading(document, tables.where, warnings, tables.notes, pages, source)


def _missing(version: str, tables: TableReading) -> list[Finding]:
    """One warning per row (or table) of which nothing was printed where the reader looked."""
    missing_by_row: dict[tuple[str, str], list[str]] = {}
    single_other = "other_single_row" in tables.variants
    for path in value_paths(version):
        if path in tables.where:
            continue
        section, row, _ = path.split(".")
        if single_other and row in ("other_no_correction", "other_unpaid_fee"):
            continue
        missing_by_row.setdefault((section, row), []).append(path)
    findings = []
    sections = {s.key: s for s in spec.SECTIONS}
    read_sections = {p.split(".")[0] for p in tables.where}
    for section in ("proactive", "applications", "review_litigation"):
        rows = {k: v for k, v in missing_by_row.items() if k[0] == section}
        if not rows:
            continue
        if section not in read_sections:
            findings.append(
                Finding(
                    "unreadable", WARNING, (section,), None, None, f"未能读取{sections[section].heading}的表格，已留空"
                )
            )
            continue
        for paths in rows.values():
            names = "、".join(spec.describe_cell(version, p) for p in paths[:3])
            more = f"等 {len(paths)} 格" if len(paths) > 3 else ""
            findings.append(Finding("unreadable", WARNING, tuple(paths), None, None, f"未能读取 {names}{more}，已留空"))
    return findings


def read_published_pdf(raw: bytes) -> Reading:
    grids, lines, pages = read_pdf(raw)
    return reading_from(grids, lines, pages, "pdf")


def read_published_html(raw: bytes) -> Reading:
    grids, lines = read_html(raw)
    return reading_from(grids, lines, 0, "html")
