"""The agency hierarchy, loaded whole in one query.

A county has 30-60 agencies and a city a few hundred, so reading every (id, parent, name) row
at once is cheaper than one query per level, and it makes every walk safe: walks keep a set of
visited ids, so even a loop written to the database behind the model's back cannot hang a
request.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class AgencyTree:
    names: dict[int, str]
    parents: dict[int, int | None]
    children: dict[int | None, list[int]] = field(default_factory=lambda: defaultdict(list))
    kinds: dict[int, str] = field(default_factory=dict)  # AgencyKind values: what sets each due date

    @classmethod
    def load(cls) -> AgencyTree:
        from .agencies import official_order_key
        from .models import Agency

        rows = list(Agency.objects.values_list("pk", "parent_id", "name", "kind", "order"))
        rows.sort(key=lambda row: official_order_key(row[2], row[4]))
        tree = cls(
            names={row[0]: row[2] for row in rows},
            parents={row[0]: row[1] for row in rows},
            kinds={row[0]: row[3] for row in rows},
        )
        for pk, parent, *_ in rows:  # in official order, so siblings come out that way
            tree.children[parent].append(pk)
        return tree

    def name(self, pk: int) -> str:
        return self.names.get(pk, "")

    def walk(self, root: int) -> list[tuple[int, int]]:
        """(id, depth) of `root` (depth 0) and everything below it, depth first, siblings in official order."""
        found: list[tuple[int, int]] = []
        seen: set[int] = set()
        stack = [(root, 0)]
        while stack:
            pk, depth = stack.pop()
            if pk in seen:
                continue
            seen.add(pk)
            found.append((pk, depth))
            stack.extend((child, depth + 1) for child in reversed(self.children.get(pk, ())))
        return found

    def descendant_ids(self, root: int) -> list[int]:
        """Every agency below `root` (not `root` itself), in tree order."""
        return [pk for pk, _ in self.walk(root)[1:]]

    def ancestor_ids(self, pk: int) -> list[int]:
        """The parent, grandparent, … of `pk`, nearest first."""
        found: list[int] = []
        current = self.parents.get(pk)
        while current is not None and current not in found and current != pk:
            found.append(current)
            current = self.parents.get(current)
        return found

    def has_children(self, pk: int) -> bool:
        return bool(self.children.get(pk))
