"""Agency names as typed on the command line or in a form: one rule for every entry point."""

from __future__ import annotations

from .models import Agency

MAX_NAME_LENGTH = Agency._meta.get_field("name").max_length


class AgencyNameError(ValueError):
    """The name cannot name an agency; `message` (Chinese) says why."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def clean_agency_name(raw: str | None) -> str:
    """`raw` without leading and trailing spaces (full-width ones too), or AgencyNameError when
    that is empty or longer than the column. A trailing space used to create a second agency
    with the same visible name, outside its county."""
    name = (raw or "").strip()
    if not name:
        raise AgencyNameError("机关名称不能为空")
    if len(name) > MAX_NAME_LENGTH:
        raise AgencyNameError(f"机关名称过长：{len(name)} 字，上限为 {MAX_NAME_LENGTH} 字")
    return name


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
