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
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import get_history_manager_for_model

from . import rules
from . import template_spec as spec
from .document import blank_document, value_at
from .formatting import person_name
from .interchange import (
    CONTACT_COLUMNS,
    META_COLUMNS,
    ROW_MODELS,
    load_report,
    previous_document,
    report_to_document,
    sync_rows,
    write_document,
)
from .models import Agency, Report


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


_BASIC_LABELS = {
    "agency": str(Agency._meta.get_field("name").verbose_name),
    "intro": spec.INTRO_LABEL,
    **{f"meta.{k}": v for k, v in spec.META_FIELDS},
}


def missing_basics(doc: dict, report: Report) -> list[str]:
    """The labels of the header facts a published report cannot lack that are still empty, in
    the order the 基本信息 step asks for them."""
    values = basic_values(doc, report)
    return [_BASIC_LABELS[path] for path in _BASIC_REQUIRED if values[path] in (None, "")]


def missing_basics_notice(doc: dict, report: Report) -> str:
    """What the review page says of the missing header facts ("" when none is missing): the
    approved copy is printed as the report stands, so a 落款 without 成文日期 prints no date."""
    missing = missing_basics(doc, report)
    if not missing:
        return ""
    signed_on = _BASIC_LABELS["meta.signed_on"]
    effect = f"，落款处不印{signed_on}" if signed_on in missing else ""
    return f"基本信息尚未填全：{'、'.join(missing)}。审核通过后的定稿按现有内容印制{effect}。"


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
        return _status(filled, total, not missing_basics(doc, report))
    if key in TEXT_KEYS:
        return _status(filled, total, filled == total)
    if key == "proactive":
        return _status(filled, total, filled == total)
    spine: tuple[str, ...]
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


def overview(
    report: Report,
    doc: dict | None = None,
    previous: dict | None | bool = False,
    findings: list[rules.Finding] | None = None,
) -> ReportOverview:
    """Findings and completeness of every step; `previous=False` means look last year up.
    `findings`, when given, are those `rules.check_document(doc, previous)` found before."""
    if doc is None:
        doc = report_to_document(report)
    if isinstance(previous, bool):
        previous = previous_document(report.agency_id, report.year)
    if findings is None:
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
    """Someone saved this section after the page was loaded, and changed a cell this save
    changes too (to something else); nothing was written.

    `current` holds the section's saved values (keyed by cell path), `revision` the section's
    revision now and `report_revision` the report's, `cells` the cells both people changed, and
    `merged` what the page should offer to save: the saver's value in every cell they changed,
    the saved value in every other one. Saving `merged` at `revision` never undoes a change the
    saver did not make.
    """

    current: dict
    revision: int
    cells: tuple[str, ...] = ()
    merged: dict = field(default_factory=dict)
    report_revision: int = 0
    saved_by: str | None = None
    saved_at: datetime.datetime | None = None


@dataclass(frozen=True)
class SaveResult:
    report: Report
    revision: int  # the section's new revision
    changed: int  # how many values differ from what was stored
    merged_with: str | None = None  # who saved other cells of this section meanwhile (merged in)


def section_revision(report: Report, key: str) -> int:
    return int((report.section_revisions or {}).get(key, 0))


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
    """Write the section's rows from its values (every cell of the section), through the one row writer."""
    fragment: dict = blank_document(agency="-", year=report.year, version=report.template)
    for path, value in values.items():
        _, row, col = path.split(".")
        fragment[key][row][col] = value
    return sync_rows(report, fragment, sections=(key,), user=user)


def _current_values(report: Report, key: str) -> dict:
    fresh = load_report(report.pk)
    return section_values(report_to_document(fresh), fresh, key)


def values_at(report: Report, key: str, report_revision: int) -> dict | None:
    """The section's values as they were at the report's `report_revision`, from the audit
    history; None if the history lacks that revision.

    Every write saves the report (one historical record, its revision bumped) and then its rows,
    so the rows of revision N are those in force when the next historical record was made.
    """
    record = report.history.filter(revision=report_revision).order_by("-history_date").first()
    if record is None:
        return None
    following = report.history.filter(history_date__gt=record.history_date).order_by("history_date").first()
    when = following.history_date if following else timezone.now()
    old = record.instance
    rows = tuple(
        get_history_manager_for_model(ROW_MODELS[k][0]).as_of(when).filter(report_id=report.pk) for k in TABLE_KEYS
    )
    return section_values(report_to_document(old, rows=rows), old, key)


