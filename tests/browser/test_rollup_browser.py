"""The 汇总 in a real Chromium, on a county of 30+ agencies: drill into a cell, generate the
county's own report from the roll-up, see it go out of date when a department's report changes,
and refresh it with one click."""

from __future__ import annotations

import os

import pytest
from django.contrib.auth import get_user_model

from annual.interchange import load_report, report_to_document, write_document
from annual.models import Membership, Report, ReportState, Role
from tests.rollup_fixtures import fixed_seed, make_big_county

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("ROLLUP_SCREENSHOTS")  # a directory, to look at the pages by eye


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


@pytest.fixture
def county(transactional_db, doc_2021, seed_doc):
    county, agencies = make_big_county(30, {2020: fixed_seed(seed_doc), 2021: doc_2021}, townships=2)
    approver = get_user_model().objects.create_user("xian_shenhe")
    Membership.objects.create(user=approver, agency=county, role=Role.APPROVER)
    return county, agencies, approver


def test_drill_down_generate_and_refresh_the_county_report(open_page, county):
    agency, agencies, approver = county
    assert len(agencies) == 34
    page = open_page(approver, f"/county/{agency.pk}/2021/rollup/")
    assert page.get_by_test_id("coverage").inner_text() == "纳入 34 / 34 个下级机关"
    shot(page, "rollup-page")

    # Drill-down: the cell opens a dialog listing each contributing agency.
    received = page.locator('a.rollup-cell[data-path="applications.received.total"]')
    total = int(received.inner_text())
    received.click()
    table = page.get_by_test_id("drill-table")
    table.wait_for()
    assert page.get_by_test_id("drill-title").inner_text() == "一、本年新收政府信息公开申请数量·总计"
    assert table.locator("tbody tr").count() == 34
    values = [int(v) for v in table.locator("tbody tr td:nth-child(3)").all_inner_texts()]
    assert sum(values) == total
    shot(page, "rollup-drill")
    page.locator("#drill [data-close]").click()

    # Generate the county's own report from the roll-up.
    page.get_by_test_id("rollup-generate").click()
    page.get_by_test_id("rollup-current").wait_for()
    own = Report.objects.get(agency=agency, year=2021)
    doc = report_to_document(load_report(own.pk))
    assert doc["applications"]["received"]["total"] == total
    assert f"申请 {total} 件" in doc["overview"]

    # A department's report is reopened, corrected and approved again: the county report is stale.
    source = Report.objects.get(agency=agencies[0], year=2021)
    Report.objects.filter(pk=source.pk).update(state=ReportState.RETURNED)
    changed = report_to_document(load_report(source.pk))
    changed["applications"]["received"]["natural_person"] += 3
    changed["applications"]["received"]["total"] += 3
    changed["applications"]["carried_forward"]["natural_person"] = (
        changed["applications"]["carried_forward"]["natural_person"] or 0
    ) + 3
    changed["applications"]["carried_forward"]["total"] = (changed["applications"]["carried_forward"]["total"] or 0) + 3
    write_document(changed, agencies[0], report=Report.objects.get(pk=source.pk))
    Report.objects.filter(pk=source.pk).update(state=ReportState.APPROVED)

    page.goto(page.url.split("#")[0])
    stale = page.get_by_test_id("rollup-stale")
    assert "汇总已过期" in stale.inner_text() and agencies[0].name in stale.inner_text()
    assert "一、本年新收政府信息公开申请数量·总计" in page.get_by_test_id("rollup-diff").inner_text()
    shot(page, "rollup-stale")

    # The county report's own page shows it too, and refreshes with one click.
    page.goto(page.url.split("/county/")[0] + f"/reports/{own.pk}/review/")
    page.get_by_test_id("rollup-stale").wait_for()
    shot(page, "county-report-stale")
    page.get_by_test_id("rollup-refresh").click()
    page.get_by_test_id("rollup-current").wait_for()
    doc = report_to_document(load_report(own.pk))
    assert doc["applications"]["received"]["total"] == total + 3
    assert f"申请 {total} 件" in doc["overview"]  # the text stays as the preparer has it
