"""Entering a report section by section: the steps, their completeness, and saving one section.

A step is a view over the saved report: every submit writes that section to the database, so
going back, jumping, reloading or switching computers never loses input. Two tabs cannot
silently overwrite each other: each section has its own revision (`Report.section_revisions`);
a page carries the revision it was loaded at and `save_section` refuses to overwrite a section
someone else saved in the meantime, returning their values instead (`SectionConflict`).

Values are document fragments (see `annual/document.py`): a section's keys and the values the
interchange document would hold there.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from simple_history.utils import bulk_create_with_history, get_history_manager_for_model

from . import rules
from . import template_spec as spec
from .document import blank_document, value_at
from .interchange import (
    CONTACT_COLUMNS, META_COLUMNS, build_rows, load_report, previous_document, report_to_document,
    write_document,
)
from .models import Agency, ApplicationRow, ProactiveItem, Report, ReviewLitigationGroup


@dataclass(frozen=True)
class Step:
    slug: str  # in the URL
    key: str  # the section's key in the document and in Report.section_revisions
    number: str  # 一 … 六, "" for 基本信息 and 审阅
    title: str

    @property
    def label(self) -> str:
        return f"{self.number}、{self.title}" if self.number else self.title

    @property
    def short_label(self) -> str:
        return f"{self.number}、{_SHORT_TITLES.get(self.key, self.title)}" if self.number else self.title


_SHORT_TITLES = {
    "overview": "总体情况",
    "proactive": "主动公开",
    "applications": "依申请公开",
    "review_litigation": "复议、诉讼",
    "problems": "问题及改进",
    "other_matters": "其他事项",
}

BASIC = Step("basic", "basic", "", "基本信息")
REVIEW = Step("review", "review", "", "审阅")
_SLUGS = {
    "overview": "overview",
    "proactive": "proactive",
    "applications": "applications",
    "review_litigation": "review-litigation",
    "problems": "problems",
    "other_matters": "other-matters",
}
SECTION_STEPS = tuple(Step(_SLUGS[s.key], s.key, s.number, s.title) for s in spec.SECTIONS)
STEPS = (BASIC, *SECTION_STEPS, REVIEW)
STEPS_BY_SLUG = {s.slug: s for s in STEPS}
STEPS_BY_KEY = {s.key: s for s in STEPS}
EDIT_STEPS = (BASIC, *SECTION_STEPS)

TABLE_KEYS = ("proactive", "applications", "review_litigation")
TEXT_KEYS = ("overview", "problems", "other_matters")


def neighbours(step: Step) -> tuple[Step | None, Step | None]:
    i = STEPS.index(step)
    return (STEPS[i - 1] if i > 0 else None, STEPS[i + 1] if i + 1 < len(STEPS) else None)


# --- Reading a section ---------------------------------------------------------------------------

def basic_values(doc: dict, report: Report) -> dict:
    """The 基本信息 step's values: title, agency label, the header facts and the opening paragraph."""
    meta = doc.get("meta", {})
    contact = meta.get("contact", {})
    values = {"title": report.title, "agency": doc["agency"], "intro": doc["intro"]}
    for key, _ in spec.META_FIELDS:
        values[f"meta.{key}"] = meta.get(key)
    for key, _ in spec.CONTACT_FIELDS:
        values[f"meta.contact.{key}"] = contact.get(key)
    return values


def section_values(doc: dict, report: Report, key: str) -> dict:
    """A section's values keyed by cell path (what the step's form fields are named)."""
    if key == "basic":
        return basic_values(doc, report)
    if key in TEXT_KEYS:
        return {key: doc[key]}
    values = {}
    for name, row in doc[key].items():
        for col, value in row.items():
            values[f"{key}.{name}.{col}"] = value
    return values


# --- Completeness and findings per step ----------------------------------------------------------

EMPTY, PARTIAL, COMPLETE = "empty", "partial", "complete"
STATUS_LABELS = {EMPTY: "未填写", PARTIAL: "部分填写", COMPLETE: "已填写"}

