"""Reminders (催报): e-mail the preparers and approvers of agencies that have not submitted.

`send_reminders` is the one writer of `Reminder` rows. It is a plain function so a task queue
can run it as it is; the e-mails leave only after the transaction that records them commits.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from . import jobs
from .board import NOT_SUBMITTED, load_deadlines, report_due
from .models import Agency, Job, JobKind, Reminder, Report, ReportState, Role
from .tree import AgencyTree

# Reminders per agency per day, insisted ones included: "again today" is for a mail that went
# astray, not a way to send the same mail thirty times.
REMINDERS_PER_DAY = 3


@dataclass
class ReminderOutcome:
    """What `send_reminders` did, agency by agency, for the message shown to the sender."""

    sent: list[str] = field(default_factory=list)  # agency names reminded now
    already_today: list[str] = field(default_factory=list)  # skipped: reminded today, sender did not insist
    submitted: list[str] = field(default_factory=list)  # skipped: report already submitted
    no_address: list[str] = field(default_factory=list)  # skipped: nobody with an e-mail address
    not_below: list[str] = field(default_factory=list)  # skipped: not an agency of this round
    own: list[str] = field(default_factory=list)  # skipped: the board's own agency, the sender
    limit: list[str] = field(default_factory=list)  # skipped: reminded REMINDERS_PER_DAY times today

    def summary(self) -> str:
        parts = []
        if self.sent:
            parts.append(f"已向 {len(self.sent)} 个机关发送催报提醒（{'、'.join(self.sent)}）")
        for names, why in (
            (self.already_today, "今天已提醒过（如需再次提醒请勾选“今天已提醒的也再发一次”）"),
            (self.submitted, "已提交，无需提醒"),
            (self.no_address, "没有填写电子邮箱的填报人或审核人"),
            (self.not_below, "不是本机关的下级机关"),
            (self.own, "是发出提醒的本机关，不提醒自己"),
            (self.limit, f"今天已提醒 {REMINDERS_PER_DAY} 次，已达每天上限"),
        ):
            if names:
                parts.append(f"{'、'.join(names)}：{why}")
        return "；".join(parts) + "。" if parts else "没有选择任何机关。"


def send_reminders(
    *,
    root: Agency,
    agency_ids: list[int],
    year: int,
    sender,
    insist: bool = False,
    today: datetime.date | None = None,
    site_url: str = "",
) -> ReminderOutcome:
    """Remind the selected agencies below `root` whose report of `year` is not submitted.

    `root` itself is never reminded: it is the office sending the reminders. An agency reminded
    today is skipped unless `insist`, and never reminded more than REMINDERS_PER_DAY times a
    day. Each reminded agency gets a `Reminder` row (its history); the e-mails are sent after
    commit, one per agency, to its active preparers and approvers with an address, signed with
    `root`'s name and linking to the report's own page under `site_url` (DJANGO_SITE_URL, or
    the address the sender used). Queries do not grow with the number of agencies.
    """
    today = today or timezone.localdate()
    outcome = ReminderOutcome()
    tree = AgencyTree.load()
    allowed = set(tree.descendant_ids(root.pk))
    wanted = [pk for pk in dict.fromkeys(agency_ids)]
    outcome.own = [root.name] if root.pk in wanted else []
    outcome.not_below = [tree.name(pk) or str(pk) for pk in wanted if pk not in allowed and pk != root.pk]
    wanted = [pk for pk in wanted if pk in allowed]
    base = (settings.SITE_URL or site_url).rstrip("/")
    with transaction.atomic():
        reports = {
            agency_id: (pk, state)
            for agency_id, pk, state in Report.objects.filter(agency_id__in=wanted, year=year).values_list(
                "agency_id", "pk", "state"
            )
        }
        sent_today = Counter(
            Reminder.objects.filter(agency_id__in=wanted, year=year, sent_at__date=today).values_list(
                "agency_id", flat=True
            )
        )
        deadlines = load_deadlines(wanted, year, tree)
        people: dict[int, list[str]] = {}
        for agency_id, email in (
            get_user_model()
            .objects.filter(
                is_active=True, membership__agency_id__in=wanted, membership__role__in=[Role.PREPARER, Role.APPROVER]
            )
            .exclude(email="")
            .values_list("membership__agency_id", "email")
        ):
            people.setdefault(agency_id, []).append(email)
        messages = []
        for pk in wanted:
            name = tree.name(pk)
            report_pk, state = reports.get(pk, (None, None))
            if (state or "none") not in NOT_SUBMITTED:
                outcome.submitted.append(name)
            elif sent_today[pk] >= REMINDERS_PER_DAY:
                outcome.limit.append(name)
            elif sent_today[pk] and not insist:
                outcome.already_today.append(name)
            elif not people.get(pk):
                outcome.no_address.append(name)
            else:
                to = sorted(set(people[pk]))
                Reminder.objects.create(
                    agency_id=pk, year=year, sender=sender, recipients=to, insisted=bool(sent_today[pk])
                )
                due = report_due(pk, year, tree, deadlines)
                link = base + (reverse("report", args=[report_pk]) if report_pk else reverse("home"))
                messages.append(_message(name, year, state, due, root.name, link, to, today))
                outcome.sent.append(name)
        if messages:
            transaction.on_commit(lambda: _queue(messages))
    return outcome


def one_line(text: str) -> str:
    """`text` with every run of whitespace (line breaks included) as one space: a mail header
    may not hold a line break, and a name typed with one would make the mail fail to send."""
    return " ".join(text.split())


def _message(
    name: str,
    year: int,
    state: str | None,
    due: datetime.date,
    office: str,
    link: str,
    to: list[str],
    today: datetime.date,
) -> tuple:
    name = one_line(name)
    days = (due - today).days
    when = f"已逾期 {-days} 天" if days < 0 else ("今天截止" if days == 0 else f"还有 {days} 天")
    status = "尚未建立" if state is None else f"目前为“{ReportState(state).label}”"
    body = "\n".join(
        [
            f"{name}：",
            f"贵单位 {year} 年度政府信息公开工作年度报告{status}，截止日期为 {due:%Y年%m月%d日}（{when}）。",
            "请尽快填报并提交审核。",
            f"{'填报' if state is None else '报告'}：{link}",
            f"—— {one_line(office)}",
        ]
    )
    return (f"【催报】{name}{year}年度政府信息公开工作年度报告", body, None, to)


def _queue(messages: list[tuple]) -> Job:
    """The reminder e-mails, recorded and committed, go out as one job (`send_messages`): through
    the worker when a broker is configured, right away otherwise. A mail outage is recorded on
    the job and retried there, never an error page for the sender."""
    return jobs.start(JobKind.REMINDERS, params={"args": {"messages": [list(m) for m in messages]}})


@jobs.runner(JobKind.REMINDERS)
def send_messages(job: Job) -> None:
    """Send the job's reminder e-mails, given as (subject, body, from, recipients); raises on a
    mail error so the job retries."""
    messages = job.params.get("args", {}).get("messages", [])
    sent = send_mass_mail([tuple(m) for m in messages], fail_silently=False)
    job.params = {**job.params, "sent": sent}
