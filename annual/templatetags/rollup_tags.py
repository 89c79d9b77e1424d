"""{% rollup_status report %}: on a county report generated from its 汇总, whether it is still
current, and if not 「汇总已过期」 with the difference and a one-click refresh."""

from django import template

from ..permissions import can_generate_from_rollup, can_view_rollup
from ..rollup import narrative_draft
from ..rollup_report import basis_status

register = template.Library()


@register.inclusion_tag("annual/rollup/_status.html", takes_context=True)
def rollup_status(context, report):
    status = basis_status(report)
    user = context.get("user")
    return {
        "report": report,
        "status": status,
        "can_refresh": status is not None and report.is_editable and can_generate_from_rollup(user, report.agency),
        "can_view": status is not None and can_view_rollup(user, report.agency),
        # Offered, never written over the preparer's text: they copy what they want.
        "narrative": narrative_draft(status.current.document) if status and status.current else "",
        "csrf_token": context.get("csrf_token"),
    }
