"""Review comments have one writer (workflow.add_comment) and the views ask named predicates."""

from __future__ import annotations

import inspect

import pytest

from annual import permissions, workflow
from annual.models import ReportState, ReviewComment

pytestmark = pytest.mark.django_db


def test_add_comment_writes_only_while_submitted_and_only_for_the_own_approver(personas):
    report = personas.report_a
    with pytest.raises(workflow.TransitionError, match="现在不能提出审核意见"):
        workflow.add_comment(report, target="", text="请核对", user=personas.approver_a)
    report.state = ReportState.SUBMITTED
    report.save(update_fields=["state"])
    with pytest.raises(workflow.TransitionError):
        workflow.add_comment(report, target="", text="请核对", user=personas.preparer_a)
    comment = workflow.add_comment(
        report, target="applications.granted.total", text=" 请核对总计 ", user=personas.approver_a
    )
    assert (comment.target, comment.text, comment.author) == (
        "applications.granted.total",
        "请核对总计",
        personas.approver_a,
    )
    assert ReviewComment.objects.filter(report=report).count() == 1


def test_role_predicates_ignore_state(personas):
    report = personas.report_a
    assert permissions.works_on(personas.preparer_a, report) and permissions.works_on(personas.approver_a, report)
    assert not permissions.works_on(personas.preparer_b, report)
    assert permissions.reviews(personas.approver_a, report) and not permissions.reviews(personas.preparer_a, report)


def test_perform_transition_takes_only_named_keywords():
    parameters = inspect.signature(workflow.perform_transition).parameters
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    assert {"revision", "portal_url", "portal_published_on"} <= set(parameters)
