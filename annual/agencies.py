"""Agencies as people name and configure them: the name rule (defined with the model) and the
record of a separation-of-duties exemption."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin

from .models import Agency
from .models.agency import AgencyNameError, clean_agency_name

__all__ = ["AgencyNameError", "clean_agency_name", "exemption_record", "official_order_key"]

# Names of townships and street offices: in an official list they follow the departments.
TOWNSHIP_ENDINGS = ("乡", "镇", "街道", "街道办事处", "乡人民政府", "镇人民政府")


@lru_cache(maxsize=4096)
def _pinyin(name: str) -> tuple[str, ...]:
    # Tone numbers after each syllable break ties between syllables spelt alike (市/石).
    return tuple(lazy_pinyin(name, style=Style.TONE3, neutral_tone_with_five=True))


def official_order_key(name: str, order: int | None) -> tuple:
    """Sibling order on the board and in the roll-up: the explicit order number first (agencies
    without one after those with one), then departments before townships, then the name's
    pinyin. Code-point order scattered the townships among the departments."""
    township = name.endswith(TOWNSHIP_ENDINGS)
    return (order is None, order or 0, township, _pinyin(name), name)


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
