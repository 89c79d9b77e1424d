"""Agencies as people name and configure them: the name rule (defined with the model) and the
record of a separation-of-duties exemption."""

from __future__ import annotations

from .models import Agency
from .models.agency import AgencyNameError, clean_agency_name

__all__ = ["AgencyNameError", "clean_agency_name", "exemption_record"]


def exemption_record(agency: Agency):
    """The history record of when the agency's separation-of-duties exemption was last switched
    on (its `history_user` and `history_date`), or None when the agency is not exempt."""
    if not agency.single_approver_exempt:
        return None
    granted, previous = None, False
    for record in agency.history.order_by("history_date", "history_id").select_related("history_user"):
        if record.single_approver_exempt and not previous:
            granted = record
        previous = record.single_approver_exempt
    return granted
