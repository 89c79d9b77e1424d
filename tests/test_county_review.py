"""County review (复核): an approver of an agency above comments, returns with a reason, and
passes the review; a county may make publication wait for it. All through the transition table."""

from __future__ import annotations

import itertools
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from annual import workflow
from annual.audit import audit_trail
from annual.models import Agency, ReportState, ReviewComment, Role, Transition
from annual.workflow import TransitionError, perform_transition
from tests.personas import make_user

S = ReportState
PERSONAS = ("preparer_a", "approver_a", "preparer_b", "approver_b", "county_approver", "admin", "other_county_approver")
EXPECTED = {
    ("county_return", S.SUBMITTED): S.RETURNED,
    ("county_return", S.APPROVED): S.RETURNED,
    ("county_approve", S.APPROVED): S.APPROVED,
}
PUBLISH = {"portal_url": "https://www.cangnan.gov.cn/art/1.html", "portal_published_on": timezone.localdate()}


def arrange_state(report, state):
    type(report).objects.filter(pk=report.pk).update(state=state)
    report.refresh_from_db()


@pytest.mark.parametrize(
    "action,state,persona", list(itertools.product(("county_return", "county_approve"), tuple(S.values), PERSONAS))
)
def test_only_an_approver_above_reviews(personas, action, state, persona):
    report = personas.report_a
    arrange_state(report, state)
    user = personas.user(persona)
    expected = EXPECTED.get((action, state))
    if expected is not None and persona == "county_approver":
        assert perform_transition(report, action, user=user, reason="请补充说明") == expected
        t = Transition.objects.get(report=report)
        assert (t.action, t.from_state, t.to_state, t.actor) == (action, state, expected, user)
        assert workflow.rule_for(t).label == workflow.TRANSITIONS[action].label
    else:
        with pytest.raises(TransitionError) as exc:
            perform_transition(report, action, user=user, reason="请补充说明")
        assert re.search(r"[\u4e00-\u9fff]", str(exc.value))
        report.refresh_from_db()
        assert report.state == state and not Transition.objects.filter(report=report).exists()


def test_a_county_approver_does_not_approve_for_the_agency(personas):
    arrange_state(personas.report_a, S.SUBMITTED)
    with pytest.raises(TransitionError, match="本机关的审核人"):
        perform_transition(personas.report_a, workflow.APPROVE, user=personas.county_approver)


def test_county_return_needs_a_reason_and_tells_the_agency(personas, django_capture_on_commit_callbacks, mailoutbox):
    report = personas.report_a
    arrange_state(report, S.SUBMITTED)
    with pytest.raises(TransitionError, match="必须填写理由"):
        perform_transition(report, workflow.COUNTY_RETURN, user=personas.county_approver, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        perform_transition(report, workflow.COUNTY_RETURN, user=personas.county_approver, reason="三表总计有误")
    assert report.state == S.RETURNED
    assert sorted(mailoutbox[0].to) == ["appr_a@example.gov.cn", "prep_a@example.gov.cn"]
    assert "复核退回" in mailoutbox[0].subject and "三表总计有误" in mailoutbox[0].body
    entry = next(e for e in audit_trail(report) if e.kind == "transition")
    assert entry.title.startswith("复核退回") and entry.user == personas.county_approver
    assert entry.transition.reason == "三表总计有误"


def test_publication_waits_for_the_county_review_when_the_county_requires_it(personas):
    Agency.objects.filter(pk=personas.county.pk).update(publication_requires_review=True)
    report = personas.report_a
    arrange_state(report, S.APPROVED)
    with pytest.raises(TransitionError, match="复核通过后才能发布"):
        perform_transition(report, workflow.PUBLISH, user=personas.preparer_a, **PUBLISH)
    perform_transition(report, workflow.COUNTY_APPROVE, user=personas.county_approver)
    with pytest.raises(TransitionError, match="已经复核通过"):
        perform_transition(report, workflow.COUNTY_APPROVE, user=personas.county_approver)
    assert perform_transition(report, workflow.PUBLISH, user=personas.preparer_a, **PUBLISH) == S.PUBLISHED


def test_a_new_approval_needs_a_new_county_review(personas):
    Agency.objects.filter(pk=personas.county.pk).update(publication_requires_review=True)
    report = personas.report_a
    arrange_state(report, S.APPROVED)
    perform_transition(report, workflow.COUNTY_APPROVE, user=personas.county_approver)
    assert workflow.county_reviewed(report)
    perform_transition(report, workflow.REOPEN, user=personas.approver_a, reason="更正")
    perform_transition(report, workflow.SUBMIT, user=personas.preparer_a)
    perform_transition(report, workflow.APPROVE, user=personas.approver_a)
    assert not workflow.county_reviewed(report)
    with pytest.raises(TransitionError, match="复核"):
        perform_transition(report, workflow.PUBLISH, user=personas.preparer_a, **PUBLISH)


def test_without_the_setting_publication_does_not_wait(personas):
    arrange_state(personas.report_a, S.APPROVED)
    assert perform_transition(personas.report_a, workflow.PUBLISH, user=personas.preparer_a, **PUBLISH) == S.PUBLISHED


@pytest.mark.parametrize(
    "state,allowed", [(S.DRAFT, False), (S.SUBMITTED, True), (S.APPROVED, True), (S.PUBLISHED, False)]
)
def test_county_comments_on_a_cell_section_or_the_whole_report(client, personas, state, allowed):
    report = personas.report_a
    arrange_state(report, state)
    client.force_login(personas.county_approver)
    url = reverse("report-comment", args=[report.pk])
    for target in ("applications.received.total", "overview", ""):
        client.post(url, {"target": target, "text": f"复核意见：{target or '整份报告'}"})
    comments = ReviewComment.objects.filter(report=report, author=personas.county_approver)
    assert comments.count() == (3 if allowed else 0)
    if allowed:
        assert {c.target for c in comments} == {"applications.received.total", "overview", ""}
    client.force_login(personas.other_county_approver)
    assert client.post(url, {"target": "", "text": "越权"}).status_code == 404


def test_county_approve_closes_open_comments(personas):
    report = personas.report_a
    arrange_state(report, S.APPROVED)
    ReviewComment.objects.create(report=report, target="", text="请核对", author=personas.county_approver)
    perform_transition(report, workflow.COUNTY_APPROVE, user=personas.county_approver)
    assert not ReviewComment.objects.filter(report=report, resolved_at__isnull=True).exists()


def test_a_county_approver_two_levels_up_reviews_too(personas, doc_2021):
    city = Agency.objects.create(name="温州市人民政府")
    county = personas.county
    county.parent = city
    county.save()
    city_approver = make_user("city", city, Role.APPROVER)
    arrange_state(personas.report_a, S.SUBMITTED)
    assert (
        perform_transition(personas.report_a, workflow.COUNTY_RETURN, user=city_approver, reason="请修改") == S.RETURNED
    )
