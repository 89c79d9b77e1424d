"""The tag behind `annual/pdf/_download.html`: is the PDF frozen, its SHA-256, or its job's progress."""

from django import template

from ..snapshots import final_pdf_job, latest_snapshot_info
from ..transitions import FROZEN_STATES

register = template.Library()


@register.simple_tag
def pdf_status(report) -> dict:
    """{"frozen": the PDF is the approved one, "snapshot": its stored snapshot (sha256, time) or None,
    "job": while that PDF is still being made, the job making it (status, attempts, error)}."""
    frozen = report.state in FROZEN_STATES
    snapshot = latest_snapshot_info(report) if frozen else None
    job = final_pdf_job(snapshot) if snapshot is not None and not snapshot.ready else None
    return {"frozen": frozen, "snapshot": snapshot, "job": job}
