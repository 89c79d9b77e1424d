"""Conversion between database rows and report documents (the interchange format).

`report_to_document` and `write_document` are inverses: exporting an imported document gives
the document back, key for key.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from types import SimpleNamespace

from django.db import connection, transaction
from simple_history.utils import bulk_create_with_history, get_history_manager_for_model

from . import template_spec as spec
from .document import blank_document, validate
from .models import Agency, ApplicationRow, ProactiveItem, Report, ReviewLitigationGroup
from .money import from_stored, to_stored

META_COLUMNS = {key: key for key, _ in spec.META_FIELDS}
# The keys of Report.section_revisions: the 基本信息 step and the six sections.
REVISED_SECTIONS = ("basic", *(s.key for s in spec.SECTIONS))
CONTACT_COLUMNS = {key: f"contact_{key}" for key, _ in spec.CONTACT_FIELDS}


def report_to_document(report: Report, rows: tuple | None = None) -> dict:
    """The interchange document of a saved report (prefetch its rows to save queries).

    `rows`, when given, are the report's (proactive items, application rows, review groups),
    already read: any objects with the rows' attributes, e.g. read in bulk for many reports, or
    their state at an earlier revision from the audit history.
    """
    proactive_items, application_rows, review_groups = rows or (
        report.proactive_items.all(),
        report.application_rows.all(),
        report.review_groups.all(),
    )
    version = report.template
    doc = blank_document(agency=report.agency_label, year=report.year, version=version)
    meta: dict = {}
    for key, column in META_COLUMNS.items():
        value = getattr(report, column)
        if value is not None:
            meta[key] = value.isoformat() if isinstance(value, datetime.date) else value
    contact = {
        key: getattr(report, column) for key, column in CONTACT_COLUMNS.items() if getattr(report, column) is not None
    }
    if contact:
        meta["contact"] = contact
    doc["meta"] = meta
    for key in spec.TEXT_FIELDS:
        doc[key] = getattr(report, key)

    fields_by_item = spec.proactive_fields(version)
    for item in proactive_items:
        if item.key not in fields_by_item:
            continue
        for f in fields_by_item[item.key]:
            if f.kind == spec.MONEY:
                doc["proactive"][item.key][f.key] = from_stored(item.amount_wan_yuan, item.amount_places)
            else:
                doc["proactive"][item.key][f.key] = getattr(item, f.key)
    for row in application_rows:
        if row.key in doc["applications"]:
            doc["applications"][row.key] = {c.key: getattr(row, c.key) for c in spec.APPLICATION_COLUMNS}
    for group in review_groups:
        doc["review_litigation"][group.key] = {f.key: getattr(group, f.key) for f in spec.REVIEW_FIELDS}
    return doc


def apply_document(report: Report, doc: dict) -> None:
    """Set a report's own fields (not its rows) from a valid document; does not save."""
    report.template = doc["template"]
    report.year = doc["year"]
    report.agency_label = doc["agency"]
    meta = doc.get("meta", {})
    for key, column in META_COLUMNS.items():
        value = meta.get(key)
        if value is not None and key in spec.META_DATE_FIELDS:
            value = datetime.date.fromisoformat(value)
        setattr(report, column, value)
    contact = meta.get("contact", {})
    for key, column in CONTACT_COLUMNS.items():
        setattr(report, column, contact.get(key))
    for key in spec.TEXT_FIELDS:
        setattr(report, key, doc[key])


def build_rows(report: Report, doc: dict) -> tuple[list, list, list]:
    """Unsaved row objects for every table cell of a document."""
    proactive = []
    for item_key, values in doc["proactive"].items():
        item = ProactiveItem(report=report, key=item_key)
        for field_key, value in values.items():
            if field_key == "amount_wan_yuan":
                item.amount_wan_yuan, item.amount_places = to_stored(value)
            else:
                setattr(item, field_key, value)
        proactive.append(item)
    applications = [ApplicationRow(report=report, key=key, **values) for key, values in doc["applications"].items()]
    review = [
        ReviewLitigationGroup(report=report, key=key, **values) for key, values in doc["review_litigation"].items()
    ]
    return proactive, applications, review


# Each table section's row model, its related name on Report, and the columns holding its cells.
ROW_MODELS = {
    "proactive": (ProactiveItem, "proactive_items", spec.PROACTIVE_FIELD_KEYS + ("amount_places",)),
    "applications": (ApplicationRow, "application_rows", tuple(c.key for c in spec.APPLICATION_COLUMNS)),
    "review_litigation": (ReviewLitigationGroup, "review_groups", tuple(f.key for f in spec.REVIEW_FIELDS)),
}


