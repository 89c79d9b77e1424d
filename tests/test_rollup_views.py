"""The 汇总 pages and 「从汇总生成本级报告」: contents, staleness, refresh, constant queries."""

from __future__ import annotations

import copy

import pytest
from django.urls import reverse

from annual import rules
from annual.interchange import load_report, report_to_document
from annual.models import Agency, Report, ReportState, Role, RollupBasis
from annual.rollup import build_rollup, narrative_draft
from annual.rollup_report import basis_status
from tests.personas import make_user
from tests.rollup_fixtures import make_big_county, make_report

S = ReportState


@pytest.fixture
def county(db, doc_2021):
    county = Agency.objects.create(name="苍南县人民政府")
    a = Agency.objects.create(name="苍南县教育局", parent=county)
    b = Agency.objects.create(name="苍南县卫生健康局", parent=county)
    c = Agency.objects.create(name="灵溪镇人民政府", parent=county)
    reports = {
        "a": make_report(a, doc_2021, S.APPROVED),
        "b": make_report(b, doc_2021, S.PUBLISHED),
        "c": make_report(c, doc_2021, S.DRAFT),
    }
    approver = make_user("xian", county, Role.APPROVER)
    return county, reports, approver


def url(name, county, year=2021):
    return reverse(name, kwargs={"agency_id": county.pk, "year": year})


def test_page_shows_coverage_left_out_reasons_and_the_official_tables(client, county, doc_2021):
    agency, _reports, approver = county
    client.force_login(approver)
    response = client.get(url("county-rollup", agency))
    assert response.status_code == 200
    html = response.content.decode()
    assert "纳入 2 / 3 个下级机关" in html
    assert "灵溪镇人民政府" in html and "未通过审核（状态：草稿）" in html
    received = 2 * doc_2021["applications"]["received"]["total"]
    assert 'data-path="applications.received.total"' in html and f">{received}</a>" in html
    assert "一、本年新收政府信息公开申请数量" in html  # labels come from the layout
    assert 'data-testid="continuity"' in html and "从汇总生成本级报告" in html


def test_drill_down_lists_each_contributing_agency(client, county, doc_2021):
    agency, _reports, approver = county
    client.force_login(approver)
    response = client.get(url("county-rollup-cell", agency) + "?path=applications.received.total&partial=1")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    included, outside = html.split('data-testid="drill-outside"')
    assert "苍南县教育局" in included and "苍南县卫生健康局" in included and "灵溪镇人民政府" not in included
    assert "50.0%" in included
    # The township's draft is not summed; its value is shown apart, with the reason.
    assert "灵溪镇人民政府" in outside and "未通过审核（状态：草稿）" in outside
    assert client.get(url("county-rollup-cell", agency) + "?path=intro").status_code == 404


@pytest.mark.parametrize("n", [3, 30])
def test_page_runs_a_constant_number_of_queries(client, db, doc_2021, seed_doc, n, django_assert_max_num_queries):
    from tests.rollup_fixtures import fixed_seed

    agency, _ = make_big_county(n, {2020: fixed_seed(seed_doc), 2021: doc_2021})
    client.force_login(make_user("xian", agency, Role.APPROVER))
    client.post(url("county-rollup-generate", agency))  # so the page also checks the county report's sources
    with django_assert_max_num_queries(15):
        response = client.get(url("county-rollup", agency))
    assert response.status_code == 200
    assert f"纳入 {n} / {n} 个下级机关" in response.content.decode()
    assert 'data-testid="rollup-current"' in response.content.decode()


def test_generate_creates_the_county_report_and_records_its_sources(client, county):
    agency, _reports, approver = county
    client.force_login(approver)
    response = client.post(url("county-rollup-generate", agency))
    assert response.status_code == 302
    report = Report.objects.get(agency=agency, year=2021)
    doc = report_to_document(load_report(report.pk))
    rollup = build_rollup(agency, 2021)
    for key in ("proactive", "applications", "review_litigation"):
        assert doc[key] == rollup.document[key]
    assert doc["overview"] == narrative_draft(rollup.document)
    assert rules.narrative_findings(doc) == [] and rules.blocking_findings(doc) == []
    basis = RollupBasis.objects.get(report=report)
    assert {(s.source_id, s.revision) for s in basis.sources.all()} == rollup.sources()
    assert not basis_status(report).stale
    # Written through the audited writer, with who and why on the history row.
    last = report.history.first()
    assert last.history_user == approver and last.history_change_reason == "从汇总生成（2 份下级报告）"


