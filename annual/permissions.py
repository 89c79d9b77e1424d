"""Who may see and change which report: the one place access is decided.

Rules: a user sees the reports of their own agency; an approver also sees (read-only) the
reports of every agency below theirs; an administrator sees everything. Only a preparer or an
approver of the report's own agency may edit, and only while the report is editable.
Workflow actions (submit, return, approve, …) are open to members of the report's own agency
in the roles the transition table lists (`annual.transitions.TRANSITIONS`); a county approver
(an approver of any agency above the report's) changes no values but reviews (复核): comments,
returns with a reason, and passes the county review, through the table's county rules. An
administrator manages agencies and accounts and acts on no report.
Anything a user may not see is answered with 404, so ids cannot be probed.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404

from .audit import audit_trail, last_return
from .models import Agency, Membership, Report, ReportState, Role
from .rollup import agency_tree
from .tree import AgencyTree


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
        ids |= set(AgencyTree.load().descendant_ids(m.agency_id))
    return ids


def visible_reports(user) -> QuerySet[Report]:
    reports = Report.objects.select_related("agency")
    ids = visible_agency_ids(user)
    return reports if ids is None else reports.filter(agency_id__in=ids)


def can_view(user, report: Report) -> bool:
    ids = visible_agency_ids(user)
    return ids is None or report.agency_id in ids


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


def works_on(user, report: Report) -> bool:
    """A preparer or approver of the report's own agency, whatever the report's state."""
    return acts_for(user, report, (Role.PREPARER, Role.APPROVER))


def reviews(user, report: Report) -> bool:
    """An approver of the report's own agency, whatever the report's state."""
    return acts_for(user, report, (Role.APPROVER,))


def writes_comments(user, report: Report) -> bool:
    """Whose review comments a report takes at all: its own agency's approvers and the approvers
    of an agency above it (county review); `can_comment` says whether now."""
    return reviews(user, report) or is_county_reviewer(user, report)


def can_comment(user, report: Report) -> bool:
    """Review comments are written by the own agency's approver while the report awaits review,
    and by a county reviewer while it is submitted, or approved and not yet published."""
    if reviews(user, report):
        return report.state == ReportState.SUBMITTED
    return is_county_reviewer(user, report) and report.state in COUNTY_REVIEW_STATES


COUNTY_REVIEW_STATES = (ReportState.SUBMITTED, ReportState.APPROVED)


def is_county_reviewer(user, report: Report, tree: AgencyTree | None = None) -> bool:
    """`user` is an approver of an agency above the report's agency (at any depth)."""
    m = membership(user)
    if m is None or m.role != Role.APPROVER or m.agency_id == report.agency_id:
        return False
    tree = tree or AgencyTree.load()
    return m.agency_id in tree.ancestor_ids(report.agency_id)


def can_view_board(user, agency: Agency, tree: AgencyTree | None = None) -> bool:
    """The round board of `agency`: administrators, and approvers of it or of an agency above it,
    when it has subordinates (an agency without any has no round to run)."""
    tree = tree or AgencyTree.load()
    if not tree.has_children(agency.pk):
        return False
    if is_admin(user):
        return True
    m = membership(user)
    return (
        m is not None
        and m.role == Role.APPROVER
        and (m.agency_id == agency.pk or m.agency_id in tree.ancestor_ids(agency.pk))
    )


def can_run_round(user, agency: Agency, tree: AgencyTree | None = None) -> bool:
    """Set the round's due dates and send reminders: the board's approvers (not administrators,
    who manage accounts and act on no report)."""
    return not is_admin(user) and can_view_board(user, agency, tree)


def board_agency(user, tree: AgencyTree | None = None) -> Agency | None:
    """The agency whose board `user` sees first: their own when it has subordinates; for an
    administrator whose own agency has none, the first top-level agency that has some."""
    m = membership(user)
    tree = tree or AgencyTree.load()
    if m is not None and m.role in (Role.APPROVER, Role.ADMIN) and tree.has_children(m.agency_id):
        return m.agency
    if is_admin(user):
        roots = [pk for pk in tree.children.get(None, ()) if tree.has_children(pk)]
        return Agency.objects.filter(pk__in=roots[:1]).first()
    return None


