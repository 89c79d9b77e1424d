"""The agency hierarchy, built from every (id, parent id, name, kind) row at once, siblings in
official order.

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
from functools import lru_cache

# Names of townships and street offices: in an official list they follow the departments.
TOWNSHIP_ENDINGS = ("乡", "镇", "街道", "街道办事处", "乡人民政府", "镇人民政府")


@lru_cache(maxsize=4096)
def _pinyin(name: str) -> tuple[str, ...]:
    # Late: pypinyin's phrase dictionary takes about a second to load, and only a list in
    # official order needs it, not every process start.
    from pypinyin import Style, lazy_pinyin  # noqa: PLC0415

    # Tone numbers after each syllable break ties between syllables spelt alike (市/石).
    return tuple(lazy_pinyin(name, style=Style.TONE3, neutral_tone_with_five=True))


def official_order_key(name: str, order: int | None) -> tuple:
    """Sibling order on the board and in the roll-up: the explicit order number first (agencies
    without one after those with one), then departments before townships, then the name's
    pinyin. Code-point order scattered the townships among the departments."""
    township = name.endswith(TOWNSHIP_ENDINGS)
    return (order is None, order or 0, township, _pinyin(name), name)


@dataclass
class AgencyTree:
    names: dict[int, str]
    parents: dict[int, int | None]
    children: dict[int | None, list[int]] = field(default_factory=lambda: defaultdict(list))
    kinds: dict[int, str] = field(default_factory=dict)  # AgencyKind values: what sets each due date

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[int, int | None, str, str]]) -> AgencyTree:
        """The tree of (id, parent id, name, kind) rows; siblings keep the rows' order."""
        rows = list(rows)
        tree = cls(
            names={pk: name for pk, _, name, _ in rows},
            parents={pk: parent for pk, parent, _, _ in rows},
            kinds={pk: kind for pk, _, _, kind in rows},
        )
        for pk, parent, _, _ in rows:
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
