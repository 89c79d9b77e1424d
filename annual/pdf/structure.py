"""Reading a tagged PDF as a screen reader does: its structure tree in reading order, with text.

Used by the conformance tests and by `python -m annual.pdf.structure FILE.pdf`, which prints the
lines. Each line is one structure element that carries text (or a table part), indented by depth:
`H1 苍南县人民政府办公室…`, `TH[Row] 行政许可`, `TD 4 ← 行政许可 / 处理决定数量` (a data cell
names its headers, as a screen reader announces them).
"""

from __future__ import annotations

import io
import sys
from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class Node:
    tag: str
    text: str = ""
    scope: str = ""
    ident: str = ""
    headers: list[str] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)


def _marked_text(raw: bytes) -> dict[tuple[int, int], str]:
    """(page index, MCID) → the text drawn in that marked-content sequence."""
    import pdfplumber

    texts: dict[tuple[int, int], list[str]] = defaultdict(list)
    with pdfplumber.open(io.BytesIO(raw)) as pdf:
        for index, page in enumerate(pdf.pages):
            for char in page.chars:
                mcid = char.get("mcid")
                if mcid is not None:
                    texts[(index, mcid)].append(char["text"])
    return {key: "".join(chars) for key, chars in texts.items()}


def structure_tree(raw: bytes) -> Node:
    """The document's structure tree, each node with the text of its own marked content."""
    import pikepdf

    texts = _marked_text(raw)
    pdf = pikepdf.open(io.BytesIO(raw))
    pages = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}

    def build(element, page_index: int) -> Node:
        page = element.get("/Pg")
        if page is not None:
            page_index = pages.get(page.objgen, page_index)
        attributes = element.get("/A")
        node = Node(tag=str(element.get("/S", "/?"))[1:])
        if isinstance(attributes, pikepdf.Dictionary):
            node.scope = str(attributes.get("/Scope", ""))[1:]
            node.headers = [str(h) for h in attributes.get("/Headers", [])]
        if "/ID" in element:
            node.ident = str(element.ID)
        kids = element.get("/K")
        items = list(kids) if isinstance(kids, pikepdf.Array) else [] if kids is None else [kids]
        text = []
        for kid in items:
            if isinstance(kid, int):
                text.append(texts.get((page_index, kid), ""))
            elif isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                child = build(kid, page_index)
                if child.tag in ("Span", "NonStruct"):
                    text.append(_flat_text(child))
                else:
                    node.children.append(child)
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                kid_page = pages.get(kid.Pg.objgen, page_index) if "/Pg" in kid else page_index
                text.append(texts.get((kid_page, int(kid.MCID)), ""))
        node.text = "".join(text).strip()
        return node

    root = pdf.Root.StructTreeRoot.K
    document = root[0] if isinstance(root, pikepdf.Array) else root
    return build(document, 0)


def _flat_text(node: Node) -> str:
    return node.text + "".join(_flat_text(c) for c in node.children)


def reading_lines(raw: bytes) -> list[str]:
    """The tree as lines a screen reader would speak, data cells with their headers' text."""
    tree = structure_tree(raw)
    header_text: dict[str, str] = {}

    def index(node: Node) -> None:
        if node.ident:
            header_text[node.ident] = _flat_text(node)
        for child in node.children:
            index(child)

    index(tree)
    lines: list[str] = []

    def speak(node: Node, depth: int) -> None:
        text = _flat_text(node) if node.tag in ("TH", "TD", "P", "H1", "H2", "H3") else node.text
        label = f"{node.tag}[{node.scope}]" if node.scope else node.tag
        if node.tag == "TD" and node.headers:
            named = " / ".join(header_text.get(h, "?") for h in node.headers)
            lines.append(f"{'  ' * depth}{label} {text or '（空）'} ← {named}")
        elif node.tag in ("TH", "TD", "P", "H1", "H2", "H3"):
            lines.append(f"{'  ' * depth}{label} {text}".rstrip())
        else:
            lines.append(f"{'  ' * depth}{label}")
        if node.tag not in ("TH", "TD", "P", "H1", "H2", "H3"):
            for child in node.children:
                speak(child, depth + 1)

    speak(tree, 0)
    return lines


if __name__ == "__main__":  # pragma: no cover - a diagnostic for people
    with open(sys.argv[1], "rb") as fh:
        data = fh.read()
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 10**9
    print("\n".join(reading_lines(data)[:count]))
