"""Locks hold on every write path: entry forms, import_report, the admin, and the models themselves.

A submitted, approved or published report changes only through the workflow's transitions.
"""

from __future__ import annotations

import copy
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse

from annual import sections
from annual.interchange import load_report, report_to_document, write_document
from annual.models import ApplicationRow, Report, ReportState
from annual.workflow import ReportLocked, perform_transition

S = ReportState
LOCKED = (S.SUBMITTED, S.APPROVED, S.PUBLISHED)


def arrange_state(report, state):
    Report.objects.filter(pk=report.pk).update(state=state)  # arrangement only
    report.refresh_from_db()


def snapshot(report) -> tuple:
    """Everything a write could change: the document, the revisions."""
    fresh = load_report(report.pk)
    return report_to_document(fresh), fresh.revision, fresh.section_revisions


# --- Entry forms --------------------------------------------------------------------------------


@pytest.mark.parametrize("state", LOCKED)
def test_entry_post_to_locked_report_changes_nothing(client, personas, state):
    report = personas.report_a
    arrange_state(report, state)
    before = snapshot(report)
    client.force_login(personas.preparer_a)
    posts = {
        "applications": {"applications.received.natural_person": "999", "applications.received.total": "999"},
        "overview": {"overview": "被改掉的总体情况"},
        "basic": {"agency": "别的机关", "title": "改标题"},
    }
    for slug, values in posts.items():
        key = sections.STEPS_BY_SLUG[slug].key
        data = {**values, "revision": str(sections.section_revision(report, key))}
        response = client.post(reverse("report-step", args=[report.pk, slug]), data, follow=True)
        assert response.status_code == 200
        assert "不能修改" in response.content.decode()
    assert snapshot(report) == before


def test_entry_service_refuses_locked_report(personas):
    arrange_state(personas.report_a, S.APPROVED)
    with pytest.raises(sections.NotEditable):
        sections.save_section(
            personas.report_a.pk,
            "overview",
            {"overview": "x"},
            loaded_revision=sections.section_revision(personas.report_a, "overview"),
            user=personas.preparer_a,
        )


# --- import_report ------------------------------------------------------------------------------


def _write(tmp_path, doc) -> str:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("state", LOCKED)
def test_import_report_refuses_locked_report(tmp_path, personas, doc_2021, state):
    report = personas.report_a
    arrange_state(report, state)
    before = snapshot(report)
    changed = copy.deepcopy(doc_2021)
    changed["overview"] = "导入覆盖"
    with pytest.raises(CommandError, match="已锁定，不能导入覆盖") as exc:
        call_command(
            "import_report", _write(tmp_path, changed), agency=report.agency.name, replace=True, stdout=io.StringIO()
        )
    assert exc.value.returncode == 1
    assert snapshot(report) == before


def test_import_report_replaces_returned_report(tmp_path, personas, doc_2021):
    report = personas.report_a
    arrange_state(report, S.RETURNED)
    changed = copy.deepcopy(doc_2021)
    changed["overview"] = "导入覆盖"
    call_command(
        "import_report", _write(tmp_path, changed), agency=report.agency.name, replace=True, stdout=io.StringIO()
    )
    report.refresh_from_db()
    assert report.overview == "导入覆盖" and report.state == S.RETURNED


# --- The admin ----------------------------------------------------------------------------------


def _admin_url(report, what="change"):
    return reverse(f"admin:annual_report_{what}", args=[report.pk])


@pytest.mark.parametrize("state", LOCKED)
def test_admin_shows_locked_report_read_only_and_refuses_changes(client, personas, state):
    report = personas.report_a
    arrange_state(report, state)
    before = snapshot(report)
    client.force_login(personas.admin)
    page = client.get(_admin_url(report)).content.decode()
    assert 'name="_save"' not in page and 'name="signed_by"' not in page
    assert "查看" in page  # Django's "view" title for read-only objects
    response = client.post(_admin_url(report), {"agency_label": "改名", "signed_by": "改落款", "title": "x"})
    assert response.status_code == 403
    assert client.post(_admin_url(report, "delete"), {"post": "yes"}).status_code == 403
    assert snapshot(report) == before and Report.objects.filter(pk=report.pk).exists()


def test_admin_edits_only_header_facts_of_editable_report(client, personas):
    report = personas.report_a
    client.force_login(personas.admin)
    page = client.get(_admin_url(report)).content.decode()
    assert 'name="signed_by"' in page
    for locked_field in ("state", "revision", "overview", "year", "portal_url"):
        assert f'name="{locked_field}"' not in page
    data = {
        "agency_label": report.agency_label,
        "title": "",
        "signed_by": "苍南县教育局（更正）",
        "intro": "",
        "transitions-TOTAL_FORMS": "0",
        "transitions-INITIAL_FORMS": "0",
        "snapshots-TOTAL_FORMS": "0",
        "snapshots-INITIAL_FORMS": "0",
    }
    response = client.post(_admin_url(report), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    fresh = Report.objects.get(pk=report.pk)
    assert fresh.signed_by == "苍南县教育局（更正）"
    assert fresh.revision == report.revision + 1 and fresh.state == S.DRAFT
    assert fresh.history.first().history_user == personas.admin


def test_admin_cannot_add_reports(client, personas):
    client.force_login(personas.admin)
    assert client.get(reverse("admin:annual_report_add")).status_code == 403


# --- Model-level guard --------------------------------------------------------------------------


# Refused writes inside savepoints: PostgreSQL aborts a transaction on an error, SQLite does not.
@pytest.mark.postgres
@pytest.mark.parametrize("state", LOCKED)
def test_model_guard_refuses_saving_locked_report(personas, doc_2021, state):
    report = personas.report_a
    arrange_state(report, state)
    before = snapshot(report)
    report.overview = "绕过表单直接保存"
    row = ApplicationRow.objects.get(report=report, key="received")
    row.natural_person = 12345
    attempts = {
        "report.save": report.save,
        "row.save": row.save,
        "row.delete": row.delete,
        "write_document": lambda: write_document(
            copy.deepcopy(doc_2021), report.agency, report=Report.objects.get(pk=report.pk)
        ),
    }
    for attempt in attempts.values():
        # Each attempt in its own savepoint: a refused save marks its transaction for rollback.
        with pytest.raises(ReportLocked, match="已锁定"), transaction.atomic():
            attempt()
    assert snapshot(report) == before


def test_model_guard_lets_editable_reports_and_transitions_through(personas):
    report = personas.report_a
    report.overview = "草稿可以改"
    report.save()
    perform_transition(report, "submit", user=personas.preparer_a)  # saves only the workflow's fields
    assert Report.objects.get(pk=report.pk).state == S.SUBMITTED


def test_draft_report_deletes_with_its_rows(personas):
    pk = personas.report_a.pk
    personas.report_a.delete()
    assert not ApplicationRow.objects.filter(report_id=pk).exists()


@pytest.mark.postgres
@pytest.mark.parametrize("state", (S.RETURNED, *LOCKED))
def test_only_drafts_can_be_deleted(personas, state):
    arrange_state(personas.report_a, state)
    with pytest.raises(ReportLocked, match="不能删除"), transaction.atomic():
        Report.objects.filter(pk=personas.report_a.pk).delete()
    assert Report.objects.filter(pk=personas.report_a.pk).exists()
