"""What changed in a report: since the approver returned it, and over its whole life.

Pure reading of recorded data: `Transition.document` (the report as it stood at each state
change) and the django-simple-history tables of the report and its rows. Labels come from the
template spec and the models' verbose names, never typed here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from itertools import groupby

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.urls import reverse
from simple_history.utils import get_history_manager_for_model

from . import template_spec as spec
from .interchange import load_report, report_to_document
from .models import ApplicationRow, ProactiveItem, Reminder, Report, ReportState, ReviewLitigationGroup, Transition
from .money import from_stored
from .path_labels import TEXT_LABELS, describe_path
from .sections import STEPS_BY_KEY
from .transitions import rule_for


def flatten(doc: dict) -> dict[str, object]:
    """Every value of a document by its dotted path (tables, header facts, texts)."""
    flat: dict[str, object] = {}
    for key in ("template", "year", "agency", *spec.TEXT_FIELDS):
        flat[key] = doc.get(key)
    for key, value in doc.get("meta", {}).items():
        if isinstance(value, dict):
            for sub, v in value.items():
                flat[f"meta.{key}.{sub}"] = v
        else:
            flat[f"meta.{key}"] = value
    for section in ("proactive", "applications", "review_litigation"):
        for row, values in doc.get(section, {}).items():
            for col, value in values.items():
                flat[f"{section}.{row}.{col}"] = value
    return flat


@dataclass(frozen=True)
class Change:
    path: str
    label: str
    old: object
    new: object

    @property
    def is_text(self) -> bool:
        return self.path in TEXT_LABELS


def document_changes(before: dict, after: dict) -> list[Change]:
    """The values that differ between two documents, in the order of `after` (then removed ones)."""
    old, new = flatten(before), flatten(after)
    paths = list(new) + [p for p in old if p not in new]
    return [
        Change(p, describe_path(after.get("template", ""), p), old.get(p), new.get(p))
        for p in paths
        if old.get(p) != new.get(p)
    ]


def last_return(report: Report) -> Transition | None:
    """The latest transition that sent the report back for changes (a return or a reopen)."""
    return (
        report.transitions.filter(to_state=ReportState.RETURNED).select_related("actor").order_by("-at", "-pk").first()
    )


def changes_since_return(
    report: Report, doc: dict | None = None, transitions: list[Transition] | None = None
) -> tuple[Transition | None, list[Change]]:
    """What the preparer changed after the latest return, compared with the report now.

    A caller that already holds them passes the report's document (`doc`) and its transitions,
    newest first (`transitions`), so nothing is read twice."""
    if transitions is None:
        returned = last_return(report)
    else:
        returned = next((t for t in transitions if t.to_state == ReportState.RETURNED), None)
    if returned is None or returned.document is None:
        return returned, []
    return returned, document_changes(returned.document, doc or report_to_document(load_report(report.pk)))


def annotate_comments(report: Report, comments) -> list:
    """Give each review comment the Chinese name of its target and a link to where it is fixed:
    the entry step of its section, at the cell (`#cell-<path>`, as the entry pages name cells)."""
    result = []
    for comment in comments:
        comment.target_label = describe_path(report.template, comment.target) if comment.target else "整份报告"
        section = comment.target.split(".")[0] if comment.target else ""
        step = STEPS_BY_KEY.get(section)
        comment.url = None
        if step is not None:
            anchor = f"#cell-{comment.target}" if "." in comment.target else ""
            comment.url = reverse("report-step", args=[report.pk, step.slug]) + anchor
        result.append(comment)
    return result


# --- The whole history ----------------------------------------------------------------------


@dataclass(frozen=True)
class ValueChange:
    label: str
    old: object
    new: object


@dataclass
class Entry:
    """One line of the history page: a transition, or one saved record with its changed values."""

    at: datetime.datetime
    user: AbstractBaseUser | None  # None: a change by a script, or by a user since deleted
    kind: str  # "transition", "values" or "reminder"
    title: str
    changes: list[ValueChange]
    transition: Transition | None = None


# Report fields that are bookkeeping, or shown through transitions, not values an office wrote.
_REPORT_SKIP = {
    "id",
    "revision",
    "created_at",
    "state",
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user",
    "agency",
}
_ROW_SECTIONS: tuple[tuple[type[models.Model], str, set[str]], ...] = (
    (ProactiveItem, "proactive", {"amount_places"}),
    (ApplicationRow, "applications", set()),
    (ReviewLitigationGroup, "review_litigation", set()),
)


def _shown(value) -> object:
    return "（空）" if value is None or value == "" else value


def _report_entries(report: Report) -> list[Entry]:
    fields = [f for f in Report.history.model._meta.fields if f.name not in _REPORT_SKIP]
    records = list(
        Report.history.model.objects.filter(id=report.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    entries, previous = [], None
    for record in records:
        if previous is None:
            entries.append(Entry(record.history_date, record.history_user, "values", "创建报告", []))
        else:
            changes = [
                ValueChange(
                    str(f.verbose_name), _shown(getattr(previous, f.attname)), _shown(getattr(record, f.attname))
                )
                for f in fields
                if getattr(previous, f.attname) != getattr(record, f.attname)
            ]
            if changes:
                entries.append(Entry(record.history_date, record.history_user, "values", "修改报告信息", changes))
        previous = record
    return entries


def _row_value(model, record, name: str):
    if model is ProactiveItem and name == "amount_wan_yuan":
        return from_stored(record.amount_wan_yuan, record.amount_places)
    return getattr(record, name)


def _row_entries(report: Report) -> list[Entry]:
    entries = []
    for model, section, skip in _ROW_SECTIONS:
        value_fields = [f.name for f in model._meta.fields if f.name not in {"id", "report", "key"} | skip]
        history = get_history_manager_for_model(model).filter(report_id=report.pk).select_related("history_user")
        for _, records in groupby(history.order_by("id", "history_date", "history_id"), key=lambda r: r.id):
            previous = None
            for record in records:
                changes = []
                for name in value_fields:
                    if record.history_type == "-":
                        old, new = _row_value(model, record, name), None
                    elif record.history_type == "~" and previous is not None:
                        old, new = _row_value(model, previous, name), _row_value(model, record, name)
                    else:
                        old, new = None, _row_value(model, record, name)
                    if old != new:
                        label = describe_path(report.template, f"{section}.{record.key}.{name}")
                        changes.append(ValueChange(label, _shown(old), _shown(new)))
                if changes:
                    title = {"+": "填写数据", "~": "修改数据", "-": "删除数据"}[record.history_type]
                    entries.append(Entry(record.history_date, record.history_user, "values", title, changes))
                previous = record
    return entries


def _merge_same_save(entries: list[Entry]) -> list[Entry]:
    """One save writes many rows a few microseconds apart; show it as one entry per user and second."""
    merged: list[Entry] = []
    for entry in sorted(entries, key=lambda e: e.at):
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.kind == "values"
            and entry.kind == "values"
            and last.user == entry.user
            and last.title == entry.title
            and (entry.at - last.at) < datetime.timedelta(seconds=2)
        ):
            last.changes.extend(entry.changes)
        else:
            merged.append(Entry(entry.at, entry.user, entry.kind, entry.title, list(entry.changes), entry.transition))
    return merged


def audit_trail(report: Report) -> list[Entry]:
    """Every value change and every transition of `report`, newest first."""
    values = _merge_same_save(_report_entries(report) + _row_entries(report))
    transitions = []
    for t in report.transitions.select_related("actor"):
        rule = rule_for(t)
        title = (
            f"{rule.label if rule else '变更状态'}：{ReportState(t.from_state).label} → {ReportState(t.to_state).label}"
        )
        transitions.append(Entry(t.at, t.actor, "transition", title, [], t))
    # Reminders are about the agency's report of the year, whether or not it existed then.
    reminders = [
        Entry(r.sent_at, r.sender, "reminder", f"催报提醒（发给 {len(r.recipients)} 人）", [])
        for r in Reminder.objects.filter(agency_id=report.agency_id, year=report.year).select_related("sender")
    ]
    return sorted(values + transitions + reminders, key=lambda e: (e.at, e.kind == "transition"), reverse=True)
