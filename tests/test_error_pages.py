"""Chinese error pages in the site's style (item 9) and one language everywhere (item 10)."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views import defaults

from tests.entry_fixtures import client_for, step_data

pytestmark = pytest.mark.django_db

ENGLISH = ("Not Found", "Bad Request", "Server Error", "Forbidden", "CSRF verification failed")


def _is_site_page(html: str, code: int) -> bool:
    return (
        f'data-error-page="{code}"' in html
        and "政府信息公开工作年度报告" in html
        and "app.css" in html
        and not any(word in html for word in ENGLISH)
    )


def test_404_page_is_chinese(client, personas):
    client.force_login(personas.preparer_a)
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and _is_site_page(response.content.decode(), 404)
    assert "页面不存在" in response.content.decode()
    # A report of another agency answers 404 the same way (ids reveal nothing).
    response = client.get(reverse("report-approval", args=[personas.report_b.pk]))
    assert response.status_code == 404 and "页面不存在" in response.content.decode()


def test_403_page_is_chinese(client, personas):
    client.force_login(personas.county_approver)
    response = client.post(reverse("report-transition", args=[personas.report_a.pk, "approve"]), {})
    assert response.status_code == 403 and _is_site_page(response.content.decode(), 403)
    assert "没有权限" in response.content.decode()


def test_400_page_is_chinese(personas, seed_report):
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
    assert response.status_code == 400 and _is_site_page(response.content.decode(), 400)


def test_500_page_is_chinese_and_needs_no_request_context():
    response = defaults.server_error(RequestFactory().get("/"))
    assert response.status_code == 500 and _is_site_page(response.content.decode(), 500)
    assert "服务器出错" in response.content.decode()


def test_csrf_failure_page_is_chinese(personas, seed_report):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.preparer_a)
    response = client.post(reverse("report-step", args=[seed_report.pk, "overview"]), {"overview": "x"})
    assert response.status_code == 403 and _is_site_page(response.content.decode(), 403)
    assert "页面已过期" in response.content.decode()


@pytest.mark.parametrize("accept", ["en", "en-US,en;q=0.9", "fr", "zh-hant", "de, en"])
def test_one_language_whatever_the_browser_asks(personas, seed_report, accept):
    client = client_for(personas.preparer_a)
    data = step_data(seed_report, "basic")
    data["meta.published_on"] = "not-a-date"
    response = client.post(reverse("report-step", args=[seed_report.pk, "basic"]), data, HTTP_ACCEPT_LANGUAGE=accept)
    html = response.content.decode()
    assert 'lang="zh-hans"' in html
    assert "Enter a valid date" not in html and "This field" not in html
    login = Client().get(reverse("login"), HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    assert "Username" not in login and "Password" not in login
    admin = Client().get("/admin/login/", HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    assert "Log in" not in admin and "登录" in admin
