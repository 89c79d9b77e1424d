"""Requests build the report's document once and run a constant number of queries."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from annual import interchange, workflow
from annual.models import ReportState, ReviewComment

pytestmark = pytest.mark.django_db

# Session, user (with membership and agency: auth_backend.MemberBackend), agency tree, report and its
# rows (4), last year's report, explanations, transitions, comments, and the panel's open-comment count
# and last return, the county review state and the final-PDF job: 15, however many there are.
APPROVAL_PAGE_QUERIES = 15


def _returned_with_comments(personas, n):
    report = personas.report_a
    workflow.perform_transition(report, workflow.SUBMIT, user=personas.preparer_a)
    for i in range(n):
        ReviewComment.objects.create(
            report=report, target="applications.granted.total", text=f"意见{i}", author=personas.approver_a
        )
    workflow.perform_transition(report, workflow.RETURN, user=personas.approver_a, reason="详见审核意见")
    return report


@pytest.mark.parametrize("comments", [1, 10])
def test_approval_page_runs_a_constant_number_of_queries(personas, django_assert_num_queries, comments):
    report = _returned_with_comments(personas, comments)
    client = Client()
    client.force_login(personas.approver_a)
    url = reverse("report-approval", args=[report.pk])
    client.get(url)  # the session and the user are cached from here on, as for any page after the first
    with django_assert_num_queries(APPROVAL_PAGE_QUERIES):
        assert client.get(url).status_code == 200


def test_approving_builds_the_document_once(personas, monkeypatch):
    report = personas.report_a
    workflow.perform_transition(report, workflow.SUBMIT, user=personas.preparer_a)
    assert report.state == ReportState.SUBMITTED
    calls = []
    real = interchange.report_to_document

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    # Every module that builds a document imports the function by name.
    import annual.snapshots

    monkeypatch.setattr(workflow, "report_to_document", counting)
    monkeypatch.setattr(annual.snapshots, "report_to_document", counting)
    workflow.perform_transition(report, workflow.APPROVE, user=personas.approver_a)
    assert report.state == ReportState.APPROVED
    assert len(calls) == 1
