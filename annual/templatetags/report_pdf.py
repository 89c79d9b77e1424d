"""The tag behind `annual/pdf/_download.html`: is the PDF frozen, and its SHA-256 (not its bytes)."""

from django import template

from ..snapshots import FROZEN_STATES, latest_snapshot_info

register = template.Library()


@register.simple_tag
def pdf_status(report) -> dict:
    """{"frozen": the PDF is the approved one, "snapshot": its stored snapshot (sha256, time) or None}."""
    frozen = report.state in FROZEN_STATES
    return {"frozen": frozen, "snapshot": latest_snapshot_info(report) if frozen else None}
