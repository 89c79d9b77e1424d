"""Where an imported report's agency sits in the tree: `import_report --agency NAME --parent PARENT`.

The rules of the command-line contract, in one function so the command stays a thin shell:
names are trimmed of leading and trailing spaces; an empty name is refused; a missing parent is
created (at the top level); an existing agency keeps its place unless it has none yet; an
existing agency under another parent is refused, and so is a parent that would make an agency
its own ancestor.
"""

from __future__ import annotations

from django.db import transaction

from .agencies import AgencyNameError, clean_agency_name
from .models import Agency, AgencyKind


class PlacementError(Exception):
    """The agency cannot be placed as asked; the message is Chinese and names the agencies."""


def clean_name(raw: str, what: str = "--agency") -> str:
    """The name by the one agency-name rule (`agencies.clean_agency_name`), or PlacementError
    naming the option it came from."""
    try:
        return clean_agency_name(raw)
    except AgencyNameError as exc:
        raise PlacementError(f"{what}：{exc.message}") from None


def _ancestor_ids(agency_id: int) -> list[int]:
    """The chain of parents above `agency_id`, stopping at a repeat (one query)."""
    parents = dict(Agency.objects.values_list("id", "parent_id"))
    chain, seen = [], {agency_id}
    current = parents.get(agency_id)
    while current is not None and current not in seen:
        chain.append(current)
        seen.add(current)
        current = parents.get(current)
    return chain


@transaction.atomic
def place_agency(name: str, parent: str | None = None, kind: str = AgencyKind.DEPARTMENT) -> tuple[Agency, list[str]]:
    """The agency called `name` (trimmed), created or found, under `parent` when one is given.
    `kind` (an AgencyKind) applies when the agency is created here; an existing one keeps its own.

    Returns the agency and what was done (Chinese lines, e.g. 已新建机关：…). Raises
    PlacementError, having written nothing, when the contract refuses the placement.
    """
    name = clean_name(name)
    done: list[str] = []
    parent_agency = None
    if parent is not None:
        parent_name = clean_name(parent, "--parent")
        if parent_name == name:
            raise PlacementError(f"机关“{name}”不能作为自己的上级机关")
        parent_agency = Agency.objects.select_for_update().filter(name=parent_name).first()
    agency = Agency.objects.select_for_update().filter(name=name).first()
    if agency is not None and parent is not None:
        if agency.parent_id is not None and (parent_agency is None or agency.parent_id != parent_agency.pk):
            current = Agency.objects.get(pk=agency.parent_id).name
            raise PlacementError(f"机关“{name}”已隶属于“{current}”，不能再放到“{parent_name}”之下")
        if parent_agency is not None and agency.pk in _ancestor_ids(parent_agency.pk):
            raise PlacementError(f"“{parent_name}”是“{name}”的下级机关，把它作为上级会使“{name}”成为自己的上级")
    if parent is not None and parent_agency is None:
        parent_agency = Agency.objects.create(name=parent_name)
        done.append(f"已新建上级机关：{parent_name}")
    if agency is None:
        agency = Agency.objects.create(name=name, parent=parent_agency, kind=kind)
        done.append(
            f"已新建机关：{name}（{agency.get_kind_display()}"
            + (f"，上级机关：{parent_agency.name}）" if parent_agency else "）")
        )
    elif parent_agency is not None and agency.parent_id is None:
        agency.parent = parent_agency
        agency.save(update_fields=["parent"])
        done.append(f"已把机关“{name}”放到“{parent_agency.name}”之下")
    return agency, done
