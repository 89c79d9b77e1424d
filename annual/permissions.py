"""Who may see and change which report: the one place access is decided.

Rules: a user sees the reports of their own agency; an approver also sees (read-only) the
reports of every agency below theirs; an administrator sees everything. Only a preparer or an
approver of the report's own agency may edit, and only while the report is editable.
Workflow actions (submit, return, approve, …) are open to members of the report's own agency
in the roles the transition table lists (`annual.workflow.TRANSITIONS`); a county approver
follows subordinate agencies read-only and acts on none of them; an administrator manages
agencies and accounts and acts on no report.
Anything a user may not see is answered with 404, so ids cannot be probed.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from .models import Agency, Membership, Report, ReportState, Role


def membership(user) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.membership
    except Membership.DoesNotExist:
        return None


def is_admin(user) -> bool:
    m = membership(user)
    return bool(getattr(user, "is_superuser", False)) or (m is not None and m.role == Role.ADMIN)


def visible_agency_ids(user) -> set[int] | None:
    """Ids of the agencies whose reports `user` may see; None means all."""
    if is_admin(user):
        return None
    m = membership(user)
    if m is None:
        return set()
    ids = {m.agency_id}
    if m.role == Role.APPROVER:
        ids |= {a.pk for a in m.agency.descendants()}
    return ids


def visible_reports(user) -> QuerySet[Report]:
    reports = Report.objects.select_related("agency")
    ids = visible_agency_ids(user)
    return reports if ids is None else reports.filter(agency_id__in=ids)


def can_view(user, report: Report) -> bool:
    ids = visible_agency_ids(user)
    return ids is None or report.agency_id in ids


def is_own_agency(user, report: Report) -> bool:
    m = membership(user)
    return m is not None and m.agency_id == report.agency_id


def can_edit(user, report: Report) -> bool:
    """Values may be changed: own agency, preparer or approver, and the report is editable."""
    m = membership(user)
    return (
        m is not None
        and m.agency_id == report.agency_id
        and m.role in (Role.PREPARER, Role.APPROVER)
        and report.is_editable
    )


def can_create_report(user, agency: Agency) -> bool:
    m = membership(user)
    return m is not None and m.agency_id == agency.pk and m.role in (Role.PREPARER, Role.APPROVER)


def get_visible_report(user, pk: int, queryset: QuerySet[Report] | None = None) -> Report:
    """The report `pk` if `user` may see it, else Http404 (never 403: ids reveal nothing)."""
    qs = queryset if queryset is not None else Report.objects.select_related("agency")
    report = qs.filter(pk=pk).first()
    if report is None or not can_view(user, report):
        raise Http404("没有找到该报告")
    return report


def acts_for(user, report: Report, roles) -> bool:
    """`user` belongs to the report's own agency in one of `roles` (no state check)."""
    m = membership(user)
    return m is not None and m.agency_id == report.agency_id and m.role in roles


def can_comment(user, report: Report) -> bool:
    """Review comments are written by the own agency's approver while the report awaits review."""
    return acts_for(user, report, (Role.APPROVER,)) and report.state == ReportState.SUBMITTED


def can_explain(user, report: Report) -> bool:
    """Warning explanations belong to the values: whoever may edit them may explain them."""
    return can_edit(user, report)


def can_see_job(user, job) -> bool:
    """A job about a report is visible to whoever sees the report; a county or other job to
    whoever sees that agency's reports, its starter and administrators."""
    if job.report_id is not None:
        return can_view(user, job.report)
    if job.created_by_id is not None and job.created_by_id == getattr(user, "pk", None):
        return True
    ids = visible_agency_ids(user)
    return ids is None or (job.agency_id is not None and job.agency_id in ids)
