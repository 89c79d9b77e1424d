"""The comparison page (比较两份报告) and the probable culprit on the report pages."""

import io

import pytest
from openpyxl import load_workbook

from tests.entry_fixtures import client_for


@pytest.fixture
def pair(personas, seed_report):
    """Agency A's 2020 report (the seed) and its 2021 report."""
    return seed_report, personas.report_a


def test_compare_defaults_to_last_year_of_the_same_agency(personas, pair):
    last, this = pair
    response = client_for(personas.preparer_a).get(f"/reports/{this.pk}/compare/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<option value="{last.pk}" selected>' in html
    assert "两份报告的模板版本不同" in html  # 2019 against 2021: the shared cells only
    assert "一、本年新收政府信息公开申请数量·自然人" in html
    assert "雷同率" in html


def test_compare_marks_unusual_changes(personas, pair):
    _, this = pair
    html = client_for(personas.preparer_a).get(f"/reports/{this.pk}/compare/").content.decode()
    # 行政许可 0 → 126 in the demo figures: from nothing to a large number.
    row = html[html.index("行政许可·本年处理决定数量") - 200 : html.index("行政许可·本年处理决定数量") + 200]
    assert "table-warning" in row and "变化异常" in row


def test_compare_downloads_xlsx_and_pdf(personas, pair):
    last, this = pair
    client = client_for(personas.preparer_a)
    xlsx = client.get(f"/reports/{this.pk}/compare/?with={last.pk}&format=xlsx")
    assert xlsx.status_code == 200 and "spreadsheetml" in xlsx["Content-Type"]
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames == ["表格变化", "正文变化"]
    pdf = client.get(f"/reports/{this.pk}/compare/?with={last.pk}&format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(f"/reports/{this.pk}/compare/?format=exe").status_code == 404


def test_compare_never_shows_a_report_the_user_cannot_see(personas, pair):
    last, this = pair
    outsider = client_for(personas.preparer_b)
    assert outsider.get(f"/reports/{this.pk}/compare/").status_code == 404
    own_b = client_for(personas.preparer_b)
    assert own_b.get(f"/reports/{personas.report_b.pk}/compare/?with={last.pk}").status_code == 404
    assert own_b.get(f"/reports/{personas.report_b.pk}/compare/?with=abc").status_code == 404


def test_compare_without_last_year_says_so(personas):
    response = client_for(personas.preparer_b).get(f"/reports/{personas.report_b.pk}/compare/")
    assert response.status_code == 200
    assert "没有 2020 年度的报告" in response.content.decode()


def test_compare_is_linked_from_review_and_approval(personas, pair):
    _, this = pair
    client = client_for(personas.preparer_a)
    for url in (f"/reports/{this.pk}/review/", f"/reports/{this.pk}/approval/"):
        assert f'href="/reports/{this.pk}/compare/"' in client.get(url).content.decode(), url


CULPRIT = "最可能的错误：三·三（三）不予公开·5.属于三类内部事务信息·自然人（空白 → 1？）"


def test_culprit_shown_on_grid_review_and_approval(personas, pair):
    last, _ = pair
    client = client_for(personas.preparer_a)
    grid = client.get(f"/reports/{last.pk}/applications/").content.decode()
    assert CULPRIT in grid
    assert (
        'data-culprit="applications.withheld_internal_affairs.natural_person applications.carried_forward.natural_person"'
        in grid
    )
    review = client.get(f"/reports/{last.pk}/review/").content.decode()
    assert (
        CULPRIT in review
        and f'href="/reports/{last.pk}/applications/#cell-applications.withheld_internal_affairs.natural_person"'
        in review
    )
    approval = client.get(f"/reports/{last.pk}/approval/").content.decode()
    assert CULPRIT in approval and "这只是推断" in approval


def test_culprit_not_shown_where_nothing_is_wrong(personas, pair):
    _, this = pair
    client = client_for(personas.preparer_a)
    for step in ("applications", "review_litigation", "review"):
        assert 'data-testid="culprit-hints"' not in client.get(f"/reports/{this.pk}/{step}/").content.decode()


def test_review_page_marks_copied_sentences_of_last_year(personas, pair):
    last, this = pair
    from annual.interchange import load_report, report_to_document, write_document

    doc = report_to_document(load_report(this.pk))
    doc["overview"] = report_to_document(load_report(last.pk))["overview"]  # copied whole
    write_document(doc, personas.agency_a, report=this)
    html = client_for(personas.preparer_a).get(f"/reports/{this.pk}/review/").content.decode()
    assert 'data-testid="review-copied"' in html
    assert "一、总体情况：" in html and "<mark>" in html
    assert "内容雷同" in html  # the warning too, asking for an explanation
