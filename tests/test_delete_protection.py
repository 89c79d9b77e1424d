"""A report that has ever been submitted can never be deleted, by any path; its transitions,
snapshots and comments cannot be deleted either (issue 9, item 2)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse

from annual.models import Report, ReportSnapshot, ReportState, ReviewComment, Transition
from annual.workflow import ReportLocked, perform_transition

pytestmark = pytest.mark.django_db

REFUSED = (ReportLocked, ProtectedError)


@pytest.fixture
def once_approved(personas):
    """Approved, reopened, resubmitted and withdrawn: a 草稿 again, with a full audit trail."""
    report = personas.report_a
    perform_transition(report, "submit", user=personas.preparer_a)
    ReviewComment.objects.create(report=report, target="", text="请核对", author=personas.approver_a)
    perform_transition(report, "approve", user=personas.approver_a)
    perform_transition(report, "reopen", user=personas.approver_a, reason="更正")
    perform_transition(report, "submit", user=personas.preparer_a)
    perform_transition(report, "withdraw", user=personas.preparer_a)
    report.refresh_from_db()
    assert report.state == ReportState.DRAFT
    return report


def _trail(report):
    return (
        Transition.objects.filter(report=report).count(),
        ReportSnapshot.objects.filter(report=report).count(),
        ReviewComment.objects.filter(report=report).count(),
    )


def test_instance_delete_is_refused(once_approved):
    before = _trail(once_approved)
    with pytest.raises(REFUSED):
        once_approved.delete()
    assert Report.objects.filter(pk=once_approved.pk).exists()
    assert _trail(once_approved) == before


def test_queryset_delete_is_refused(once_approved):
    with pytest.raises(REFUSED):
        Report.objects.filter(pk=once_approved.pk).delete()
    with pytest.raises(REFUSED):
        Report.objects.all().delete()
    assert Report.objects.filter(pk=once_approved.pk).exists()


def test_admin_cannot_delete(once_approved, personas):
    admin = personas.admin
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = Client()
    client.force_login(admin)
    url = reverse("admin:annual_report_delete", args=[once_approved.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    response = client.post(
        reverse("admin:annual_report_changelist"),
        {"action": "delete_selected", "_selected_action": [once_approved.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302, 403)
    assert Report.objects.filter(pk=once_approved.pk).exists()
    assert _trail(once_approved)[0] == 5


def test_transitions_and_snapshots_cannot_be_deleted(once_approved):
    # Each attempt in its own savepoint, as a request's transaction would be.
    for attempt in (
        lambda: Transition.objects.filter(report=once_approved).first().delete(),
        lambda: Transition.objects.filter(report=once_approved).delete(),
        lambda: ReportSnapshot.objects.filter(report=once_approved).delete(),
        lambda: ReviewComment.objects.filter(report=once_approved).delete(),
    ):
        with pytest.raises(REFUSED), transaction.atomic():
            attempt()
    assert _trail(once_approved) == (5, 1, 1)


def test_a_never_submitted_draft_can_still_be_deleted(personas):
    personas.report_b.delete()
    assert not Report.objects.filter(pk=personas.report_b.pk).exists()
