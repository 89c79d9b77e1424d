"""The agency hierarchy, built from every (id, parent id, name) row at once.

A county has 30-60 agencies and a city a few hundred, so reading every row at once
(`Agency.objects.tree()`, one query) is cheaper than one query per level, and it makes every
walk safe: walks keep a set of visited ids, so even a loop written to the database behind the
model's back cannot hang a request. Plain data on the ground floor: the model, the roll-up,
permissions and the board all walk this one structure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class AgencyTree:
    names: dict[int, str]
    parents: dict[int, int | None]
    children: dict[int | None, list[int]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[int, int | None, str]]) -> AgencyTree:
        """The tree of (id, parent id, name) rows; siblings keep the rows' order."""
        rows = list(rows)
        tree = cls(names={pk: name for pk, _, name in rows}, parents={pk: parent for pk, parent, _ in rows})
        for pk, parent, _ in rows:
            tree.children[parent].append(pk)
        return tree

    def name(self, pk: int) -> str:
        return self.names.get(pk, "")

    def walk(self, root: int) -> list[tuple[int, int]]:
        """(id, depth) of `root` (depth 0) and everything below it, depth first, siblings by name."""
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
