"""The 图解 page draws its charts with the vendored ECharts in real Chromium, and the public
verification page answers a signed-out visitor. PUBLISH_SCREENSHOTS=/dir keeps screenshots."""

from __future__ import annotations

import copy
import os

import pytest
from django.contrib.auth import get_user_model

from annual import workflow
from annual.interchange import write_document
from annual.models import Agency, Membership, Role
from annual.snapshots import latest_snapshot

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("PUBLISH_SCREENSHOTS")


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.fixture
def education(transactional_db, doc_2021):
    agency = Agency.objects.create(name="苍南县教育局")
    users = {}
    for username, role in (("jiaoyu", Role.PREPARER), ("jiaoyu_shenhe", Role.APPROVER)):
        users[username] = get_user_model().objects.create_user(username)
        Membership.objects.create(user=users[username], agency=agency, role=role)
    report = write_document(copy.deepcopy(doc_2021), agency)
    return report, users["jiaoyu"], users["jiaoyu_shenhe"]


def test_charts_page_draws_every_chart_with_echarts(education, open_page):
    report, preparer, _ = education
    errors = []
    page = open_page(preparer, f"/reports/{report.pk}/charts/")
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    keys = page.locator("[data-chart]").evaluate_all("els => els.map(e => e.dataset.chart)")
    assert keys == ["applicants", "outcomes", "review"]
    for key in keys:
        svg = page.locator(f'[data-chart="{key}"] svg')
        svg.wait_for()
        assert svg.locator("path").count() > 3  # bars and axes, drawn
    # The figures are labelled on the bars: 自然人 24 of the 2021 example.
    labels = page.locator('[data-chart="applicants"] svg text').all_text_contents()
    assert "自然人" in labels and "24" in labels
    assert "空白" not in labels  # the example has no blank applicant figure
    assert errors == []
    shot(page, "charts-page")
    # From the site itself (it is vendored as a static file), so the page's CSP lets it run.
    page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
    violations = page.evaluate(
        "() => axe.run(document).then(r => r.violations.map(v => [v.id, v.nodes.map(n => [n.target, n.failureSummary])]))"
    )
    assert violations == []


def test_verify_page_for_a_signed_out_visitor(education, browser, live_server):
    report, preparer, approver = education
    workflow.perform_transition(report, workflow.SUBMIT, user=preparer)
    workflow.perform_transition(report, workflow.APPROVE, user=approver)
    digest = latest_snapshot(report).sha256
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/verify/{digest}/")
        ok = page.locator('[data-testid="verify-ok"]')
        assert "苍南县教育局" in ok.inner_text() and "2021年度" in ok.inner_text()
        shot(page, "verify-ok")
        page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
        violations = page.evaluate("() => axe.run(document).then(r => r.violations.map(v => v.id))")
        assert violations == []
        response = page.goto(f"{live_server.url}/verify/{'0' * 64}/")
        assert response.status == 404
        assert page.locator('[data-testid="verify-unknown"]').is_visible()
        shot(page, "verify-unknown")
    finally:
        context.close()


def test_review_page_offers_package_and_stamp_once_approved(education, open_page):
    report, preparer, approver = education
    page = open_page(preparer, f"/reports/{report.pk}/review/")
    links = page.locator('[data-testid="report-exports"]')
    assert "Word" in links.inner_text() and links.locator('[data-testid="package-link"]').count() == 0
    workflow.perform_transition(report, workflow.SUBMIT, user=preparer)
    workflow.perform_transition(report, workflow.APPROVE, user=approver)
    page.reload()
    with page.expect_download() as download:
        page.locator('[data-testid="package-link"]').click()
    assert download.value.suggested_filename.endswith("（发布包）.zip")
    assert page.locator('[data-testid="stamp-link"]').get_attribute("href") == f"/reports/{report.pk}/stamp/"
    shot(page, "review-approved")
