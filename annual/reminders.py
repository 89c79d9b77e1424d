"""Reminders (催报): e-mail the preparers and approvers of agencies that have not submitted.

`send_reminders` is the one writer of `Reminder` rows. It is a plain function so a task queue
can run it as it is; the e-mails leave only after the transaction that records them commits.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .board import NOT_SUBMITTED, due_dates
from .models import Agency, Reminder, Report, ReportState, Role, RoundDeadline


@dataclass
class ReminderOutcome:
    """What `send_reminders` did, agency by agency, for the message shown to the sender."""

    sent: list[str] = field(default_factory=list)  # agency names reminded now
    already_today: list[str] = field(default_factory=list)  # skipped: reminded today, sender did not insist
    submitted: list[str] = field(default_factory=list)  # skipped: report already submitted
    no_address: list[str] = field(default_factory=list)  # skipped: nobody with an e-mail address
    not_below: list[str] = field(default_factory=list)  # skipped: not an agency of this round

    def summary(self) -> str:
        parts = []
        if self.sent:
            parts.append(f"已向 {len(self.sent)} 个机关发送催报提醒（{'、'.join(self.sent)}）")
        for names, why in (
            (self.already_today, "今天已提醒过（如需再次提醒请勾选“今天已提醒的也再发一次”）"),
            (self.submitted, "已提交，无需提醒"),
            (self.no_address, "没有填写电子邮箱的填报人或审核人"),
            (self.not_below, "不是本机关的下级机关"),
        ):
            if names:
                parts.append(f"{'、'.join(names)}：{why}")
        return "；".join(parts) + "。" if parts else "没有选择任何机关。"


def send_reminders(
    *, root: Agency, agency_ids: list[int], year: int, sender, insist: bool = False, today: datetime.date | None = None
) -> ReminderOutcome:
    """Remind the selected agencies (at or below `root`) whose report of `year` is not submitted.

    An agency reminded today is skipped unless `insist`. Each reminded agency gets a `Reminder`
    row (its history); the e-mails are sent after commit, one per agency, to its active
    preparers and approvers with an address. Queries do not grow with the number of agencies.
    """
    today = today or timezone.localdate()
    outcome = ReminderOutcome()
    tree = Agency.objects.tree()
    allowed = {root.pk, *tree.descendant_ids(root.pk)}
    wanted = [pk for pk in dict.fromkeys(agency_ids)]
    outcome.not_below = [tree.name(pk) or str(pk) for pk in wanted if pk not in allowed]
    wanted = [pk for pk in wanted if pk in allowed]
    with transaction.atomic():
        states = dict(Report.objects.filter(agency_id__in=wanted, year=year).values_list("agency_id", "state"))
        reminded_today = set(
            Reminder.objects.filter(agency_id__in=wanted, year=year, sent_at__date=today).values_list(
                "agency_id", flat=True
            )
        )
        deadlines = {
            d.agency_id: d
            for d in RoundDeadline.objects.filter(agency_id__in=[*allowed, *tree.ancestor_ids(root.pk)], year=year)
        }
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
            if states.get(pk, "none") not in NOT_SUBMITTED:
                outcome.submitted.append(name)
            elif pk in reminded_today and not insist:
                outcome.already_today.append(name)
            elif not people.get(pk):
                outcome.no_address.append(name)
            else:
                to = sorted(set(people[pk]))
                Reminder.objects.create(
                    agency_id=pk, year=year, sender=sender, recipients=to, insisted=pk in reminded_today
                )
                subordinates_due, own_due = due_dates(pk, year, tree, deadlines)
                due = own_due if tree.has_children(pk) else subordinates_due
                messages.append(_message(name, year, states.get(pk), due, sender, to, today))
                outcome.sent.append(name)
        if messages:
            transaction.on_commit(lambda: _queue(messages))
    return outcome


def _message(
    name: str, year: int, state: str | None, due: datetime.date, sender, to: list[str], today: datetime.date
) -> tuple:
    who = sender.get_full_name() or sender.get_username() if sender else "上级机关"
    days = (due - today).days
    when = f"已逾期 {-days} 天" if days < 0 else ("今天截止" if days == 0 else f"还有 {days} 天")
    status = "尚未建立" if state is None else f"目前为“{ReportState(state).label}”"
    link = getattr(settings, "SITE_URL", "").rstrip("/") + reverse("home")
    body = "\n".join(
        [
            f"{name}：",
            f"贵单位 {year} 年度政府信息公开工作年度报告{status}，截止日期为 {due:%Y年%m月%d日}（{when}）。",
            "请尽快填报并提交审核。",
            f"填报：{link}",
            f"—— {who}",
        ]
    )
    return (f"【催报】{name}{year}年度政府信息公开工作年度报告", body, None, to)


def _queue(messages: list[tuple]) -> None:
    """The reminder e-mails, recorded and committed, go out as one job (`annual.jobs`): through
    the worker when a broker is configured, right away otherwise. A mail outage is recorded on
    the job and retried there, never an error page for the sender."""
    from . import jobs  # jobs runs this module's sender; imported here, as jobs imports it lazily

    jobs.start_reminders(messages=[list(m) for m in messages])


def send_messages(messages: list) -> int:
    """Send reminder e-mails given as (subject, body, from, recipients); raises on a mail error
    so the job retries."""
    return send_mass_mail([tuple(m) for m in messages], fail_silently=False)