def test_refresh_after_a_source_changes_shows_stale_diff_and_updates(client, county, doc_2021):
    agency, reports, approver = county
    client.force_login(approver)
    client.post(url("county-rollup-generate", agency))
    report = Report.objects.get(agency=agency, year=2021)
    Report.objects.filter(pk=report.pk).update(overview="本级自己写的总体情况。")
    # The township's report is approved with other figures: the county report is now out of date.
    c = reports["c"]
    changed = copy.deepcopy(doc_2021)
    changed["agency"] = c.agency.name
    changed["review_litigation"]["review"]["upheld"] = (changed["review_litigation"]["review"]["upheld"] or 0) + 2
    changed["review_litigation"]["review"]["total"] = (changed["review_litigation"]["review"]["total"] or 0) + 2
    from annual.interchange import write_document

    write_document(changed, c.agency, report=c)
    Report.objects.filter(pk=c.pk).update(state=S.APPROVED)
    status = basis_status(report)
    assert status.stale and status.added == ["灵溪镇人民政府"]
    assert any(ch.path == "review_litigation.review.total" for ch in status.changes)
    html = client.get(url("county-rollup", agency)).content.decode()
    assert "汇总已过期" in html and "新纳入：灵溪镇人民政府" in html and "一键更新本级报告" in html
    # The county report's own page says so too, with the difference and the refresh button.
    own = client.get(reverse("report-step", args=[report.pk, "review"])).content.decode()
    assert "汇总已过期" in own and 'data-testid="rollup-diff"' in own and 'data-testid="rollup-refresh"' in own
    client.post(url("county-rollup-generate", agency))
    report.refresh_from_db()
    assert not basis_status(report).stale
    assert report.overview == "本级自己写的总体情况。"  # the preparer's text is never overwritten
    assert "表格与当前汇总一致" in client.get(url("county-rollup", agency)).content.decode()
    assert "与当前汇总一致" in client.get(reverse("report-step", args=[report.pk, "review"])).content.decode()
    # The county's preparer sees the status and the draft paragraph on the report, not the roll-up.
    client.force_login(make_user("xian_tianbao", agency, Role.PREPARER))
    own = client.get(reverse("report-step", args=[report.pk, "review"])).content.decode()
    assert 'data-testid="narrative-offer"' in own and "申请 " in own and "查看汇总" not in own
    assert 'data-testid="rollup-refresh"' not in own


def test_a_locked_county_report_is_not_refreshed(client, county):
    agency, _reports, approver = county
    client.force_login(approver)
    client.post(url("county-rollup-generate", agency))
    report = Report.objects.get(agency=agency, year=2021)
    Report.objects.filter(pk=report.pk).update(state=S.SUBMITTED)
    before = report.revision
    response = client.post(url("county-rollup-generate", agency), follow=True)
    assert "已锁定" in response.content.decode()
    report.refresh_from_db()
    assert report.revision == before


def test_generate_with_nothing_to_sum_explains(client, db):
    agency = Agency.objects.create(name="空县")
    Agency.objects.create(name="空县某局", parent=agency)
    client.force_login(make_user("kong", agency, Role.APPROVER))
    response = client.post(url("county-rollup-generate", agency), follow=True)
    assert "还没有可汇总" in response.content.decode()
    assert not Report.objects.filter(agency=agency).exists()


@pytest.mark.pdf
def test_rollup_pdf(client, county):
    agency, _reports, approver = county
    client.force_login(approver)
    response = client.get(url("county-rollup-pdf", agency))
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")


def test_only_the_county_approver_and_admins_see_the_roll_up(client, county, doc_2021):
    agency, reports, _approver = county
    other_county = Agency.objects.create(name="平阳县人民政府")
    Agency.objects.create(name="平阳县教育局", parent=other_county)
    outsiders = [
        make_user("pingyang", other_county, Role.APPROVER),  # another county's approver
        make_user("jiaoyu_shenhe", reports["a"].agency, Role.APPROVER),  # a department's approver
        make_user("xian_tianbao", agency, Role.PREPARER),  # the county's preparer
    ]
    for user in outsiders:
        client.force_login(user)
        assert client.get(url("county-rollup", agency)).status_code == 404, user
        assert client.post(url("county-rollup-generate", agency)).status_code == 404, user
    client.force_login(make_user("guanli", agency, Role.ADMIN, is_superuser=True))
    assert client.get(url("county-rollup", agency)).status_code == 200
    assert client.post(url("county-rollup-generate", agency)).status_code == 403
    assert not Report.objects.filter(agency=agency).exists()


def test_year_on_year_compares_matched_agencies_and_says_how_many(client, county, doc_2021):
    """This year 2 agencies are included, last year only 教育局: the comparison is 教育局 against
    itself, and the page says so (comparing 2 with 1 once printed a doubling as growth)."""
    agency, _reports, approver = county
    education = Agency.objects.get(name="苍南县教育局")
    last = copy.deepcopy(doc_2021)
    last["year"] = 2020
    make_report(education, last, S.APPROVED)
    client.force_login(approver)
    html = client.get(url("county-rollup", agency)).content.decode()
    assert "同比：2 个机关中两年都有报告的 1 个" in html
    received = doc_2021["applications"]["received"]["total"]
    cell = html.split('data-path="applications.received.total"')[1].split("</td>")[0]
    # The cell shows both agencies' total; its comparison is 教育局's figure against itself: ±0.
    assert f">{2 * received}</a>" in cell
    assert f"同口径本年 {received} 上年 {received} ±0" in cell


def test_no_year_on_year_without_an_agency_in_both_years(client, county):
    agency, _reports, approver = county
    client.force_login(approver)
    html = client.get(url("county-rollup", agency)).content.decode()
    assert "不作同比" in html and 'class="cmp ' not in html


def test_left_out_drafts_with_rule_errors_are_flagged(client, county, doc_2021):
    agency, reports, approver = county
    broken = copy.deepcopy(doc_2021)
    broken["applications"]["received"]["total"] += 7  # the total no longer adds up
    draft = Agency.objects.create(name="苍南县自然资源和规划局（名称较长的机关用于检查表格换行）", parent=agency)
    make_report(draft, broken, S.DRAFT)
    client.force_login(approver)
    html = client.get(url("county-rollup", agency)).content.decode()
    left_out = html.split('data-testid="left-out"')[1].split("</table>")[0]
    row = left_out.split("苍南县自然资源和规划局")[1].split("</tr>")[0]
    assert "data-draft-errors=" in row and "个错误" in row
    clean = left_out.split("灵溪镇人民政府")[1].split("</tr>")[0]
    assert "data-draft-errors" not in clean
    assert "rollup-left-out" in html.split('data-testid="left-out"')[0][-120:]  # the wrapping layout
