"""Item 3 in a real Chromium: a cell comment typed but not added goes with the return; leaving
the page with unsent text warns; the preparer lands on the reason and the open comments, each
linking to its highlighted cell."""

from __future__ import annotations

import copy

import pytest
from django.contrib.auth import get_user_model

from annual.interchange import write_document
from annual.models import Agency, Membership, ReportState, ReviewComment, Role
from annual.workflow import perform_transition

pytestmark = pytest.mark.browser

CELL = "applications.granted.natural_person"


@pytest.fixture
def submitted(transactional_db, doc_2021):
    agency = Agency.objects.create(name="苍南县教育局")
    users = {}
    for username, role in (("jiaoyu", Role.PREPARER), ("jiaoyu_shenhe", Role.APPROVER)):
        users[username] = get_user_model().objects.create_user(username)
        Membership.objects.create(user=users[username], agency=agency, role=role)
    report = write_document(copy.deepcopy(doc_2021), agency)
    perform_transition(report, "submit", user=users["jiaoyu"])
    return report, users["jiaoyu"], users["jiaoyu_shenhe"]


def test_unsent_comment_goes_with_the_return_and_the_preparer_sees_it(submitted, open_page):
    report, preparer, approver = submitted
    page = open_page(approver, f"/reports/{report.pk}/approval/")
    page.select_option('[data-form="comment"] select[name="target"]', CELL)
    page.fill('[data-form="comment"] textarea[name="text"]', "自然人予以公开件数与台账不符，请核对")

    # Leaving the page now would lose the typed comment: the browser asks first.
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.type), d.dismiss()))
    page.evaluate("window.location.href = '/'")
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert "/approval/" in page.url

    # 退回修改 without pressing 添加审核意见: the comment goes with the return.
    page.fill("#return-reason", "详见审核意见")
    page.locator('button[data-action="return"]').click()
    page.wait_for_load_state()
    assert dialogs == ["beforeunload"]  # submitting the page's own form does not warn
    report.refresh_from_db()
    assert report.state == ReportState.RETURNED
    (comment,) = ReviewComment.objects.filter(report=report)
    assert comment.target == CELL and comment.text == "自然人予以公开件数与台账不符，请核对"
    assert "审核意见" in page.locator(".alert-success").first.inner_text()

    # The preparer opens the report and lands on the reason and the open comments.
    page = open_page(preparer, f"/reports/{report.pk}/")
    assert "/approval/" in page.url
    landing = page.locator("[data-returned]")
    assert "详见审核意见" in landing.inner_text() and "1 条" in landing.inner_text()
    link = page.locator(f'#comments [data-comment-target="{CELL}"] a').first
    assert "自然人予以公开件数与台账不符" in page.locator("#comments").inner_text()
    link.click()
    page.wait_for_load_state()
    assert f"#cell-{CELL}" in page.url
    target = page.locator(f'[name="{CELL}"]')
    assert target.evaluate("el => el === document.activeElement")
    shadow = target.evaluate("el => getComputedStyle(el).boxShadow + ' ' + getComputedStyle(el).outlineStyle")
    assert shadow.strip() not in ("none none", "none")


def test_a_comment_that_cannot_be_saved_refuses_the_return(submitted, open_page):
    report, preparer, approver = submitted
    page = open_page(approver, f"/reports/{report.pk}/approval/")
    page.fill('[data-form="comment"] textarea[name="text"]', "意" * 5001)
    page.evaluate("document.querySelector('[data-form=comment] textarea[name=text]').removeAttribute('maxlength')")
    page.evaluate("document.querySelector('[data-form=comment] textarea[name=text]').value = '意'.repeat(5001)")
    page.fill("#return-reason", "详见审核意见")
    page.locator('button[data-action="return"]').click()
    page.wait_for_load_state()
    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED
    text = page.locator(".alert-danger").first.inner_text()
    assert "未退回" in text and "审核意见" in text
    assert not ReviewComment.objects.filter(report=report).exists()
