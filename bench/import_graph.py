"""The import graph of annual/ and reportsite/: circles, and imports that climb back up a floor.

    .venv/bin/python bench/import_graph.py [--rooms] [-v]

Reads the source with `ast` (nothing is imported), so imports inside functions count as much as
those at the top of a file: a late import hides a loop from Python, not from a reader. Imports
under `if TYPE_CHECKING:` are left out (they never run). Migrations are left out (generated).

Nodes are modules (annual.jobs, annual.pdf.render …); with `--rooms` each subpackage of annual/
(annual.views, annual.pdf …) and each top-level module is one node, as a reader sees the house.

- **Circles**: strongly connected components of more than one node (Tarjan), over all imports.
- **Floors**: a node's floor is 0 when its *top-level* imports reach no project module, else one
  above the highest floor it imports at the top. Top-level imports are what Python itself needs
  to load a module, so they alone decide the floors (nodes in a circle of top-level imports
  share one floor).
- **Climbing imports**: import statements that reach a higher floor than their own (only a late
  import can), or the same floor inside a circle. A late import that reaches a lower floor (to
  load WeasyPrint only when a PDF is asked for) or a sideways one outside any circle does not
  climb. Moving a top-level import into a function cannot hide a climb: the importer's floor
  drops, and the late import then climbs.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("annual", "reportsite")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            found[module_name(path)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, bool, int]]:
    """(imported project module, at top level?, line) for every import statement in `path`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    base = name.split(".") if is_package else name.split(".")[:-1]
    found: list[tuple[str, bool, int]] = []

    def resolve(target: str) -> str | None:
        # The longest project module that `target` names (a.b.c may be a function c of module a.b).
        parts = target.split(".")
        while parts:
            candidate = ".".join(parts)
            if candidate in modules:
                return candidate
            parts.pop()
        return None

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for rest in child.orelse:
                    visit(rest, top)
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    if (hit := resolve(alias.name)) is not None:
                        found.append((hit, top, child.lineno))
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    anchor = base[: len(base) - (child.level - 1)] if child.level > 1 else base
                    origin = ".".join([*anchor, child.module] if child.module else anchor)
                else:
                    origin = child.module or ""
                for hit in dict.fromkeys(resolve(f"{origin}.{a.name}") or resolve(origin) for a in child.names):
                    if hit is not None:
                        found.append((hit, top, child.lineno))
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(child, False)
            else:
                visit(child, top)

    visit(tree, True)
    return found


def room(name: str) -> str:
    """annual.views.entry -> annual.views; annual.jobs -> annual.jobs; reportsite.x -> reportsite.x."""
    parts = name.split(".")
    return ".".join(parts[:2])


def strongly_connected(nodes: list[str], edges: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0
    sys.setrecursionlimit(10000)

    def connect(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            components.append(sorted(component))

    for v in nodes:
        if v not in index:
            connect(v)
    return components


def measure(rooms: bool) -> dict:
    modules = project_modules()
    name_of = room if rooms else (lambda n: n)
    nodes = sorted({name_of(n) for n in modules})
    # (source, target) -> list of (top level?, where)
    imports: dict[tuple[str, str], list[tuple[bool, str]]] = defaultdict(list)
    for name, path in modules.items():
        for target, top, line in imports_of(name, path, modules):
            source, dest = name_of(name), name_of(target)
            if source != dest:
                imports[(source, dest)].append((top, f"{path.relative_to(ROOT)}:{line}"))
    edges: dict[str, set[str]] = {n: set() for n in nodes}
    for source, dest in imports:
        edges[source].add(dest)
    circles = [c for c in strongly_connected(nodes, edges) if len(c) > 1]
    in_circle = {n: i for i, c in enumerate(circles) for n in c}

    # Floors from the top-level imports; a circle of top-level imports is one floor.
    top_edges: dict[str, set[str]] = {n: set() for n in nodes}
    for (source, dest), seen in imports.items():
        if any(top for top, _ in seen):
            top_edges[source].add(dest)
    top_groups = strongly_connected(nodes, top_edges)  # dependencies come out before dependants
    group_of = {n: i for i, group in enumerate(top_groups) for n in group}
    floor: dict[str, int] = {}
    for group in top_groups:
        below = [floor[d] for n in group for d in top_edges[n] if group_of[d] != group_of[n]]
        for n in group:
            floor[n] = 1 + max(below, default=-1)
    climbing = []
    for (source, dest), seen in sorted(imports.items()):
        up = floor[dest] > floor[source]
        sideways_in_circle = floor[dest] == floor[source] and in_circle.get(source, -1) == in_circle.get(dest, -2)
        if not (up or sideways_in_circle):
            continue
        for top, where in seen:
            climbing.append((source, floor[source], dest, floor[dest], where, "top" if top else "inline"))
    inline = [(s, d, w) for (s, d), seen in sorted(imports.items()) for top, w in seen if not top]
    return {
        "nodes": nodes,
        "edges": sum(len(v) for v in edges.values()),
        "circles": circles,
        "climbing": climbing,
        "floors": floor,
        "inline": inline,
    }


def has_reason(where: str) -> bool:
    """The import at `where` (path:line) carries a comment: on its line, or above the run of
    import lines it belongs to."""
    path, line = where.rsplit(":", 1)
    lines = (ROOT / path).read_text(encoding="utf-8").splitlines()
    number = int(line) - 1
    if "#" in lines[number]:
        return True
    while number > 0 and lines[number - 1].strip().startswith(("from ", "import ")):
        number -= 1
    return number > 0 and lines[number - 1].strip().startswith("#")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", action="store_true", help="one node per subpackage of annual/")
    parser.add_argument("-v", "--verbose", action="store_true", help="also print every floor and inline import")
    args = parser.parse_args()
    result = measure(args.rooms)
    print(f"nodes: {len(result['nodes'])}  ({'rooms' if args.rooms else 'modules'})")
    print(f"import edges: {result['edges']}")
    unexplained = [i for i in result["inline"] if not has_reason(i[2])]
    print(f"inline imports of project modules: {len(result['inline'])}, {len(unexplained)} without a comment")
    for source, dest, where in unexplained:
        print(f"  no reason given: {source} -> {dest} at {where}")
    print(f"circles: {len(result['circles'])}")
    for circle in result["circles"]:
        print("  circle:", " ".join(circle))
    climbs = {(c[0], c[2]) for c in result["climbing"]}
    print(f"climbing imports: {len(result['climbing'])} statements, {len(climbs)} distinct edges")
    for source, fs, dest, fd, where, how in result["climbing"]:
        print(f"  {source} (floor {fs}) -> {dest} (floor {fd})  {how} at {where}")
    if args.verbose:
        by_floor: dict[int, list[str]] = defaultdict(list)
        for n, f in result["floors"].items():
            by_floor[f].append(n)
        for f in sorted(by_floor):
            print(f"floor {f}: {' '.join(sorted(by_floor[f]))}")
        for source, dest, where in result["inline"]:
            print(f"  inline: {source} -> {dest} at {where}")


if __name__ == "__main__":
    main()
