"""Reminders (催报): to the preparers and approvers of the selected agencies that have not
submitted, after commit, recorded, at most once per agency per day unless the sender insists."""

from __future__ import annotations

import pytest
from django.urls import reverse

from annual.audit import audit_trail
from annual.models import Reminder, Report, ReportState, Role
from annual.reminders import send_reminders
from tests.county_fixtures import make_county
from tests.personas import make_user

S = ReportState


@pytest.fixture
def county(db, doc_2021):
    county = make_county(6, doc_2021)  # states: published, approved, submitted, returned, draft, none
    make_user("appr_draft", county.agencies[4], Role.APPROVER)
    make_user("gone", county.agencies[4], Role.PREPARER, is_active=False)
    return county


def test_only_agencies_that_have_not_submitted_are_reminded(county, django_capture_on_commit_callbacks, mailoutbox):
    ids = [a.pk for a in county.agencies]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        outcome = send_reminders(root=county.county, agency_ids=ids, year=county.year, sender=county.approver)
        assert mailoutbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    assert sorted(outcome.sent) == sorted(a.name for a in county.agencies[3:6])
    assert sorted(outcome.submitted) == sorted(a.name for a in county.agencies[:3])
    assert len(mailoutbox) == 3
    draft = county.agencies[4]
    mail = next(m for m in mailoutbox if draft.name in m.body)
    assert sorted(mail.to) == ["appr_draft@example.gov.cn", f"prep_{draft.pk}@example.gov.cn"]
    assert "催报" in mail.subject and "逾期" in mail.body
    assert Reminder.objects.filter(year=county.year).count() == 3


def test_at_most_once_a_day_unless_the_sender_insists(county, django_capture_on_commit_callbacks, mailoutbox):
    draft = county.agencies[4]
    with django_capture_on_commit_callbacks(execute=True):
        send_reminders(root=county.county, agency_ids=[draft.pk], year=county.year, sender=county.approver)
        again = send_reminders(root=county.county, agency_ids=[draft.pk], year=county.year, sender=county.approver)
    assert again.sent == [] and again.already_today == [draft.name]
    assert "今天已提醒过" in again.summary()
    with django_capture_on_commit_callbacks(execute=True):
        insisted = send_reminders(
            root=county.county, agency_ids=[draft.pk], year=county.year, sender=county.approver, insist=True
        )
    assert insisted.sent == [draft.name]
    assert len(mailoutbox) == 2
    assert list(Reminder.objects.filter(agency=draft).values_list("insisted", flat=True)) == [True, False]


def test_an_agency_outside_the_round_is_not_reminded(county, doc_2021, mailoutbox):
    other = make_county(2, doc_2021, name="另一县人民政府")
    outcome = send_reminders(
        root=county.county, agency_ids=[other.agencies[1].pk], year=county.year, sender=county.approver
    )
    assert outcome.sent == [] and outcome.not_below
    assert not Reminder.objects.exists()


def test_remind_from_the_board_records_history(client, county, django_capture_on_commit_callbacks, mailoutbox):
    returned = county.agencies[3]
    client.force_login(county.approver)
    url = reverse("county-remind", args=[county.county.pk, county.year])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"agency": [returned.pk], "query": "state=returned&evil=1"})
    assert response.status_code == 302 and response["Location"].endswith("?state=returned")
    board = client.get(response["Location"]).content.decode()
    assert "已向 1 个机关发送催报提醒" in board and "data-reminded" in board
    report = Report.objects.get(agency=returned, year=county.year)
    assert any(e.kind == "reminder" for e in audit_trail(report))
    assert len(mailoutbox) == 1


def test_remind_with_nothing_selected_says_so(client, county):
    client.force_login(county.approver)
    response = client.post(reverse("county-remind", args=[county.county.pk, county.year]), {}, follow=True)
    assert "请先勾选要提醒的机关" in response.content.decode()
    assert not Reminder.objects.exists()


def test_reminder_queries_do_not_grow_with_agencies(db, doc_2021, django_assert_max_num_queries):
    for size in (3, 30):
        county = make_county(size, doc_2021, name=f"第{size}县人民政府")
        ids = [a.pk for a in county.agencies]
        not_submitted = sum(1 for i in range(size) if i % 6 >= 3)
        # one INSERT per reminded agency, plus a fixed number of reads
        with django_assert_max_num_queries(8 + not_submitted):
            send_reminders(root=county.county, agency_ids=ids, year=county.year, sender=county.approver)
