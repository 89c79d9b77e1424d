"""The transition table and `perform_transition`: every allowed and every forbidden transition,
the submission gate, reasons, publication details, stale pages, notifications."""

from __future__ import annotations

import datetime
import itertools
import re
from pathlib import Path

import pytest
from django.utils import timezone

from annual import workflow
from annual.models import ReportSnapshot, ReportState, ReviewComment, Role, Transition, WarningExplanation
from annual.workflow import TransitionError, perform_transition
from tests.personas import make_user

S = ReportState
PERSONAS = ("preparer_a", "approver_a", "preparer_b", "approver_b", "county_approver", "admin")
STATES = tuple(S.values)
ACTIONS = ("submit", "withdraw", "return", "approve", "publish", "reopen")

# The expected workflow, written out independently of annual/workflow.py:
# (action, from state) -> (new state, personas of report A's agency who may do it).
EXPECTED = {
    ("submit", S.DRAFT): (S.SUBMITTED, {"preparer_a", "approver_a"}),
    ("submit", S.RETURNED): (S.SUBMITTED, {"preparer_a", "approver_a"}),
    ("withdraw", S.SUBMITTED): (S.DRAFT, {"preparer_a"}),
    ("return", S.SUBMITTED): (S.RETURNED, {"approver_a"}),
    ("approve", S.SUBMITTED): (S.APPROVED, {"approver_a"}),
    ("publish", S.APPROVED): (S.PUBLISHED, {"preparer_a", "approver_a"}),
    ("reopen", S.APPROVED): (S.RETURNED, {"approver_a"}),
    ("reopen", S.PUBLISHED): (S.RETURNED, {"approver_a"}),
}
TODAY = timezone.localdate()


def arrange_state(report, state):
    """Put a report into `state` for a test (arrangement only; the app never does this)."""
    type(report).objects.filter(pk=report.pk).update(state=state)
    report.refresh_from_db()


def extra_for(action):
    if action == "publish":
        return {"portal_url": "https://www.cangnan.gov.cn/art/2022/1/20/art_1.html", "portal_published_on": TODAY}
    return {}


@pytest.mark.parametrize("action,state,persona", list(itertools.product(ACTIONS, STATES, PERSONAS)))
def test_transition_matrix_allows_exactly_the_table(personas, action, state, persona):
    report = personas.report_a
    arrange_state(report, state)
    expected = EXPECTED.get((action, state))
    user = personas.user(persona)
    if expected is not None and persona in expected[1]:
        assert (
            perform_transition(report, action, user=user, reason="理由：核对数据", **extra_for(action)) == expected[0]
        )
        t = Transition.objects.get(report=report)
        assert (t.from_state, t.to_state, t.actor, t.reason) == (state, expected[0], user, "理由：核对数据")
        assert report.state == expected[0]
    else:
        with pytest.raises(TransitionError) as exc:
            perform_transition(report, action, user=user, reason="理由", **extra_for(action))
        assert re.search(r"[\u4e00-\u9fff]", str(exc.value)), "the refusal must be a Chinese message"
        report.refresh_from_db()
        assert report.state == state
        assert not Transition.objects.filter(report=report).exists()