# Header facts without which the report cannot be published (the rest may be absent).
_BASIC_REQUIRED = ("agency", "intro", "meta.published_on", "meta.signed_by", "meta.signed_on")


@dataclass(frozen=True)
class Completeness:
    filled: int
    total: int
    status: str

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


def _status(filled: int, total: int, complete: bool) -> Completeness:
    status = COMPLETE if complete else (PARTIAL if filled else EMPTY)
    return Completeness(filled, total, status)


def completeness(doc: dict, report: Report, key: str) -> Completeness:
    """How far a section is filled.

    Text: written or not. 基本信息: every field counted, complete once the facts a published
    report cannot lack are there. 二: complete when every cell holds a figure (offices write 0).
    三 and 四: a blank cell legitimately means none, so complete means the figures every report
    states are there — 三's 一、本年新收 and （七）总计 totals, 四's three group totals.
    """
    values = section_values(doc, report, key)
    filled = sum(1 for v in values.values() if v not in (None, ""))
    total = len(values)
    if key == "basic":
        return _status(filled, total, all(values[k] not in (None, "") for k in _BASIC_REQUIRED))
    if key in TEXT_KEYS:
        return _status(filled, total, filled == total)
    if key == "proactive":
        return _status(filled, total, filled == total)
    if key == "applications":
        spine = ("applications.received.total", "applications.handled_total.total")
        return _status(filled, total, all(values[p] is not None for p in spine))
    spine = tuple(f"review_litigation.{g.key}.total" for g in spec.REVIEW_GROUPS)
    return _status(filled, total, all(values[p] is not None for p in spine))


def finding_step(finding: rules.Finding) -> Step:
    """The step where a finding is fixed: narrative numbers in 一, otherwise the first cell's section."""
    if finding.rule == "narrative_numbers":
        return STEPS_BY_KEY["overview"]
    return STEPS_BY_KEY.get(finding.cells[0].split(".")[0], BASIC)


@dataclass
class StepStatus:
    step: Step
    completeness: Completeness | None
    errors: int = 0
    warnings: int = 0


@dataclass
class ReportOverview:
    """A report's document, its findings and the per-step status shown in the step list."""

    report: Report
    doc: dict
    previous: dict | None
    findings: list[rules.Finding]
    steps: list[StepStatus] = field(default_factory=list)

    @property
    def errors(self) -> list[rules.Finding]:
        return [f for f in self.findings if f.severity == rules.ERROR]

    @property
    def warnings(self) -> list[rules.Finding]:
        return [f for f in self.findings if f.severity == rules.WARNING]

    def findings_for(self, step: Step) -> list[rules.Finding]:
        return [f for f in self.findings if finding_step(f) == step]


def overview(report: Report, doc: dict | None = None, previous: dict | None | bool = False) -> ReportOverview:
    """Findings and completeness of every step; `previous=False` means look last year up."""
    if doc is None:
        doc = report_to_document(report)
    if previous is False:
        previous = previous_document(report.agency.name, report.year)
    findings = rules.check_document(doc, previous)
    result = ReportOverview(report, doc, previous, findings)
    for step in STEPS:
        status = StepStatus(step, None if step is REVIEW else completeness(doc, report, step.key))
        if step is not REVIEW:
            for f in findings:
                if finding_step(f) == step:
                    if f.severity == rules.ERROR:
                        status.errors += 1
                    else:
                        status.warnings += 1
        else:
            status.errors, status.warnings = len(result.errors), len(result.warnings)
        result.steps.append(status)
    return result


# --- Saving one section --------------------------------------------------------------------------

class NotEditable(Exception):
    """The report's values cannot change in its current state (submitted, approved, published)."""


@dataclass
class SectionConflict(Exception):
    """Someone saved this section after the page was loaded; nothing was written.

    `current` holds the section's saved values (keyed by cell path) and `revision` the section's
    revision now, so the page can show both versions and let the user decide.
    """

    current: dict
    revision: int
    saved_by: str | None = None
    saved_at: datetime.datetime | None = None


