"""Users change their own password; an administrator resets anyone else's (item 14)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from annual.models import Role
from tests.personas import make_user

pytestmark = pytest.mark.django_db
OLD = "lingxi-river-bridge-1987"
NEW = "yuhuan-ferry-morning-2024"


def test_user_changes_own_password(personas):
    user = make_user("clerk", personas.agency_a, Role.PREPARER, password=OLD)
    client = Client()
    client.post(reverse("login"), {"username": "clerk", "password": OLD})
    home = client.get(reverse("home")).content.decode()
    assert reverse("password-change") in home and "修改密码" in home
    page = client.get(reverse("password-change")).content.decode()
    assert "旧密码" in page and "新密码" in page
    wrong = client.post(
        reverse("password-change"), {"old_password": "not-it", "new_password1": NEW, "new_password2": NEW}
    )
    assert wrong.status_code == 200 and "旧密码不正确" in wrong.content.decode()
    weak = client.post(
        reverse("password-change"),
        {"old_password": OLD, "new_password1": "1234567890123", "new_password2": "1234567890123"},
    )
    assert "密码只包含数字" in weak.content.decode()
    done = client.post(
        reverse("password-change"), {"old_password": OLD, "new_password1": NEW, "new_password2": NEW}, follow=True
    )
    assert "密码已修改" in done.content.decode()
    assert client.get(reverse("home")).status_code == 200  # still signed in
    user.refresh_from_db()
    assert user.check_password(NEW) and not user.check_password(OLD)


def test_anonymous_is_sent_to_login():
    response = Client().get(reverse("password-change"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_admin_resets_another_users_password(personas):
    clerk = make_user("clerk", personas.agency_a, Role.PREPARER, password=OLD)
    admin = get_user_model().objects.create_superuser("root", password=OLD)
    client = Client()
    client.force_login(admin)
    url = reverse("admin:auth_user_password_change", args=[clerk.pk])
    page = client.get(url).content.decode()
    assert "clerk" in page and "密码" in page
    response = client.post(url, {"password1": NEW, "password2": NEW, "usable_password": "true"})
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.check_password(NEW)
    # The reset needs no old password, and a non-administrator cannot reach it.
    other = Client()
    other.force_login(clerk)
    assert other.get(url).status_code == 302
