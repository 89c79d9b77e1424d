"""Template tags behind the workflow partials other pages include (`_panel.html`, `_comments.html`).

The partials take only `report`; what the current user may do is computed here from the
transition table, so no page repeats the permission rules.
"""

from django import template

from .. import permissions, published_import, workflow
from ..audit import annotate_comments, last_return
from ..models import ReportState

register = template.Library()


@register.inclusion_tag("annual/workflow/_panel_body.html", takes_context=True)
def workflow_panel(context, report):
    user = context["request"].user
    actions = workflow.allowed_actions(user, report)
    return {
        "report": report,
        "actions": [a.action for a in actions],
        "withdraw": next((a for a in actions if a.action == workflow.WITHDRAW), None),
        "returned": _last_return(report) if report.state == ReportState.RETURNED else None,
        "open_comments": (
            report.open_comment_count
            if hasattr(report, "open_comment_count")
            else report.comments.filter(resolved_at__isnull=True).count()
        ),
        "can_edit": permissions.can_edit(user, report),
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
    }


def _last_return(report):
    # A list page prefetches the returns (`returns_newest_first`) so rows cost no query each.
    if hasattr(report, "returns_newest_first"):
        return report.returns_newest_first[0] if report.returns_newest_first else None
    return last_return(report)


@register.inclusion_tag("annual/workflow/_comments_body.html")
def review_comments(report, section=""):
    """The approver's open comments on `report`, each with the Chinese name of what it is on.

    With `section` (a section key), only the comments on the whole report, on that section and
    on its cells: what the preparer can fix on that step.
    """
    if getattr(report, "has_open_comments", True) is False:  # known from the report's own query
        return {"report": report, "comments": []}
    comments = report.comments.filter(resolved_at__isnull=True).select_related("author")
    if section:
        comments = [c for c in comments if c.target in ("", section) or c.target.startswith(section + ".")]
    return {"report": report, "comments": annotate_comments(report, comments)}


@register.filter
def state_label(report) -> str:
    """The report's state as shown: 已发布（导入） when its figures were read from a published file."""
    return published_import.state_label(report)


@register.filter
def state_badge(state: str) -> str:
    """Bootstrap colour of a state badge."""
    colours: dict[str, str] = {
        ReportState.DRAFT: "secondary",
        ReportState.SUBMITTED: "primary",
        ReportState.RETURNED: "warning",
        ReportState.APPROVED: "success",
        ReportState.PUBLISHED: "dark",
    }
    return colours.get(state, "secondary")


@register.filter
def lockout_minutes(delta) -> int:
    """Whole minutes of a cool-off period (rounded up), for the lockout page."""
    return max(1, -(-int(delta.total_seconds()) // 60))
