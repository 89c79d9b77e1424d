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


def test_the_county_itself_is_never_reminded(client, county, django_capture_on_commit_callbacks, mailoutbox):
    """「全选」 selects the subordinates only; the county's own id, posted anyway, is answered, not mailed."""
    make_user("county_prep", county.county, Role.PREPARER)
    client.force_login(county.approver)
    board = client.get(reverse("county-board", args=[county.county.pk, county.year])).content.decode()
    assert f'name="agency" value="{county.county.pk}"' not in board
    url = reverse("county-remind", args=[county.county.pk, county.year])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"agency": [county.county.pk, county.agencies[4].pk]}, follow=True)
    assert "是发出提醒的本机关，不提醒自己" in response.content.decode()
    assert list(Reminder.objects.values_list("agency_id", flat=True)) == [county.agencies[4].pk]
    assert len(mailoutbox) == 1 and "county_prep@example.gov.cn" not in mailoutbox[0].to


def test_reminder_is_signed_by_the_office_and_links_to_the_report(
    county, settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.SITE_URL = "https://nianbao.example.gov.cn/"
    draft, unstarted = county.agencies[4], county.agencies[5]
    with django_capture_on_commit_callbacks(execute=True):
        send_reminders(
            root=county.county, agency_ids=[draft.pk, unstarted.pk], year=county.year, sender=county.approver
        )
    report = Report.objects.get(agency=draft, year=county.year)
    mails = {m.to[-1]: m for m in mailoutbox}
    body = mails[f"prep_{draft.pk}@example.gov.cn"].body
    assert f"https://nianbao.example.gov.cn{reverse('report', args=[report.pk])}" in body
    assert body.rstrip().endswith(f"—— {county.county.name}")
    assert county.approver.get_username() not in body
    # Without a report yet, the link is the site's home page, where the report is created.
    assert "填报：https://nianbao.example.gov.cn/\n" in mails[f"prep_{unstarted.pk}@example.gov.cn"].body


def test_reminder_link_is_absolute_without_a_site_url_setting(
    client, county, settings, django_capture_on_commit_callbacks, mailoutbox
):
    settings.SITE_URL = ""
    client.force_login(county.approver)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("county-remind", args=[county.county.pk, county.year]), {"agency": [county.agencies[4].pk]})
    report = Report.objects.get(agency=county.agencies[4], year=county.year)
    assert f"http://testserver{reverse('report', args=[report.pk])}" in mailoutbox[0].body


def test_reminder_to_an_agency_named_with_a_line_break_is_sent(county, django_capture_on_commit_callbacks, mailoutbox):
    """A name with CR/LF (written before the name rule refused them) once made the mail's subject
    invalid: the job failed after the sender had been told it was sent."""
    from annual.models import Agency, Job, JobStatus

    draft = county.agencies[4]
    Agency.objects.filter(pk=draft.pk).update(name="换行\r\n机关")  # behind the model's back, as old data
    with django_capture_on_commit_callbacks(execute=True):
        outcome = send_reminders(root=county.county, agency_ids=[draft.pk], year=county.year, sender=county.approver)
    assert outcome.sent == ["换行\r\n机关"]
    assert (
        len(mailoutbox) == 1 and mailoutbox[0].subject == f"【催报】换行 机关{county.year}年度政府信息公开工作年度报告"
    )
    assert Job.objects.get(kind="reminders").status == JobStatus.DONE


def test_new_agency_names_with_a_line_break_are_refused(db):
    from annual.agencies import AgencyNameError, clean_agency_name

    with pytest.raises(AgencyNameError, match="换行符"):
        clean_agency_name("换行\n机关")


def test_insisted_reminders_stop_at_the_daily_limit(county, django_capture_on_commit_callbacks, mailoutbox):
    """30 forced reminders once sent 30 identical mails."""
    from annual.reminders import REMINDERS_PER_DAY

    draft = county.agencies[4]
    outcomes = []
    for _ in range(30):
        with django_capture_on_commit_callbacks(execute=True):
            outcomes.append(
                send_reminders(
                    root=county.county, agency_ids=[draft.pk], year=county.year, sender=county.approver, insist=True
                )
            )
    assert len(mailoutbox) == REMINDERS_PER_DAY == Reminder.objects.filter(agency=draft).count()
    assert outcomes[-1].sent == [] and outcomes[-1].limit == [draft.name]
    assert f"今天已提醒 {REMINDERS_PER_DAY} 次，已达每天上限" in outcomes[-1].summary()
