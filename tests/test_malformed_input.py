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