def merge_cells(base: dict, current: dict, mine: dict) -> tuple[dict, tuple[str, ...]]:
    """Three-way merge of one section, cell by cell: `base` is what the saver loaded, `current`
    what is saved now, `mine` what the saver submits.

    A cell the saver changed takes their value; any other cell keeps the saved value. A cell both
    changed, to different values, is a conflict. Returns (merged values, conflicting cells).
    """
    merged, clashes = {}, []
    for name, value in mine.items():
        theirs = current.get(name)
        if value == base.get(name):
            merged[name] = theirs
        else:
            merged[name] = value
            if theirs != base.get(name) and theirs != value:
                clashes.append(name)
    return merged, tuple(clashes)


def save_section(
    report_id: int, key: str, values: dict, *, loaded_revision: int, user, loaded_report_revision: int | None = None
) -> SaveResult:
    """Write one section's values (already normalised, keyed by cell path) to the report.

    Locks the report row and refuses when the report is not editable (`NotEditable`). When the
    section's revision moved since `loaded_revision`, someone else saved it meanwhile: the save
    is merged cell by cell against what the saver loaded (the report at `loaded_report_revision`,
    from the history), so it writes only the cells the saver changed; a cell both changed is a
    `SectionConflict` and nothing is written. Without a known base, any difference is a conflict.
    Updates the report's fields or the section's rows (history records old -> new), and bumps
    both the section's revision and the report's. Cross-total errors never stop a save.
    """
    if key not in STEPS_BY_KEY or key == "review":
        raise ValueError(f"unknown section {key!r}")
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report_id)
        if not report.is_editable:
            raise NotEditable(report.get_state_display())
        now = section_revision(report, key)
        merged_with = None
        if now != loaded_revision:
            last = report.history.select_related("history_user").first()
            saved_by = person_name(last.history_user) if last and last.history_user else None
            current = _current_values(report, key)
            base = None if loaded_report_revision is None else values_at(report, key, loaded_report_revision)
            if base is None:
                merged = {name: values.get(name) for name in current}
                clashes = tuple(name for name in current if values.get(name) != current[name])
            else:
                merged, clashes = merge_cells(base, current, values)
            if clashes:
                raise SectionConflict(
                    current=current,
                    revision=now,
                    cells=clashes,
                    merged=merged,
                    report_revision=report.revision,
                    saved_by=saved_by,
                    saved_at=last.history_date if last else None,
                )
            values, merged_with = merged, saved_by or "他人"
        changed = 0
        if key == "basic":
            changed = _apply_basic(report, values)
        elif key in TEXT_KEYS:
            changed = int(getattr(report, key) != values[key])
            setattr(report, key, values[key])
        revisions = dict(report.section_revisions or {})
        revisions[key] = now + 1
        report.section_revisions = revisions
        report.revision += 1
        report._history_user = user  # simple_history: who made this change, also outside a request
        # The report first, then its rows, as write_document does: `values_at` relies on that order.
        report.save()
        if key in TABLE_KEYS:
            changed = _apply_rows(report, key, values, user)
    return SaveResult(report, now + 1, changed, merged_with)


# --- Creating a report ---------------------------------------------------------------------------


class ReportExists(Exception):
    pass


# Header facts that rarely change from one year to the next, carried over to a new report.
_CARRIED_META = ("category", "disclosure", "signed_by", "website")


def new_document(agency: Agency, year: int, previous: dict | None) -> dict:
    """A blank document for `year`, prefilled from last year's report where the figures carry.

    二、上年结转 (every column) takes last year's 四、结转下年度继续办理; in the 2019 format each
    上一年项目数量 takes last year's 上一年项目数量 + 本年增/减 (the arithmetic
    `rules.proactive_findings` checks). Stable header facts and the agency label carry over too,
    except a name the agency has since given up (曾用名): a renamed agency reports under its new name.
    """
    if previous is None:
        return blank_document(agency=agency.name, year=year)
    renamed = agency.former_names.filter(name=previous["agency"]).exists()
    doc = blank_document(agency=agency.name if renamed else previous["agency"], year=year)
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
    if renamed and meta.get("signed_by") == previous["agency"]:
        meta["signed_by"] = agency.name
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
    doc = new_document(agency, year, previous_document(agency.pk, year))
    try:
        with transaction.atomic():
            report = write_document(doc, agency)
    except (IntegrityError, ValidationError):
        # Two people pressed "新建" at once: the unique constraint decided.
        raise ReportExists(f"{agency.name} {year} 年度的报告已存在") from None
    return report
