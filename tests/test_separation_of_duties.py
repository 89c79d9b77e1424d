"""Separation of duties (item 5): whoever submitted a report, or changed its values since the
last return, may not approve it, unless an administrator exempted the agency (one approver)."""

from __future__ import annotations

import copy

import pytest
from django.core.management import call_command
from django.urls import reverse

from annual import permissions, sections
from annual.interchange import write_document
from annual.models import Report, ReportState
from annual.workflow import TransitionError, perform_transition
from tests.entry_fixtures import client_for
from tests.personas import make_user

pytestmark = pytest.mark.django_db
S = ReportState


def _change_a_value(report, user, value="改过的总体情况"):
    sections.save_section(
        report.pk,
        "overview",
        {"overview": value},
        loaded_revision=sections.section_revision(Report.objects.get(pk=report.pk), "overview"),
        user=user,
    )


def test_approver_who_submitted_cannot_approve(personas):
    report = personas.report_a
    perform_transition(report, "submit", user=personas.approver_a)
    assert not permissions.may_approve(personas.approver_a, report)
    with pytest.raises(TransitionError) as exc:
        perform_transition(report, "approve", user=personas.approver_a)
    assert "提交" in str(exc.value) and "另一名审核人" in str(exc.value)
    assert Report.objects.get(pk=report.pk).state == S.SUBMITTED
    other = make_user("appr_a2", personas.agency_a, "approver")
    assert perform_transition(report, "approve", user=other) == S.APPROVED


def test_approver_who_changed_values_since_the_return_cannot_approve(personas):
    report = personas.report_a
    perform_transition(report, "submit", user=personas.preparer_a)
    perform_transition(report, "return", user=personas.approver_a, reason="请修改")
    _change_a_value(report, personas.approver_a)
    perform_transition(report, "submit", user=personas.preparer_a)
    with pytest.raises(TransitionError) as exc:
        perform_transition(report, "approve", user=personas.approver_a)
    assert "修改" in str(exc.value)


def test_changes_before_the_last_return_do_not_count(personas):
    report = personas.report_a
    _change_a_value(report, personas.approver_a)
    perform_transition(report, "submit", user=personas.preparer_a)
    assert not permissions.may_approve(personas.approver_a, report)
    perform_transition(report, "return", user=personas.approver_a, reason="请修改")
    _change_a_value(report, personas.preparer_a, "填报人改的")
    perform_transition(report, "submit", user=personas.preparer_a)
    assert permissions.may_approve(personas.approver_a, report)
    assert perform_transition(report, "approve", user=personas.approver_a) == S.APPROVED


def test_exemption_is_per_agency_recorded_and_shown(personas):
    agency = personas.agency_a
    agency.single_approver_exempt = True
    agency._history_user = personas.admin
    agency.save()
    record = agency.history.latest()
    assert record.single_approver_exempt and record.history_user == personas.admin
    report = personas.report_a
    perform_transition(report, "submit", user=personas.approver_a)
    page = client_for(personas.approver_a).get(reverse("report-approval", args=[report.pk])).content.decode()
    assert "data-exemption" in page and "豁免" in page and personas.admin.username in page
    assert 'data-action="approve"' in page and "disabled" not in page.split('data-action="approve"')[1][:20]
    assert perform_transition(report, "approve", user=personas.approver_a) == S.APPROVED
    # Agency B is not exempted.
    perform_transition(personas.report_b, "submit", user=personas.approver_b)
    assert not permissions.may_approve(personas.approver_b, personas.report_b)


def test_approval_page_says_why_the_approver_may_not_approve(personas):
    report = personas.report_a
    perform_transition(report, "submit", user=personas.approver_a)
    page = client_for(personas.approver_a).get(reverse("report-approval", args=[report.pk])).content.decode()
    assert "data-separation" in page and "另一名审核人" in page
    button = page.split('data-action="approve"')[1][:40]
    assert "disabled" in button


def test_demo_agencies_can_approve_every_report(capsys):
    call_command("load_demo", password="demo-password-123")
    out = capsys.readouterr().out
    for report in Report.objects.all():
        approvers = report.agency.members.filter(role="approver")
        assert approvers.count() >= 2 or report.agency.single_approver_exempt, report.agency
        for m in approvers:
            # Everyone who can sign in is printed with a password; the demo round's people cannot.
            assert m.user.username in out or not m.user.has_usable_password()


def test_one_approver_county_is_shown_the_way_to_its_own_approval(personas, doc_2021):
    """The county's own report, submitted by its only approver: the page says what to do; the
    administrator gets a link to the exemption setting, the approver the administrator's name."""
    doc = copy.deepcopy(doc_2021)
    doc["agency"] = personas.county.name
    report = write_document(doc, personas.county)
    perform_transition(report, "submit", user=personas.county_approver)
    url = reverse("report-approval", args=[report.pk])
    page = client_for(personas.county_approver).get(url).content.decode()
    assert "data-exemption-path" in page and "只有一名审核人" in page and "可联系的管理员：admin" in page
    assert 'data-link="exemption-setting"' not in page
    admin_page = client_for(personas.admin).get(url).content.decode()
    setting = admin_page.split('data-link="exemption-setting"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert setting.endswith("#id_single_approver_exempt")
    form = client_for(personas.admin).get(setting.split("#")[0])
    assert form.status_code == 200 and 'id="id_single_approver_exempt"' in form.content.decode()
    # Once exempted (as the admin would), the path gives way to the exemption's record.
    personas.county.single_approver_exempt = True
    personas.county._history_user = personas.admin
    personas.county.save()
    page = client_for(personas.county_approver).get(url).content.decode()
    assert "data-exemption-path" not in page and "data-exemption" in page
    perform_transition(report, "approve", user=personas.county_approver)
    # An office with a second approver is told nothing of exemptions.
    perform_transition(personas.report_a, "submit", user=personas.approver_a)
    make_user("appr_a2", personas.agency_a, "approver")
    page = client_for(personas.approver_a).get(reverse("report-approval", args=[personas.report_a.pk])).content
    assert b"data-exemption-path" not in page
