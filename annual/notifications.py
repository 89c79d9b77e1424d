"""Notification e-mails about workflow transitions, sent by a job made from the stored transition.

A transition is a domain event: `perform_transition` writes its `Transition` row, and after
commit `start_notification` makes a 「通知邮件」 job that names only that row. The job body
(`notify`) reads who acted, what was done and why from the row, so a notification can neither
run ahead of its transition nor describe one that was rolled back.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.urls import reverse

from . import jobs
from .formatting import person_name
from .models import Job, JobKind, Report, ReportState, Role, Transition
from .transitions import Rule, rule_for


def start_notification(transition: Transition) -> Job:
    """The notification job of `transition` (a committed row)."""
    return jobs.start(
        JobKind.NOTIFY,
        user=transition.actor,
        report_id=transition.report_id,
        params={"transition": transition.pk, "action": transition.action},
    )


def recipients(report: Report, rule: Rule, actor) -> list[str]:
    """Email addresses to tell about `rule` on `report`: the agency's approvers or preparers.

    The preparers are told of returns and approvals, together with whoever last submitted
    (an approver may have submitted on the preparer's behalf); a county review ("agency") tells
    the agency's preparers and approvers. The actor is never told.
    """
    roles = {"approvers": [Role.APPROVER], "preparers": [Role.PREPARER]}.get(
        rule.notify or "", [Role.PREPARER, Role.APPROVER]
    )
    users = get_user_model().objects.filter(
        is_active=True, membership__agency_id=report.agency_id, membership__role__in=roles
    )
    emails = set(users.exclude(email="").values_list("email", flat=True))
    if rule.notify in ("preparers", "agency"):
        submit = (
            report.transitions.filter(to_state=ReportState.SUBMITTED)
            .select_related("actor")
            .order_by("-at", "-pk")
            .first()
        )
        if submit is not None and submit.actor is not None and submit.actor.email and submit.actor.is_active:
            emails.add(submit.actor.email)
    if actor is not None and actor.email:
        emails.discard(actor.email)
    return sorted(emails)


@jobs.runner(JobKind.NOTIFY)
def notify(job: Job) -> None:
    """E-mail the people `recipients` names about the job's transition.

    A mail outage raises, and the job retries with backoff instead of turning the transition
    into an error page.
    """
    transition = Transition.objects.select_related("report__agency", "actor").get(
        pk=jobs.target(job.params.get("transition"), "流转记录")
    )
    rule = rule_for(transition)
    if rule is None:
        raise jobs.JobError("流转记录的操作无法识别，未发送通知。", permanent=True)
    report, actor = transition.report, transition.actor
    to = recipients(report, rule, actor)
    if not to:
        return
    link = getattr(settings, "SITE_URL", "").rstrip("/") + reverse("report-approval", args=[report.pk])
    lines = [
        f"{report.display_title}",
        f"{person_name(actor)} 已{rule.label}，报告现为“{ReportState(transition.to_state).label}”。",
    ]
    if transition.reason:
        lines.append(f"理由：{transition.reason}")
    lines.append(f"查看：{link}")
    send_mail(f"【年度报告】{report.agency.name}{report.year}年度报告{rule.label}", "\n".join(lines), None, to)
