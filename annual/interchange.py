"""Conversion between database rows and report documents (the interchange format).

`report_to_document` and `write_document` are inverses: exporting an imported document gives
the document back, key for key.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from . import template_spec as spec
from .document import blank_document, validate
from .models import Agency, ApplicationRow, ProactiveItem, Report, ReviewLitigationGroup

META_COLUMNS = {key: key for key, _ in spec.META_FIELDS}
# The keys of Report.section_revisions: the 基本信息 step and the six sections.
REVISED_SECTIONS = ("basic", *(s.key for s in spec.SECTIONS))
CONTACT_COLUMNS = {key: f"contact_{key}" for key, _ in spec.CONTACT_FIELDS}


def format_money(amount: Decimal | None, places: int | None) -> str | None:
    if amount is None:
        return None
    if places is None:
        text = f"{amount.normalize():f}"
        return text
    return f"{amount.quantize(Decimal(1).scaleb(-places)):f}"


def parse_money(text: str | None) -> tuple[Decimal | None, int | None]:
    if text is None:
        return None, None
    places = len(text.split(".", 1)[1]) if "." in text else 0
    return Decimal(text), places


def report_to_document(report: Report, rows: tuple | None = None) -> dict:
    """The interchange document of a saved report (prefetch its rows to save queries).

    `rows`, when given, are the report's (proactive items, application rows, review groups),
    already read: any objects with the rows' attributes, e.g. read in bulk for many reports.
    """
    proactive_items, application_rows, review_groups = rows or (
        report.proactive_items.all(), report.application_rows.all(), report.review_groups.all())
    version = report.template
    doc = blank_document(agency=report.agency_label, year=report.year, version=version)
    meta: dict = {}
    for key, column in META_COLUMNS.items():
        value = getattr(report, column)
        if value is not None:
            meta[key] = value.isoformat() if isinstance(value, datetime.date) else value
    contact = {key: getattr(report, column) for key, column in CONTACT_COLUMNS.items()
               if getattr(report, column) is not None}
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
                doc["proactive"][item.key][f.key] = format_money(item.amount_wan_yuan, item.amount_places)
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
                item.amount_wan_yuan, item.amount_places = parse_money(value)
            else:
                setattr(item, field_key, value)
        proactive.append(item)
    applications = [ApplicationRow(report=report, key=key, **values) for key, values in doc["applications"].items()]
    review = [ReviewLitigationGroup(report=report, key=key, **values)
              for key, values in doc["review_litigation"].items()]
    return proactive, applications, review


ROW_MODELS = (
    (ProactiveItem, "proactive_items", spec.PROACTIVE_FIELD_KEYS + ("amount_places",)),
    (ApplicationRow, "application_rows", tuple(c.key for c in spec.APPLICATION_COLUMNS)),
    (ReviewLitigationGroup, "review_groups", tuple(f.key for f in spec.REVIEW_FIELDS)),
)


def sync_rows(report: Report, doc: dict, *, user=None) -> None:
    """Make the report's table rows hold exactly the document's values.

    Rows are updated in place (so the audit history shows old -> new on the same row) in a
    fixed number of queries, whatever the number of rows.
    """
    wanted = dict(zip(("proactive_items", "application_rows", "review_groups"), build_rows(report, doc)))
    for model, related, fields in ROW_MODELS:
        existing = {row.key: row for row in getattr(report, related).all()}
        to_create, to_update = [], []
        for row in wanted[related]:
            current = existing.pop(row.key, None)
            if current is None:
                to_create.append(row)
            elif any(getattr(current, f) != getattr(row, f) for f in fields):
                for f in fields:
                    setattr(current, f, getattr(row, f))
                to_update.append(current)
        if existing:
            model.objects.filter(pk__in=[row.pk for row in existing.values()]).delete()
        if to_create:
            bulk_create_with_history(to_create, model, default_user=user)
        if to_update:
            bulk_update_with_history(to_update, model, list(fields), default_user=user)


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


def load_report(report_id: int) -> Report:
    return Report.objects.prefetch_related("proactive_items", "application_rows", "review_groups").get(pk=report_id)


# The key under which `previous_document` says what its figures are; not part of the
# interchange format (such a document is never validated or exported), read by the rules'
# messages so that a warning never presents an unfinished draft as last year's report.
BASIS = "basis"


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