@dataclass(frozen=True)
class SaveResult:
    report: Report
    revision: int  # the section's new revision
    changed: int  # how many values differ from what was stored


def section_revision(report: Report, key: str) -> int:
    return int((report.section_revisions or {}).get(key, 0))


_ROW_MODELS = {"proactive": ProactiveItem, "applications": ApplicationRow, "review_litigation": ReviewLitigationGroup}
_ROW_FIELDS = {
    "proactive": ("made", "published", "total_published", "issued", "repealed", "in_force",
                  "previous", "change", "decisions", "projects", "amount_wan_yuan", "amount_places"),
    "applications": tuple(c.key for c in spec.APPLICATION_COLUMNS),
    "review_litigation": tuple(f.key for f in spec.REVIEW_FIELDS),
}


def _apply_basic(report: Report, values: dict) -> int:
    changed = 0
    updates = {"title": values["title"] or "", "agency_label": values["agency"], "intro": values["intro"] or ""}
    for key, column in META_COLUMNS.items():
        value = values[f"meta.{key}"]
        if isinstance(value, str) and key in spec.META_DATE_FIELDS:
            value = datetime.date.fromisoformat(value)
        updates[column] = value
    for key, column in CONTACT_COLUMNS.items():
        updates[column] = values[f"meta.contact.{key}"]
    for column, value in updates.items():
        if getattr(report, column) != value:
            setattr(report, column, value)
            changed += 1
    return changed


def _apply_rows(report: Report, key: str, values: dict, user) -> int:
    """Update the section's rows in place, in a fixed number of queries whatever the row count."""
    fragment: dict = blank_document(agency="-", year=report.year, version=report.template)
    for path, value in values.items():
        _, row, col = path.split(".")
        fragment[key][row][col] = value
    wanted = {"proactive": 0, "applications": 1, "review_litigation": 2}[key]
    new_rows = build_rows(report, fragment)[wanted]
    model = _ROW_MODELS[key]
    fields = _ROW_FIELDS[key]
    existing = {row.key: row for row in model.objects.filter(report=report)}
    to_update, to_create = [], []
    changed = 0
    for row in new_rows:
        current = existing.get(row.key)
        if current is None:
            to_create.append(row)
            changed += 1
            continue
        diff = [f for f in fields if getattr(current, f) != getattr(row, f)]
        if diff:
            for f in fields:
                setattr(current, f, getattr(row, f))
            to_update.append(current)
            changed += len(diff)
    if to_create:
        bulk_create_with_history(to_create, model, default_user=user)
    if to_update:
        _update_rows(model, to_update, fields)
        # One historical row per changed row: the audit trail shows old -> new on the same row.
        get_history_manager_for_model(model).bulk_history_create(to_update, update=True, default_user=user)
    return changed