def test_approve_freezes_snapshot_and_resolves_comments(personas, django_capture_on_commit_callbacks, mailoutbox):
    report = personas.report_a
    perform_transition(report, "submit", user=personas.preparer_a)
    ReviewComment.objects.create(
        report=report, target="applications.received.total", text="请核对", author=personas.approver_a
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert perform_transition(report, "approve", user=personas.approver_a) == S.APPROVED
    snapshot = ReportSnapshot.objects.get(report=report)
    assert snapshot.pdf[:5] == b"%PDF-"
    assert (
        snapshot.document["applications"]["received"]
        == Transition.objects.get(to_state=S.APPROVED).document["applications"]["received"]
    )
    assert ReviewComment.objects.get(report=report).resolved_at is not None
    assert [m.to for m in mailoutbox] == [["prep_a@example.gov.cn"]]
    assert "审核通过" in mailoutbox[0].subject


def test_other_agency_approver_cannot_act_on_report(personas):
    perform_transition(personas.report_a, "submit", user=personas.preparer_a)
    for persona in ("approver_b", "county_approver", "admin"):
        with pytest.raises(TransitionError, match="只有本机关的审核人可以退回修改"):
            perform_transition(personas.report_a, "return", user=personas.user(persona), reason="不行")
    assert personas.report_a.state == S.SUBMITTED


@pytest.mark.parametrize("action,state", [("return", S.SUBMITTED), ("reopen", S.APPROVED), ("reopen", S.PUBLISHED)])
def test_reason_required_when_blank(personas, action, state):
    arrange_state(personas.report_a, state)
    with pytest.raises(TransitionError, match="必须填写理由"):
        perform_transition(personas.report_a, action, user=personas.approver_a, reason="   ")
    personas.report_a.refresh_from_db()
    assert personas.report_a.state == state


def test_unknown_action_refused(personas):
    with pytest.raises(TransitionError, match="未知的操作"):
        perform_transition(personas.report_a, "delete", user=personas.approver_a)


def test_second_approver_sees_who_acted_first(personas):
    perform_transition(personas.report_a, "submit", user=personas.preparer_a)
    other = make_user("appr_a2", personas.agency_a, Role.APPROVER)
    perform_transition(personas.report_a, "return", user=personas.approver_a, reason="第三栏数字有误")
    with pytest.raises(TransitionError) as exc:
        perform_transition(personas.report_a, "return", user=other, reason="也退回")
    assert "报告当前状态为“已退回”" in str(exc.value)
    assert "appr_a 已于" in str(exc.value) and "退回修改" in str(exc.value)
    assert Transition.objects.filter(report=personas.report_a, to_state=S.RETURNED).count() == 1


# --- The submission gate ------------------------------------------------------------------------


def break_row_total(report):
    """Make 一、本年新收 inconsistent: total no longer equals the six applicant columns."""
    row = report.application_rows.get(key="received")
    row.total = (row.total or 0) + 5
    row.save()


def test_submit_refused_with_blocking_error(personas):
    report = personas.report_a
    break_row_total(report)
    with pytest.raises(TransitionError) as exc:
        perform_transition(report, "submit", user=personas.preparer_a)
    assert "不能提交审核" in str(exc.value) and "错误未改正" in str(exc.value)
    assert "本年新收" in str(exc.value)
    report.refresh_from_db()
    assert report.state == S.DRAFT


def overview_warning(report):
    """A narrative warning: the overview states a number of applications the table does not have."""
    report.overview = report.overview + "\n\n本年度共收到政府信息公开申请 99999 件。"
    report.save()
    gate = workflow.check_gate(report)
    assert not gate.errors and len(gate.warnings) == 1
    return gate.warnings[0]


def test_submit_refused_until_every_warning_explained(personas):
    report = personas.report_a
    warning = overview_warning(report)
    with pytest.raises(TransitionError, match="有 1 条提示尚未填写说明"):
        perform_transition(report, "submit", user=personas.preparer_a)
    assert workflow.save_explanations(report, {warning.key: "  "}, user=personas.preparer_a) == 0
    with pytest.raises(TransitionError, match="尚未填写说明"):
        perform_transition(report, "submit", user=personas.preparer_a)
    assert (
        workflow.save_explanations(
            report, {warning.key: "含跨年度合并统计的咨询件", "rule:unknown": "ignored"}, user=personas.preparer_a
        )
        == 1
    )
    assert perform_transition(report, "submit", user=personas.preparer_a) == S.SUBMITTED
    explanation = WarningExplanation.objects.get(report=report)
    assert (explanation.finding_key, explanation.text, explanation.author) == (
        warning.key,
        "含跨年度合并统计的咨询件",
        personas.preparer_a,
    )


def test_explanations_refused_once_submitted(personas):
    report = personas.report_a
    warning = overview_warning(report)
    workflow.save_explanations(report, {warning.key: "说明"}, user=personas.preparer_a)
    perform_transition(report, "submit", user=personas.preparer_a)
    with pytest.raises(TransitionError, match="不能填写提示说明"):
        workflow.save_explanations(report, {warning.key: "改说明"}, user=personas.preparer_a)
    assert WarningExplanation.objects.get(report=report).text == "说明"


def test_approve_rechecks_gate(personas):
    """A warning that appears after submission (last year's report imported later) must be
    explained before approval: the approver cannot approve past an unexplained warning."""
    report = personas.report_a
    perform_transition(report, "submit", user=personas.preparer_a)
    # Arrange a new warning by explaining nothing and changing the text behind the lock guard.
    type(report).objects.filter(pk=report.pk).update(overview="共收到政府信息公开申请 99999 件。")
    with pytest.raises(TransitionError, match="不能审核通过.*尚未填写说明"):
        perform_transition(report, "approve", user=personas.approver_a)
    report.refresh_from_db()
    assert report.state == S.SUBMITTED and not report.snapshots.exists()


# --- Stale pages, publication -------------------------------------------------------------------


def test_stale_revision_refused(personas):
    report = personas.report_a
    seen = report.revision
    report.overview += "补充一句。"
    report.revision += 1
    report.save()
    with pytest.raises(TransitionError, match="您打开页面后报告已被修改"):
        perform_transition(report, "submit", user=personas.preparer_a, revision=seen)
    assert perform_transition(report, "submit", user=personas.preparer_a, revision=seen + 1) == S.SUBMITTED


@pytest.mark.parametrize(
    "extra,message",
    [
        ({}, "必须填写发布网址"),
        ({"portal_url": "ftp://example.gov.cn/x", "portal_published_on": TODAY}, "不是有效的 http"),
        ({"portal_url": "https://www.cangnan.gov.cn/a.html"}, "必须填写发布日期"),
        (
            {
                "portal_url": "https://www.cangnan.gov.cn/a.html",
                "portal_published_on": TODAY + datetime.timedelta(days=1),
            },
            "晚于今天",
        ),
    ],
)
def test_publish_requires_valid_portal_details(personas, extra, message):
    arrange_state(personas.report_a, S.APPROVED)
    with pytest.raises(TransitionError, match=message):
        perform_transition(personas.report_a, "publish", user=personas.preparer_a, **extra)
    personas.report_a.refresh_from_db()
    assert personas.report_a.state == S.APPROVED and personas.report_a.portal_url == ""


def test_publish_stores_portal_details(personas):
    arrange_state(personas.report_a, S.APPROVED)
    perform_transition(personas.report_a, "publish", user=personas.approver_a, **extra_for("publish"))
    assert personas.report_a.portal_url == "https://www.cangnan.gov.cn/art/2022/1/20/art_1.html"
    assert personas.report_a.portal_published_on == TODAY


def test_unexpected_keyword_is_a_programming_error(personas):
    with pytest.raises(TypeError):
        perform_transition(personas.report_a, "submit", user=personas.preparer_a, state="approved")


# --- Notifications ------------------------------------------------------------------------------


def test_notifications_go_to_the_right_people(personas, django_capture_on_commit_callbacks, mailoutbox):
    report = personas.report_a
    with django_capture_on_commit_callbacks(execute=True):
        perform_transition(report, "submit", user=personas.preparer_a)
    with django_capture_on_commit_callbacks(execute=True):
        perform_transition(report, "return", user=personas.approver_a, reason="第三部分总计有误")
    assert [m.to for m in mailoutbox] == [["appr_a@example.gov.cn"], ["prep_a@example.gov.cn"]]
    assert "提交审核" in mailoutbox[0].subject and f"/reports/{report.pk}/approval/" in mailoutbox[0].body
    assert "退回修改" in mailoutbox[1].subject and "理由：第三部分总计有误" in mailoutbox[1].body
    # B's people and the county approver are never told about A's report.
    everyone = {addr for m in mailoutbox for addr in m.to}
    assert everyone.isdisjoint({"prep_b@example.gov.cn", "appr_b@example.gov.cn", "county@example.gov.cn"})


def test_notification_not_sent_when_transition_refused(personas, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(TransitionError):
        perform_transition(personas.report_a, "return", user=personas.approver_a, reason="x")
    assert mailoutbox == []


# --- Architecture: one function assigns the state -----------------------------------------------


def test_only_workflow_assigns_report_state():
    root = Path(__file__).resolve().parent.parent / "annual"
    assigning = re.compile(r"\.state\s*=(?!=)|\b(?:update|create|update_or_create)\([^)]*\bstate\s*=")
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if p.name != "workflow.py" and "migrations" not in p.parts and assigning.search(p.read_text())
    ]
    assert offenders == []


def test_reopen_tells_preparers_the_reason(personas, django_capture_on_commit_callbacks, mailoutbox):
    arrange_state(personas.report_a, S.PUBLISHED)
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            perform_transition(
                personas.report_a, "reopen", user=personas.approver_a, reason="门户发布后发现复议数字有误，需更正"
            )
            == S.RETURNED
        )
    assert personas.report_a.is_editable
    (mail,) = mailoutbox
    assert mail.to == ["prep_a@example.gov.cn"] and "重新打开" in mail.subject
    assert "理由：门户发布后发现复议数字有误，需更正" in mail.body
