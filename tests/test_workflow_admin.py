"""The Django admin: agencies with their parent, people with their agency and role, in Chinese;
only administrators get in."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from annual.models import Agency, Membership, Role


def test_admin_index_is_chinese_and_lists_what_is_managed(client, personas):
    client.force_login(personas.admin)
    page = client.get(reverse("admin:index")).content.decode()
    assert "政府信息公开工作年度报告 · 管理" in page
    for title in ("机关", "年度报告", "用户"):
        assert title in page


def test_non_administrators_are_kept_out_of_admin(client, personas):
    for persona in ("preparer_a", "approver_a", "county_approver"):
        client.force_login(personas.user(persona))
        response = client.get(reverse("admin:annual_agency_changelist"))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_agency_list_shows_parent_and_children(client, personas):
    client.force_login(personas.admin)
    page = client.get(reverse("admin:annual_agency_changelist")).content.decode()
    assert "上级机关" in page and "苍南县教育局" in page and "苍南县卫生健康局" in page
    page = client.get(reverse("admin:annual_agency_change", args=[personas.county.pk])).content.decode()
    assert "下级机关" in page and "苍南县教育局" in page


def test_admin_creates_agency_under_county(client, personas):
    client.force_login(personas.admin)
    form = client.get(reverse("admin:annual_agency_add")).content.decode()
    # The kind is chosen, never inferred; a new agency is set up today unless the admin says otherwise.
    assert 'name="kind"' in form and 'name="order"' in form
    assert f'name="established_on" value="{timezone.localdate():%Y/%m/%d}"' in form
    response = client.post(
        reverse("admin:annual_agency_add"),
        {
            "name": "灵溪镇人民政府",
            "kind": "department",
            "parent": personas.county.pk,
            "children-TOTAL_FORMS": "0",
            "children-INITIAL_FORMS": "0",
            "former_names-TOTAL_FORMS": "0",
            "former_names-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    made = Agency.objects.get(name="灵溪镇人民政府")
    assert made.parent == personas.county and made.kind == "department"


def test_user_page_edits_agency_and_role_inline(client, personas):
    client.force_login(personas.admin)
    user = personas.preparer_a
    page = client.get(reverse("admin:auth_user_change", args=[user.pk])).content.decode()
    assert "所属机关与角色" in page and 'name="membership-0-role"' in page
    membership = user.membership
    data = {
        "username": user.username,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
        "membership-TOTAL_FORMS": "1",
        "membership-INITIAL_FORMS": "1",
        "membership-MAX_NUM_FORMS": "1",
        "membership-0-id": membership.pk,
        "membership-0-user": user.pk,
        "membership-0-agency": personas.agency_b.pk,
        "membership-0-role": Role.APPROVER,
    }
    response = client.post(reverse("admin:auth_user_change", args=[user.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    membership.refresh_from_db()
    assert (membership.agency, membership.role) == (personas.agency_b, Role.APPROVER)


def test_user_list_shows_agency_and_role(client, personas):
    client.force_login(personas.admin)
    page = client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert "苍南县卫生健康局" in page and "填报人" in page and "审核人" in page
    assert get_user_model().objects.count() == Membership.objects.count()