def _update_rows(model, rows: list, fields: tuple[str, ...]) -> None:
    """UPDATE every row by primary key in one executemany round trip.

    Django's bulk_update would build a CASE WHEN expression per row and field; compiling that
    for a full 三 grid takes ~80 ms, this well under one.
    """
    qn = connection.ops.quote_name
    columns = [model._meta.get_field(f) for f in fields]
    assignments = ", ".join(f"{qn(c.column)} = %s" for c in columns)
    sql = f"UPDATE {qn(model._meta.db_table)} SET {assignments} WHERE {qn(model._meta.pk.column)} = %s"
    params = [[c.get_db_prep_save(getattr(row, c.attname), connection) for c in columns] + [row.pk] for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _current_values(report: Report, key: str) -> dict:
    fresh = load_report(report.pk)
    return section_values(report_to_document(fresh), fresh, key)


def save_section(report_id: int, key: str, values: dict, *, loaded_revision: int, user) -> SaveResult:
    """Write one section's values (already normalised, keyed by cell path) to the report.

    Locks the report row, refuses when the report is not editable (`NotEditable`) or when the
    section's revision moved since `loaded_revision` (`SectionConflict`, nothing written).
    Otherwise updates the report's fields or the section's rows (history records old -> new),
    and bumps both the section's revision and the report's. Cross-total errors never stop a save.
    """
    if key not in STEPS_BY_KEY or key == "review":
        raise ValueError(f"unknown section {key!r}")
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report_id)
        if not report.is_editable:
            raise NotEditable(report.get_state_display())
        now = section_revision(report, key)
        if now != loaded_revision:
            last = report.history.select_related("history_user").first()
            raise SectionConflict(
                current=_current_values(report, key),
                revision=now,
                saved_by=str(last.history_user) if last and last.history_user else None,
                saved_at=last.history_date if last else None,
            )
        if key == "basic":
            changed = _apply_basic(report, values)
        elif key in TEXT_KEYS:
            changed = int(getattr(report, key) != values[key])
            setattr(report, key, values[key])
        else:
            changed = _apply_rows(report, key, values, user)
        revisions = dict(report.section_revisions or {})
        revisions[key] = now + 1
        report.section_revisions = revisions
        report.revision += 1
        report._history_user = user  # simple_history: who made this change, also outside a request
        report.save()
    return SaveResult(report, now + 1, changed)


# --- Creating a report ---------------------------------------------------------------------------

class ReportExists(Exception):
    pass


# Header facts that rarely change from one year to the next, carried over to a new report.
_CARRIED_META = ("category", "disclosure", "signed_by", "website")


def new_document(agency: Agency, year: int, previous: dict | None) -> dict:
    """A blank document for `year`, prefilled from last year's report where the figures carry.

    二、上年结转 (every column) takes last year's 四、结转下年度继续办理; in the 2019 format each
    上一年项目数量 takes last year's 上一年项目数量 + 本年增/减 (the arithmetic
    `rules.proactive_findings` checks). Stable header facts and the agency label carry over too.
    """
    doc = blank_document(agency=previous["agency"] if previous else agency.name, year=year)
    if previous is None:
        return doc
    for col in spec.APPLICATION_COLUMNS:
        doc["applications"]["carried_over"][col.key] = value_at(previous, f"applications.carried_forward.{col.key}")
    if doc["template"] == spec.V2019 and previous["template"] == spec.V2019:
        for item_key, fields in spec.proactive_fields(spec.V2019).items():
            if "previous" not in {f.key for f in fields}:
                continue
            last = previous["proactive"][item_key]
            if last.get("previous") is not None or last.get("change") is not None:
                doc["proactive"][item_key]["previous"] = max(0, (last.get("previous") or 0) + (last.get("change") or 0))
    meta = {k: previous["meta"][k] for k in _CARRIED_META if k in previous.get("meta", {})}
    if "contact" in previous.get("meta", {}):
        meta["contact"] = dict(previous["meta"]["contact"])
    doc["meta"] = meta
    return doc


def default_new_year(today: datetime.date, taken: set[int]) -> int:
    """The year a new report is most likely for: reports are drafted from the last quarter of
    the year they cover until their January deadline, so from October on it is this year."""
    year = today.year if today.month >= 10 else today.year - 1
    while year in taken:
        year += 1
    return year


def create_report(agency: Agency, year: int, user) -> Report:
    """Create `agency`'s report for `year` (template by year), prefilled from last year's report."""
    if not 2000 <= year <= 2100:
        raise ValidationError("年度应在 2000 至 2100 之间")
    if Report.objects.filter(agency=agency, year=year).exists():
        raise ReportExists(f"{agency.name} {year} 年度的报告已存在")
    doc = new_document(agency, year, previous_document(agency.name, year))
    try:
        with transaction.atomic():
            report = write_document(doc, agency)
    except (IntegrityError, ValidationError):
        # Two people pressed "新建" at once: the unique constraint decided.
        raise ReportExists(f"{agency.name} {year} 年度的报告已存在") from None
    return report
