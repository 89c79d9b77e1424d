"""Malformed web input gets a clear error, never a 500 and never a silent conversion (item 6)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from annual import workflow
from annual.models import ApplicationRow, WarningExplanation
from annual.normalize import InputError, parse_count, parse_money
from tests.entry_fixtures import client_for, step_data

CELL = "applications.received.natural_person"


@pytest.mark.parametrize("raw", ["①②", "10²", "½", "٣", "١٢", "Ⅻ", "⑽"])
def test_digit_lookalikes_are_refused_not_converted(raw):
    with pytest.raises(InputError) as exc:
        parse_count(raw, label="自然人")
    assert "自然人" in exc.value.message and raw in exc.value.message
    with pytest.raises(InputError):
        parse_money(raw, label="金额")


@pytest.mark.parametrize("raw, value", [("４６", 46), ("1,808,595", 1808595), (" 12 ", 12), ("１，２３４", 1234)])
def test_ordinary_typing_still_accepted(raw, value):
    assert parse_count(raw, label="自然人") == value


def test_five_thousand_digits_is_a_range_error():
    with pytest.raises(InputError) as exc:
        parse_count("9" * 5000, label="自然人")
    assert "超出范围" in exc.value.message
    with pytest.raises(InputError):
        parse_money("9" * 5000, label="金额")
    with pytest.raises(InputError):
        parse_money("1." + "9" * 5000, label="金额")


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["9" * 5000, "①②", "10²"])
def test_count_cell_posts_are_field_errors(personas, seed_report, bad):
    client = client_for(personas.preparer_a)
    data = step_data(seed_report, "applications")
    data[CELL] = bad
    response = client.post(reverse("report-step", args=[seed_report.pk, "applications"]), data)
    assert response.status_code == 422
    assert "自然人" in response.content.decode()
    assert ApplicationRow.objects.get(report=seed_report, key="received").natural_person == 46


@pytest.mark.django_db
def test_latin1_post_gets_the_chinese_400_page(personas, seed_report):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.force_login(personas.preparer_a)
    url = reverse("report-step", args=[seed_report.pk, "overview"])
    client.get(url)
    token = client.cookies["csrftoken"].value
    response = client.post(
        url,
        f"csrfmiddlewaretoken={token}&overview=%E4",
        content_type="application/x-www-form-urlencoded; charset=latin-1",
    )
    assert response.status_code == 400
    assert "请求无法处理" in response.content.decode()


@pytest.mark.django_db
def test_explanations_are_capped_and_say_so(client, personas):
    report = personas.report_a
    report.overview += "\n\n本年度共收到政府信息公开申请 99999 件。"
    report.save()
    (warning,) = workflow.check_gate(report).warnings
    with pytest.raises(workflow.TransitionError) as exc:
        workflow.save_explanations(report, {warning.key: "字" * 250_000}, user=personas.preparer_a)
    assert str(workflow.MAX_EXPLANATION_CHARS) in str(exc.value) and "250000" in str(exc.value)
    assert not WarningExplanation.objects.exists()
    client.force_login(personas.preparer_a)
    page = client.get(reverse("report-approval", args=[report.pk])).content.decode()
    assert f'maxlength="{workflow.MAX_EXPLANATION_CHARS}"' in page
    assert (
        workflow.save_explanations(
            report, {warning.key: "字" * workflow.MAX_EXPLANATION_CHARS}, user=personas.preparer_a
        )
        == 1
    )


@pytest.mark.django_db
def test_latin1_post_with_debug_on_is_a_clean_400(personas, seed_report, settings):
    # The dev server runs with DEBUG on: Django's debug page read the refused body again (500).
    settings.DEBUG = True
    client = Client(raise_request_exception=False)
    client.force_login(personas.preparer_a)
    response = client.post(
        reverse("report-step", args=[seed_report.pk, "overview"]),
        "overview=%E4",
        content_type="application/x-www-form-urlencoded; charset=latin-1",
    )
    assert response.status_code == 400
    assert "请求无法处理" in response.content.decode()


@pytest.mark.django_db
def test_section_post_missing_the_grid_fields_is_refused_and_blanks_nothing(personas, seed_report):
    client = client_for(personas.preparer_a)
    before = list(ApplicationRow.objects.filter(report=seed_report).order_by("pk").values())
    data = step_data(seed_report, "applications")
    only_revision = {"revision": data["revision"], "report_revision": data["report_revision"]}
    response = client.post(reverse("report-step", args=[seed_report.pk, "applications"]), only_revision)
    assert response.status_code == 422
    page = response.content.decode()
    assert "提交的内容不完整" in page and "没有保存任何内容" in page
    assert f'name="{CELL}" value="46"' in page  # the page shows the saved values, not blanks
    assert list(ApplicationRow.objects.filter(report=seed_report).order_by("pk").values()) == before
    # One cell short is refused too; the full page saves.
    del data[CELL]
    assert client.post(reverse("report-step", args=[seed_report.pk, "applications"]), data).status_code == 422
    data = step_data(seed_report, "applications")
    assert client.post(reverse("report-step", args=[seed_report.pk, "applications"]), data).status_code == 302


@pytest.mark.django_db
def test_section_post_missing_revision_names_the_field_in_chinese(personas, seed_report):
    client = client_for(personas.preparer_a)
    data = step_data(seed_report, "overview")
    del data["revision"]
    response = client.post(reverse("report-step", args=[seed_report.pk, "overview"]), data)
    page = response.content.decode()
    assert response.status_code == 422
    assert "页面版本号" in page and "None" not in page.replace("display: none", "")


@pytest.mark.django_db
def test_review_step_post_is_405(personas, seed_report):
    client = client_for(personas.preparer_a)
    response = client.post(reverse("report-step", args=[seed_report.pk, "review"]), {})
    assert response.status_code == 405
    assert client.get(reverse("report-step", args=[seed_report.pk, "review"])).status_code == 200


@pytest.mark.django_db
def test_county_approver_refused_save_says_it_is_a_permission_matter(personas, seed_report):
    client = client_for(personas.county_approver)
    data = step_data(seed_report, "overview") | {"overview": "县里改的"}
    response = client.post(reverse("report-step", args=[seed_report.pk, "overview"]), data, follow=True)
    page = response.content.decode()
    assert "没有修改此报告的权限" in page and "只能查看" in page
    assert "不能修改，未保存" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31", "1999-12-31"])
def test_basic_step_date_out_of_range_is_a_field_error(personas, seed_report, date):
    client = client_for(personas.preparer_a)
    data = step_data(seed_report, "basic") | {"meta.published_on": date}
    response = client.post(reverse("report-step", args=[seed_report.pk, "basic"]), data)
    assert response.status_code == 422
    assert "日期应在 2000-01-01 至 2101-12-31 之间" in response.content.decode()
    seed_report.refresh_from_db()
    assert str(seed_report.published_on) != date


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["苍南县\r\n教育局", "苍南县\n教育局", "苍南县\u2028教育局", "苍南\x07县"])
def test_agency_name_with_line_break_is_refused_everywhere(personas, seed_report, seed_doc, name):
    from django.core.exceptions import ValidationError

    from annual.document import DocumentError, validate
    from annual.models import Agency

    with pytest.raises(ValidationError) as refused:
        Agency.objects.create(name=name)
    assert "机关名称不能包含" in str(refused.value)
    with pytest.raises(DocumentError, match="机关名称不能包含"):
        validate(dict(seed_doc, agency=name))
    client = client_for(personas.preparer_a)
    data = step_data(seed_report, "basic") | {"agency": name}
    response = client.post(reverse("report-step", args=[seed_report.pk, "basic"]), data)
    assert response.status_code == 422 and "机关名称不能包含" in response.content.decode()
