"""{% rollup_status report %}: on a county report generated from its 汇总, whether it is still
current, and if not 「汇总已过期」 with the difference and a one-click refresh."""

from django import template

from ..permissions import can_generate_from_rollup
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
        "csrf_token": context.get("csrf_token"),
    }
