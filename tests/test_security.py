"""Sign-in security and production settings: lockout, password rules, session expiry, CSRF on
every form, `check --deploy`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from annual.models import ReportState, Role
from tests.personas import make_user

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "lingxi-river-bridge-1987"


@pytest.fixture
def signer(db, personas):
    return make_user("signer", personas.agency_a, Role.PREPARER, password=PASSWORD)


def login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_login_with_correct_password_reaches_home(client, signer):
    response = login(client, "signer", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_lockout_after_five_failures_with_chinese_page(client, signer):
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = login(client, "signer", f"wrong-{attempt}")
        assert response.status_code == 200 and "请输入一个正确的" in response.content.decode()
    response = login(client, "signer", "wrong-last")
    assert response.status_code == 429
    page = response.content.decode()
    assert "登录失败次数过多，账号已暂时锁定" in page and "15 分钟后再试" in page
    # Locked: even the right password is refused now, and no session is opened.
    response = login(client, "signer", PASSWORD)
    assert response.status_code == 429
    assert client.get(reverse("home")).status_code == 302


def test_lockout_of_one_user_leaves_others_alone(client, signer, personas):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        login(client, "signer", f"wrong-{attempt}")
    other = make_user("other", personas.agency_a, Role.APPROVER, password=PASSWORD)
    assert login(Client(), other.username, PASSWORD).status_code == 302


def test_successful_login_resets_failure_count(client, signer):
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "signer", f"wrong-{attempt}")
    assert login(client, "signer", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "signer", f"again-{attempt}")
    assert login(client, "signer", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "password,fragment",
    [
        ("short1", "密码长度太短，至少需要 10 个字符"),
        ("12345678901", "密码只包含数字"),
        ("password123", "这个密码太常见了"),
        ("signer2021", "太相似了"),
    ],
)
def test_password_validators_refuse_weak_passwords(signer, password, fragment):
    with pytest.raises(ValidationError) as exc:
        validate_password(password, user=signer)
    assert any(fragment in m for m in exc.value.messages), exc.value.messages


def test_password_validators_accept_a_passphrase(signer):
    validate_password(PASSWORD, user=signer)


def test_session_expires(client, signer):
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert 0 < settings.SESSION_COOKIE_AGE <= 12 * 3600
    login(client, "signer", PASSWORD)
    assert client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


# --- CSRF ---------------------------------------------------------------------------------------

FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S | re.I)


def _pages(personas):
    a = personas.report_a.pk
    yield personas.preparer_a, reverse("home")
    for step in (
        "basic",
        "overview",
        "proactive",
        "applications",
        "review-litigation",
        "problems",
        "other-matters",
        "review",
    ):
        yield personas.preparer_a, reverse("report-step", args=[a, step])
    yield personas.preparer_a, reverse("report-approval", args=[a])
    yield personas.preparer_a, reverse("report-history", args=[a])


def test_every_post_form_carries_csrf_token(client, personas):
    """Every POST form on every page, in each state where different forms appear."""
    seen = 0
    for state, who in (
        (ReportState.DRAFT, "preparer_a"),
        (ReportState.SUBMITTED, "approver_a"),
        (ReportState.SUBMITTED, "preparer_a"),
        (ReportState.APPROVED, "approver_a"),
    ):
        type(personas.report_a).objects.filter(pk=personas.report_a.pk).update(state=state)
        client.force_login(personas.user(who))
        for _, url in _pages(personas):
            page = client.get(url).content.decode()
            for form in FORM.findall(page):
                if re.search(r'method="post"', form, re.I):
                    seen += 1
                    assert 'name="csrfmiddlewaretoken"' in form, (url, form[:300])
    assert seen >= 20  # the pages really had forms


def test_post_without_csrf_token_refused(personas):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(personas.preparer_a)
    response = csrf_client.post(reverse("report-transition", args=[personas.report_a.pk, "submit"]), {})
    assert response.status_code == 403
    personas.report_a.refresh_from_db()
    assert personas.report_a.state == ReportState.DRAFT


# --- Production settings ------------------------------------------------------------------------


def _manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_production_environment():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="k3y-" + "x7Qp9zL2" * 8,
        DJANGO_ALLOWED_HOSTS="nianbao.cangnan.gov.cn",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_without_secret_key_refuses_to_start():
    result = _manage("check", DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="nianbao.cangnan.gov.cn")
    assert result.returncode != 0 and "DJANGO_SECRET_KEY must be set" in result.stderr