def documents_of(reports: Iterable[Report]) -> dict[int, dict]:
    """The document of each of `reports`, by id: each table's rows read for all of them at once
    (one query per table whatever their number, as plain values, no model instance per row)."""
    by_id = {r.pk: r for r in reports}
    rows: dict[int, list[list]] = {pk: [[], [], []] for pk in by_id}
    if by_id:
        for i, (model, _related, fields) in enumerate(ROW_MODELS.values()):
            for values in model._default_manager.filter(report_id__in=list(by_id)).values("report_id", "key", *fields):
                rows[values["report_id"]][i].append(SimpleNamespace(**values))
    return {pk: report_to_document(report, rows=tuple(rows[pk])) for pk, report in by_id.items()}


# Columns that are part of another column's cell: a money amount's places are not a cell of their own.
_PART_OF_CELL = frozenset({"amount_places"})


def sync_rows(report: Report, doc: dict, *, sections: tuple[str, ...] = tuple(ROW_MODELS), user=None) -> int:
    """Make the report's rows of `sections` hold exactly the document's values: the one writer
    of table rows (import, new report, saving a step).

    Rows are updated in place, so the audit history shows old -> new on the same row (one
    historical record per changed row, by `user`), in a fixed number of queries whatever the
    number of rows. Returns how many cells changed.
    """
    wanted = dict(zip(ROW_MODELS, build_rows(report, doc), strict=True))
    changed = 0
    for key in sections:
        model, related, fields = ROW_MODELS[key]
        cells = [f for f in fields if f not in _PART_OF_CELL]
        existing = {row.key: row for row in getattr(report, related).all()}
        to_create, to_update = [], []
        for row in wanted[key]:
            current = existing.pop(row.key, None)
            if current is None:
                to_create.append(row)
                changed += sum(1 for f in cells if getattr(row, f) is not None)
            elif any(getattr(current, f) != getattr(row, f) for f in fields):
                changed += sum(1 for f in cells if getattr(current, f) != getattr(row, f))
                for f in fields:
                    setattr(current, f, getattr(row, f))
                to_update.append(current)
        if existing:
            model._default_manager.filter(pk__in=[row.pk for row in existing.values()]).delete()
        if to_create:
            bulk_create_with_history(to_create, model, default_user=user)
        if to_update:
            _update_rows(model, to_update, fields)
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


@transaction.atomic
def write_document(doc: dict, agency: Agency, *, report: Report | None = None, user=None) -> Report:
    """Store a valid document as `agency`'s report for its year, replacing `report`'s values.

    Callers decide whether replacing is allowed (locks are the workflow's business); this only
    writes, in one transaction, and bumps the revision. `user` is recorded in the history as
    the one who made the change.
    """
    validate(doc)
    if report is None:
        report = Report(agency=agency)
    if report.pk is not None:
        # Every section may change: a page opened before this write must see a conflict.
        revisions = report.section_revisions or {}
        report.section_revisions = {key: int(revisions.get(key, 0)) + 1 for key in REVISED_SECTIONS}
    apply_document(report, doc)
    report.revision += 1
    report.full_clean(validate_unique=True, validate_constraints=True)
    report._history_user = user
    report.save()
    sync_rows(report, doc, user=user)
    return report


# The relations a document is built from: prefetch them wherever a report becomes a document.
ROW_RELATIONS = ("proactive_items", "application_rows", "review_groups")


def load_report(report_id: int) -> Report:
    return Report.objects.prefetch_related(*ROW_RELATIONS).get(pk=report_id)


# The key under which `previous_document` says what its figures are; not part of the
# interchange format (such a document is never validated or exported), read by the rules'
# messages so that a warning never presents an unfinished draft as last year's report.
BASIS = "basis"


def previous_report(report: Report) -> Report | None:
    """The same agency's report of the year before, by identity (the agency), not by name."""
    return Report.objects.select_related("agency").filter(agency_id=report.agency_id, year=report.year - 1).first()


def previous_document(agency_name: str, year: int) -> dict | None:
    """Last year's report document of the agency named `agency_name`, if the database has it.

    The approved figures when it was ever approved (its latest frozen snapshot, even if it has
    been reopened since); otherwise its current values. Either way `doc[BASIS]` names what they
    are, e.g. "已审核通过的定稿" or "尚未审核通过，状态为“草稿”".
    """
    previous = (
        Report.objects.filter(agency__name=agency_name, year=year - 1)
        .prefetch_related("proactive_items", "application_rows", "review_groups")
        .first()
    )
    if previous is None:
        return None
    snapshot = previous.snapshots.order_by("-created_at", "-pk").first()
    if snapshot is not None:
        doc = dict(snapshot.document)
        doc[BASIS] = "已审核通过的定稿"
    else:
        doc = report_to_document(previous)
        doc[BASIS] = f"尚未审核通过，状态为“{previous.get_state_display()}”，以下按其当前数据比较"
    return doc
