"""The approval workflow in a real Chromium: submit, return with a cell comment, fix and
resubmit, see the change, approve; the report is read-only afterwards."""

from __future__ import annotations

import copy
import os

import pytest
from django.contrib.auth import get_user_model

from annual.interchange import load_report, report_to_document, write_document
from annual.models import Agency, Membership, ReportState, Role

pytestmark = pytest.mark.browser

CELL = "applications.granted.natural_person"
SHOTS = os.environ.get("WORKFLOW_SCREENSHOTS")  # a directory, to look at the pages by eye


@pytest.fixture
def education(transactional_db, doc_2021):
    agency = Agency.objects.create(name="苍南县教育局")
    users = {}
    for username, role in (("jiaoyu", Role.PREPARER), ("jiaoyu_shenhe", Role.APPROVER)):
        users[username] = get_user_model().objects.create_user(username)
        Membership.objects.create(user=users[username], agency=agency, role=role)
    report = write_document(copy.deepcopy(doc_2021), agency)
    return report, users["jiaoyu"], users["jiaoyu_shenhe"]


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def cell(page, path):
    return page.locator(f'[name="{path}"]')


def panel_state(page) -> str:
    return page.locator("[data-workflow-panel]").first.get_attribute("data-report-state")


def test_submit_return_fix_resubmit_approve_then_read_only(education, open_page):
    report, preparer, approver = education
    granted = report_to_document(load_report(report.pk))["applications"]["granted"]
    partial = report_to_document(load_report(report.pk))["applications"]["partially_granted"]

    # The preparer submits from the review step's panel: a real button, one click.
    page = open_page(preparer, f"/reports/{report.pk}/review/")
    assert panel_state(page) == ReportState.DRAFT
    page.locator('[data-workflow-panel] [data-action="submit"]').click()
    page.wait_for_load_state()
    assert "已提交审核" in page.locator(".alert-success").first.inner_text()
    assert panel_state(page) == ReportState.SUBMITTED

    # The approver comments on one cell and returns the report with a reason.
    review = open_page(approver, f"/reports/{report.pk}/review/")
    review.locator('[data-workflow-panel] [data-action="review"]').click()
    review.select_option('[data-form="comment"] select[name="target"]', CELL)
    review.fill('[data-form="comment"] textarea[name="text"]', "予以公开的自然人数与台账不符，请核对")
    review.locator('button[data-action="comment"]').click()
    review.wait_for_load_state()
    assert review.locator(f'[data-comment-target="{CELL}"]').count() == 1
    review.fill("#return-reason", "三（一）予以公开的数字需核对后重报")
    shot(review, "1-approver-before-return")
    review.locator('button[data-action="return"]').click()
    review.wait_for_load_state()
    assert panel_state(review) == ReportState.RETURNED

    # The preparer sees the reason and the comment on the cell, fixes the figures and resubmits.
    page.goto(page.url.split("/reports/")[0] + f"/reports/{report.pk}/review/")
    assert "三（一）予以公开的数字需核对后重报" in page.locator("[data-return-reason]").inner_text()
    page.locator('[data-workflow-panel] [data-link="approval"]').click()
    comment = page.locator(f'[data-comment-target="{CELL}"]')
    assert "予以公开·自然人" in comment.inner_text() and "请核对" in comment.inner_text()
    shot(page, "2-preparer-sees-comment")
    page.goto(page.url.split("/reports/")[0] + f"/reports/{report.pk}/applications/")
    cell(page, CELL).fill(str(granted["natural_person"] - 1))
    cell(page, "applications.granted.total").fill(str(granted["total"] - 1))
    cell(page, "applications.partially_granted.natural_person").fill(str(partial["natural_person"] + 1))
    cell(page, "applications.partially_granted.total").fill(str(partial["total"] + 1))
    page.get_by_test_id("save").click()
    page.wait_for_load_state()
    assert cell(page, CELL).input_value() == str(granted["natural_person"] - 1)
    page.goto(page.url.split("/reports/")[0] + f"/reports/{report.pk}/review/")
    page.locator('[data-workflow-panel] [data-action="submit"]').click()
    page.wait_for_load_state()
    assert panel_state(page) == ReportState.SUBMITTED

    # The approver sees exactly what changed since the return, and approves.
    review.reload()
    change = review.locator(f'[data-change="{CELL}"]')
    assert change.locator("td").all_inner_texts() == [
        "三（一）予以公开·自然人",
        str(granted["natural_person"]),
        str(granted["natural_person"] - 1),
    ]
    assert review.locator("[data-change]").count() == 4
    shot(review, "3-approver-sees-changes")
    review.locator('button[data-action="approve"]').click()
    review.wait_for_load_state()
    assert panel_state(review) == ReportState.APPROVED
    assert "已审核通过" in review.locator(".alert-success").first.inner_text()

    # Now read-only for the preparer: the grid is locked and no workflow form is offered.
    page.goto(page.url.split("/reports/")[0] + f"/reports/{report.pk}/applications/")
    assert page.get_by_test_id("readonly-badge").is_visible()
    assert cell(page, CELL).get_attribute("readonly") is not None
    assert page.get_by_test_id("save").count() == 0
    assert page.get_by_test_id("report-state").inner_text() == "已通过"
    shot(page, "4-preparer-read-only")
    page.goto(page.url.split("/reports/")[0] + f"/reports/{report.pk}/approval/")
    assert panel_state(page) == ReportState.APPROVED
    assert page.locator("[data-form]").count() == 1  # only 登记发布 remains for the preparer
    assert page.locator('[data-form="publish"]').count() == 1
    report.refresh_from_db()
    assert report.state == ReportState.APPROVED and report.snapshots.count() == 1