def can_explain(user, report: Report) -> bool:
    """Warning explanations belong to the values: whoever may edit them may explain them."""
    return can_edit(user, report)


def can_download_workbook(user, report: Report) -> bool:
    """The Excel export holds what the report pages show: whoever may see the report."""
    return can_view(user, report)


def can_import_workbook(user, report: Report) -> bool:
    """Importing a workbook replaces the report's values: whoever may edit them, while editable."""
    return can_edit(user, report)


# --- The 汇总 (roll-up) of a county ---------------------------------------------------------------


def has_subordinates(agency_id: int) -> bool:
    return Agency.objects.filter(parent_id=agency_id).exists()


def can_view_rollup(user, agency: Agency) -> bool:
    """Administrators, and the approver of an agency that has subordinates, for their own agency
    or any agency below it. Everyone else is answered 404."""
    if is_admin(user):
        return True
    m = membership(user)
    if m is None or m.role != Role.APPROVER or not has_subordinates(m.agency_id):
        return False
    # One query, and safe even if a parent link loops.
    return agency.pk in {node.id for node in agency_tree(m.agency)}


def can_generate_from_rollup(user, agency: Agency) -> bool:
    """「从汇总生成本级报告」 is the agency's own approver's: it writes the agency's own report
    (whether that report is still editable is the service's check, with its own message)."""
    m = membership(user)
    return m is not None and m.agency_id == agency.pk and m.role == Role.APPROVER


def approval_conflict(user, report: Report) -> str:
    """Why separation of duties stops `user` approving `report`, or "" when it does not.

    The person who last submitted the report, or who changed any of its values since the last
    return (or reopening; since its creation if never returned), may not approve it, unless an
    administrator exempted the agency (`Agency.single_approver_exempt`, for a one-approver office).
    """
    if report.agency.single_approver_exempt:
        return ""
    submitted = report.transitions.filter(to_state=ReportState.SUBMITTED).order_by("-at", "-pk").first()
    if submitted is not None and submitted.actor_id == user.pk:
        return "您是这份报告的提交人"
    returned = last_return(report)
    since = returned.at if returned is not None else None
    for entry in audit_trail(report):
        if since is not None and entry.at <= since:
            break
        if entry.kind == "values" and entry.changes and entry.user is not None and entry.user.pk == user.pk:
            return "您在" + ("最近一次退回后" if returned is not None else "本报告中") + "修改过报告数据"
    return ""


def can_exempt_agency(user) -> bool:
    """Switch an agency's separation-of-duties exemption on: staff who may change agencies in
    the admin."""
    return bool(getattr(user, "is_active", False) and user.is_staff and user.has_perm("annual.change_agency"))


def exemption_granters() -> list:
    """The people to ask for an exemption: every active account that may set one."""
    staff = get_user_model().objects.filter(is_active=True, is_staff=True).order_by("username")
    return [user for user in staff if can_exempt_agency(user)]


def lone_approver_blocked(report: Report) -> bool:
    """The report awaits approval in an agency whose only approver may not approve it
    (separation of duties) and which is not exempt: only an administrator's exemption lets it
    through, as the one-approver county's own report needs."""
    if report.state != ReportState.SUBMITTED or report.agency.single_approver_exempt:
        return False
    approvers = [m.user for m in report.agency.members.filter(role=Role.APPROVER).select_related("user")]
    return len(approvers) == 1 and bool(approval_conflict(approvers[0], report))


def may_approve(user, report: Report) -> bool:
    """Separation of duties allows `user` to approve `report` (role and state not checked)."""
    return not approval_conflict(user, report)


def can_see_job(user, job) -> bool:
    """A job about a report is visible to whoever sees the report; a county or other job to
    whoever sees that agency's reports, its starter and administrators."""
    if job.report_id is not None:
        return can_view(user, job.report)
    if job.created_by_id is not None and job.created_by_id == getattr(user, "pk", None):
        return True
    ids = visible_agency_ids(user)
    return ids is None or (job.agency_id is not None and job.agency_id in ids)
