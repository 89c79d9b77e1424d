"""The rule engine: pure functions from a report document to findings.

The blocking rules are all linear equalities between sums of cells, so they are generated as
data (`Check`) from the template spec. The server evaluates them here; the entry grid receives
the same checks over its table's cells (`forms.sections.grid_config`) and evaluates them live,
so no rule is written twice.
Blank cells count as 0 everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from . import comparison
from . import template_spec as spec
from .document import value_at

ERROR = "error"
WARNING = "warning"
# A suggestion (the probable culprit, annual/culprit.py): never blocks, never asks for an explanation.
HINT = "hint"
SEVERITY_LABELS = {ERROR: "错误", WARNING: "提示", HINT: "建议"}

RULE_LABELS = {
    "row_total": "行总计",
    "handled_total": "（七）总计",
    "balance": "勾稽关系",
    "group_total": "复议诉讼总计",
    "non_negative_integer": "非负整数",
    "carry_over_continuity": "上年结转衔接",
    "proactive_continuity": "主动公开数据衔接",
    "narrative_numbers": "正文数字与表格一致",
    "fee_report": "信息处理费情况",
    "likely_error": "最可能的错误",
    "year_on_year": "与上年相比变化异常",
    "copied_text": "内容雷同",
    # A published report's reader could not read a cell, row or section (annual/published).
    "unreadable": "无法读取",
}


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    cells: tuple[str, ...]
    # One value per finding, or (for a hint that names several cells) one per cell, in order.
    # A share (0–1) for copied_text.
    expected: int | float | tuple[int, ...] | None
    actual: int | float | tuple[int | None, ...] | None
    message: str

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "cells": list(self.cells),
            "expected": list(self.expected) if isinstance(self.expected, tuple) else self.expected,
            "actual": list(self.actual) if isinstance(self.actual, tuple) else self.actual,
            "message": self.message,
        }

    @property
    def key(self) -> str:
        """Stable identity of a finding, e.g. to attach an explanation to a warning."""
        return f"{self.rule}:{','.join(self.cells)}"


@dataclass(frozen=True)
class Check:
    """sum(parts) must equal sum(targets). `message` is formatted with expected and actual."""

    rule: str
    parts: tuple[str, ...]
    targets: tuple[str, ...]
    message: str

    @property
    def cells(self) -> tuple[str, ...]:
        return self.targets + self.parts


def _num(value) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


@cache
def blocking_checks(version: str) -> tuple[Check, ...]:
    """Every blocking cross-total of `version`, in the order findings are reported."""
    checks: list[Check] = []
    rows = spec.application_rows(version)
    applicants = spec.APPLICANT_COLUMNS
    for row in rows:
        checks.append(
            Check(
                "row_total",
                parts=tuple(f"applications.{row.key}.{c.key}" for c in applicants),
                targets=(f"applications.{row.key}.total",),
                message=f"{row.display}：六类申请人之和为 {{expected}}，总计填写为 {{actual}}",
            )
        )
    outcomes = spec.outcome_rows(version)
    handled = spec.application_rows_by_key(version)["handled_total"]
    for col in spec.APPLICATION_COLUMNS:
        checks.append(
            Check(
                "handled_total",
                parts=tuple(f"applications.{r.key}.{col.key}" for r in outcomes),
                targets=(f"applications.handled_total.{col.key}",),
                message=f"{handled.numbered_label}·{col.label}：各项之和为 {{expected}}，填写为 {{actual}}",
            )
        )
    by_key = spec.application_rows_by_key(version)
    received, carried = by_key["received"].reference, by_key["carried_over"].reference
    forward = by_key["carried_forward"].reference
    for col in spec.APPLICATION_COLUMNS:
        checks.append(
            Check(
                "balance",
                parts=(f"applications.received.{col.key}", f"applications.carried_over.{col.key}"),
                targets=(f"applications.handled_total.{col.key}", f"applications.carried_forward.{col.key}"),
                message=(
                    f"{col.label}栏：{received}＋{carried}为 {{expected}}，"
                    f"{handled.reference}＋{forward}为 {{actual}}，两者应相等"
                ),
            )
        )
    parts_label = "＋".join(spec.REVIEW_FIELDS_BY_KEY[k].label for k in spec.REVIEW_PART_KEYS)
    total_label = spec.REVIEW_FIELDS_BY_KEY["total"].label
    for group in spec.REVIEW_GROUPS:
        checks.append(
            Check(
                "group_total",
                parts=tuple(f"review_litigation.{group.key}.{k}" for k in spec.REVIEW_PART_KEYS),
                targets=(f"review_litigation.{group.key}.total",),
                message=f"{group.label}·{total_label}：{parts_label}为 {{expected}}，{total_label}填写为 {{actual}}",
            )
        )
    return tuple(checks)


def run_check(check: Check, doc: dict) -> Finding | None:
    expected = sum(_num(value_at(doc, p)) for p in check.parts)
    actual = sum(_num(value_at(doc, p)) for p in check.targets)
    if expected == actual:
        return None
    return Finding(
        check.rule, ERROR, check.cells, expected, actual, check.message.format(expected=expected, actual=actual)
    )


def blocking_findings(doc: dict) -> list[Finding]:
    return [f for c in blocking_checks(doc["template"]) if (f := run_check(c, doc)) is not None]


# --- Warnings -----------------------------------------------------------------------------------


def _previous_name(previous: dict) -> str:
    """How a message names last year's report: its year, and what its figures are when the
    database said (`interchange.previous_document`): approved, or a report still in progress."""
    basis = previous.get("basis")
    return f"{previous['year']}年度报告（{basis}）" if basis else f"{previous['year']}年度报告"


def carry_over_findings(doc: dict, previous: dict | None) -> list[Finding]:
    """This year's 二、上年结转 must equal last year's 四、结转下年度继续办理, column by column."""
    if previous is None:
        return []
    rows = spec.application_rows_by_key(doc["template"])
    carried, forward = rows["carried_over"], rows["carried_forward"]
    findings = []
    for col in spec.APPLICATION_COLUMNS:
        this = _num(value_at(doc, f"applications.carried_over.{col.key}"))
        last = _num(value_at(previous, f"applications.carried_forward.{col.key}"))
        if this != last:
            findings.append(
                Finding(
                    "carry_over_continuity",
                    WARNING,
                    (f"applications.carried_over.{col.key}",),
                    last,
                    this,
                    f"{carried.number}{carried.short}·{col.label}：{_previous_name(previous)}{forward.short}为 {last}，"
                    f"本年{carried.short}填写为 {this}",
                )
            )
    return findings


def proactive_findings(doc: dict, previous: dict | None) -> list[Finding]:
    """二 carried from last year: 2021 现行有效件数, 2019 上一年项目数量."""
    if previous is None or previous["template"] != doc["template"]:
        return []
    findings = []
    labels = {item.key: item.label for item, _ in spec.proactive_items(doc["template"])}
    for item_key, fields in spec.proactive_fields(doc["template"]).items():
        keys = {f.key for f in fields}
        name = {f.key: f.label for f in fields}
        this = doc["proactive"][item_key]
        last = previous["proactive"][item_key]
        if {"in_force", "issued", "repealed"} <= keys:
            if this.get("in_force") is None:
                continue
            expected = _num(last.get("in_force")) + _num(this.get("issued")) - _num(this.get("repealed"))
            actual = this["in_force"]
            if expected != actual:
                findings.append(
                    Finding(
                        "proactive_continuity",
                        WARNING,
                        (f"proactive.{item_key}.in_force",),
                        expected,
                        actual,
                        f"{labels[item_key]}·{name['in_force']}：上年 {_num(last.get('in_force'))} ＋{name['issued']} "
                        f"{_num(this.get('issued'))} －{name['repealed']} {_num(this.get('repealed'))} 为 {expected}，"
                        f"填写为 {actual}（上年数据取自{_previous_name(previous)}）",
                    )
                )
        elif {"previous", "change"} <= keys:
            if this.get("previous") is None:
                continue
            expected = _num(last.get("previous")) + _num(last.get("change"))
            actual = this["previous"]
            if expected != actual:
                findings.append(
                    Finding(
                        "proactive_continuity",
                        WARNING,
                        (f"proactive.{item_key}.previous",),
                        expected,
                        actual,
                        f"{labels[item_key]}·{name['previous']}：上年报告为 {_num(last.get('previous'))}，{name['change']} "
                        f"{_num(last.get('change'))}，应为 {expected}，填写为 {actual}（上年数据取自{_previous_name(previous)}）",
                    )
                )
    return findings


@dataclass(frozen=True)
class NarrativePattern:
    """A phrase in 一、总体情况 that states a table figure, and the cells it may refer to.

    A stated number is accepted if it equals any of `alternatives` (each a sum of cells), since
    offices phrase the same figure in more than one way (受理 may include last year's carry-over).
    """

    what: str
    regex: re.Pattern
    alternatives: tuple[tuple[str, ...], ...]


_N = r"(\d+)\s*(?:件|个|宗)"
NARRATIVE_PATTERNS = (
    NarrativePattern(
        "依申请公开申请数",
        re.compile(
            r"(?:收到|受理|新收|共收)[^，,。；;\d]{0,16}?(?:依申请公开|信息公开申请|公开申请)[^，,。；;\d]{0,6}?" + _N
        ),
        (("applications.received.total",), ("applications.received.total", "applications.carried_over.total")),
    ),
    NarrativePattern(
        "行政复议案件数",
        re.compile(r"行政复议[^，,。；;\d]{0,6}?" + _N),
        (("review_litigation.review.total",),),
    ),
    NarrativePattern(
        "行政诉讼案件数",
        re.compile(r"(?:行政诉讼|涉及诉讼|起诉)[^，,。；;\d]{0,6}?" + _N),
        (("review_litigation.litigation_direct.total", "review_litigation.litigation_after_review.total"),),
    ),
)


def narrative_findings(doc: dict) -> list[Finding]:
    """Numbers stated in 一、总体情况 that disagree with the tables (best effort).

    Only the phrases in NARRATIVE_PATTERNS are compared: the number of applications received,
    of administrative reviews and of lawsuits. Anything else in the text is not read.
    """
    text = doc.get("overview") or ""
    findings = []
    for pattern in NARRATIVE_PATTERNS:
        for match in pattern.regex.finditer(text):
            stated = int(match.group(1))
            sums = [sum(_num(value_at(doc, p)) for p in alt) for alt in pattern.alternatives]
            if stated in sums:
                continue
            cells = pattern.alternatives[0]
            findings.append(
                Finding(
                    "narrative_numbers",
                    WARNING,
                    cells,
                    sums[0],
                    stated,
                    f"{spec.SECTIONS_BY_KEY['overview'].heading}中“{match.group(0)}”写明{pattern.what}为 {stated}，"
                    f"表格中为 {sums[0]}",
                )
            )
    return findings


# From the 2021 format on, 六 is where an office reports the information-processing fees it
# charged under 《政府信息公开信息处理费管理办法》 (国办函〔2020〕109号), or that it charged none.
FEE_SECTION = "other_matters"
FEE_VERSIONS = ("2021",)


def fee_findings(doc: dict) -> list[Finding]:
    """A 2021-format report whose 六 is empty: it should state the fees charged (or none)."""
    if doc["template"] not in FEE_VERSIONS or (doc.get(FEE_SECTION) or "").strip():
        return []
    section = spec.SECTIONS_BY_KEY[FEE_SECTION]
    return [
        Finding(
            "fee_report",
            WARNING,
            (FEE_SECTION,),
            None,
            None,
            f"{section.heading}为空：2021 年版应在此报告依据《政府信息公开信息处理费管理办法》"
            f"（国办函〔2020〕109号）收取信息处理费的情况，未收取的也应写明",
        )
    ]


def year_on_year_findings(doc: dict, previous: dict | None) -> list[Finding]:
    """Cells that changed unusually since last year's report (thresholds: annual/comparison.py)."""
    if previous is None:
        return []
    findings = []
    version = doc["template"]
    for path, kind in comparison.shared_paths(previous, doc):
        before, now = value_at(previous, path), value_at(doc, path)
        why = comparison.unusual_change(kind, before, now)
        if why:
            findings.append(
                Finding(
                    "year_on_year",
                    WARNING,
                    (path,),
                    None,
                    None,
                    f"{spec.describe_cell(version, path)}：{_previous_name(previous)}为 {before}，本年为 {now}，{why}，"
                    "请核对或说明原因",
                )
            )
    return findings


def copied_text_findings(doc: dict, previous: dict | None) -> list[Finding]:
    """Sections whose text stands, above the threshold, in last year's report (内容雷同)."""
    if previous is None:
        return []
    findings = []
    pool = comparison.shingles("\n".join(previous.get(k) or "" for k in comparison.NARRATIVE_KEYS))
    threshold = comparison.COPIED_THRESHOLD
    for key in comparison.NARRATIVE_KEYS:
        share = comparison.copied(doc.get(key), [pool]).share
        if share > threshold:
            findings.append(
                Finding(
                    "copied_text",
                    WARNING,
                    (key,),
                    threshold,
                    share,
                    f"{spec.TEXT_LABELS[key]}：{share:.0%} 的文字与{_previous_name(previous)}相同（超过 {threshold:.0%}），"
                    "内容雷同，请按本年度实际情况撰写或说明原因",
                )
            )
    return findings


def warning_findings(doc: dict, previous: dict | None) -> list[Finding]:
    previous = previous or None  # an empty record of last year (`{}`) is no last year
    return (
        carry_over_findings(doc, previous)
        + proactive_findings(doc, previous)
        + narrative_findings(doc)
        + fee_findings(doc)
        + year_on_year_findings(doc, previous)
        + copied_text_findings(doc, previous)
    )


def check_document(doc: dict, previous: dict | None = None) -> list[Finding]:
    """Every finding for a valid document; `previous` is last year's document, if known."""
    return blocking_findings(doc) + warning_findings(doc, previous)


def errors(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == ERROR]
