"""The archival PDF's tag tree mended after WeasyPrint, and the file saved compactly (pikepdf).

WeasyPrint tags each page on its own (weasyprint/pdf/tags.py builds the tree page box by page
box), so an element that a page break cuts becomes one structure element per page: a table split
across pages is read as separate tables, and the header rows that the table repeats at the top of
each page (its <thead>) are tagged again on every page, so a screen reader reads them once per
page. Write-up: docs/upstream/weasyprint-split-table-tags.md.

`finish` joins the pieces again. A piece continues the element before it when it is the first
element of a page and the element it would continue is the last of the page before, with the same
tag: a section whose piece does not open with a heading, and a table at the end of such a section
on one page and at the start of it on the next. The later piece's children move into the first
piece, and its repeated header rows (a THead shaped like the first piece's) become artifacts: their
marked content is re-marked `/Artifact` in the page's content stream, their structure elements
leave the tree, the data cells that named them as headers name the first piece's header cells
instead, and the page's marked-content ids are numbered again from 0 with the parent tree rebuilt
to match. It runs on the rendered PDF/A-3a before it is signed (the signature's incremental update
covers these bytes), and saves with object streams, compressed streams and an id computed from
the content, so that a re-render is the same file.
"""

from __future__ import annotations

import io
import logging
from collections import defaultdict

logger = logging.getLogger(__name__)

HEADINGS = frozenset({"/H", "/H1", "/H2", "/H3", "/H4", "/H5", "/H6"})


def finish(raw: bytes) -> bytes:
    """`raw` (a tagged PDF from WeasyPrint) with its split tables joined and repeated header rows
    made artifacts, saved compactly. A PDF without a tag tree (a stand-in, a draft) is returned
    as it is, and so is one this cannot mend (logged): WeasyPrint's own tags are still valid
    PDF/A, only less readable."""
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(raw)) as pdf:
            if "/StructTreeRoot" not in pdf.Root:
                return raw
            mend(pdf)
            out = io.BytesIO()
            pdf.save(
                out,
                object_stream_mode=pikepdf.ObjectStreamMode.generate,
                compress_streams=True,
                deterministic_id=True,
            )
    except Exception:  # pikepdf's or a tree shaped unlike WeasyPrint's: the approval still gets its PDF
        logger.exception("Could not mend the tag tree of an archival PDF; kept as WeasyPrint wrote it")
        return raw
    return out.getvalue()


def mend(pdf) -> None:
    """Join the split pieces of `pdf`'s tag tree in place (see the module's docstring)."""
    root = pdf.Root.StructTreeRoot
    document = _kids(root)[0] if _kids(root) else None
    if document is None:
        return
    pages = {page.obj.objgen: index for index, page in enumerate(pdf.pages)}
    renamed: dict[bytes, object] = {}  # a removed repeated header cell's id: the id of the cell it repeats
    survivors: list = []
    previous_page = None
    for kid in _kids(document):
        page = _page_of(kid, pages) if _is_element(kid) else previous_page
        if survivors and page != previous_page and _continues(survivors[-1], kid):
            _join(survivors[-1], kid, renamed)
        else:
            survivors.append(kid)
        previous_page = page
    document.K = _array(survivors)
    if renamed:
        _rename_headers(document, renamed)
    _index_ids(pdf, document)
    _renumber(pdf, document, pages)


# --- The tree -------------------------------------------------------------------------------------


def _array(items):
    import pikepdf

    return pikepdf.Array(items)


def _kids(element) -> list:
    import pikepdf

    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _is_element(kid) -> bool:
    import pikepdf

    return isinstance(kid, pikepdf.Dictionary) and "/S" in kid


def _struct_kids(element) -> list:
    return [kid for kid in _kids(element) if _is_element(kid)]


def _tag(element) -> str:
    return str(element.get("/S", ""))


def _page_of(element, pages: dict, inherited: int | None = None) -> int | None:
    page = element.get("/Pg")
    return pages.get(page.objgen, inherited) if page is not None else inherited


def _continues(before, after) -> bool:
    """Whether `after`, first on its page, is the rest of `before`, last on the page before."""
    if not (_is_element(before) and _is_element(after)) or _tag(before) != _tag(after):
        return False
    if _tag(after) == "/Sect":
        first = _struct_kids(after)
        return not first or _tag(first[0]) not in HEADINGS
    return _tag(after) == "/Table"


def _join(before, after, renamed: dict) -> None:
    """Move `after`'s children into `before`: its first child continues `before`'s last one when
    they are pieces of one element (a table in a section), and a table's repeated head goes."""
    inner_before, inner_after = _struct_kids(before), _struct_kids(after)
    moving = _kids(after)
    if inner_before and inner_after and _continues(inner_before[-1], inner_after[0]):
        _join(inner_before[-1], inner_after[0], renamed)
        moving = [kid for kid in moving if not (_is_element(kid) and kid.objgen == inner_after[0].objgen)]
    if _tag(before) == "/Table":
        moving = _drop_repeated_head(before, moving, renamed)
    for kid in moving:
        if _is_element(kid):
            kid.P = before
    before.K = _array(_kids(before) + moving)


def _drop_repeated_head(table, moving: list, renamed: dict) -> list:
    """`moving` without its leading THead when it repeats `table`'s own (same rows, same cells,
    same spans). Its marked content, held by nothing once it leaves the tree, becomes artifacts
    (`_renumber`); the ids of its header cells are recorded in `renamed`."""
    heads = [kid for kid in _struct_kids(table) if _tag(kid) == "/THead"]
    parts = [kid for kid in moving if _is_element(kid)]
    if not heads or not parts or _tag(parts[0]) != "/THead":
        return moving
    original, repeated = heads[0], parts[0]
    pairs = _matching_cells(original, repeated)
    if pairs is None:
        return moving
    for first, again in pairs:
        if "/ID" in again and "/ID" in first:
            renamed[bytes(again.ID)] = first.ID
    return [kid for kid in moving if not (_is_element(kid) and kid.objgen == repeated.objgen)]


def _cell_shape(cell) -> tuple:
    attributes = cell.get("/A")
    spans = (
        tuple(str(attributes.get(key, "")) for key in ("/RowSpan", "/ColSpan", "/Scope"))
        if attributes is not None and hasattr(attributes, "get")
        else ()
    )
    return _tag(cell), spans


def _matching_cells(original, repeated) -> list[tuple] | None:
    """The (original, repeated) header cells pairwise when the two heads have the same shape."""
    rows_a, rows_b = _struct_kids(original), _struct_kids(repeated)
    if len(rows_a) != len(rows_b):
        return None
    pairs: list[tuple] = []
    for row_a, row_b in zip(rows_a, rows_b, strict=True):
        cells_a, cells_b = _struct_kids(row_a), _struct_kids(row_b)
        if [_cell_shape(c) for c in cells_a] != [_cell_shape(c) for c in cells_b]:
            return None
        pairs.extend(zip(cells_a, cells_b, strict=True))
    return pairs


def _rename_headers(element, renamed: dict) -> None:
    """Data cells name the first piece's header cells instead of the removed repeats."""
    attributes = element.get("/A")
    if attributes is not None and hasattr(attributes, "get") and "/Headers" in attributes:
        attributes.Headers = _array([renamed.get(bytes(h), h) for h in attributes.Headers])
    for kid in _struct_kids(element):
        _rename_headers(kid, renamed)


def _index_ids(pdf, document) -> None:
    """The structure tree root's /IDTree: every element id (the header cells') to its element.

    ISO 32000-1 (table 322) requires it once any element has an /ID, and a reader resolves a
    data cell's /Headers through it; WeasyPrint writes the ids but not the tree."""
    import pikepdf

    found: dict[bytes, object] = {}

    def collect(element) -> None:
        if "/ID" in element:
            found[bytes(element.ID)] = element
        for kid in _struct_kids(element):
            collect(kid)

    collect(document)
    root = pdf.Root.StructTreeRoot
    if not found:
        if "/IDTree" in root:
            del root["/IDTree"]
        return
    names: list = []
    for key in sorted(found):  # a name tree's keys in byte order; one root node holds them all
        names.extend([pikepdf.String(key), found[key]])
    root.IDTree = pdf.make_indirect(pikepdf.Dictionary(Names=pikepdf.Array(names)))


# --- Marked content and the parent tree -----------------------------------------------------------


def _holders(element, pages: dict, page: int | None, found: dict) -> None:
    """Every MCID's holder: found[page][mcid] = (element, index of the kid in its /K)."""
    page = _page_of(element, pages, page)
    for index, kid in enumerate(_kids(element)):
        if isinstance(kid, int):
            found[page][int(kid)] = (element, index)
        elif _is_element(kid):
            _holders(kid, pages, page, found)
        elif hasattr(kid, "get") and kid.get("/Type") == "/MCR":
            found[_page_of(kid, pages, page)][int(kid.MCID)] = (element, index)


def _renumber(pdf, document, pages: dict) -> None:
    """Re-mark as artifacts the marked content that no element holds any more (the removed
    repeated header rows, and the page-number margin boxes, which WeasyPrint marks but leaves out
    of the tree), number
    each page's marked content from 0 again, and rebuild the parent tree's page entries."""
    import pikepdf

    found: dict = defaultdict(dict)
    _holders(document, pages, None, found)
    by_key = {}
    for index, page in enumerate(pdf.pages):
        holders = found.get(index, {})
        numbers = {old: new for new, old in enumerate(sorted(holders))}
        instructions = pikepdf.parse_content_stream(page)
        if _rewrite_content(instructions, numbers):
            page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))
        for old, (holder, position) in holders.items():
            if numbers[old] == old:
                continue
            kids = _kids(holder)
            kid = kids[position]
            if isinstance(kid, int):
                kids[position] = numbers[old]
                holder.K = _array(kids) if isinstance(holder.get("/K"), pikepdf.Array) else numbers[old]
            else:
                kid.MCID = numbers[old]
        if "/StructParents" in page.obj:
            by_key[int(page.obj.StructParents)] = _array([holders[old][0] for old in sorted(holders)])
    tree = pdf.Root.StructTreeRoot.ParentTree
    nums = list(tree.Nums)
    for position in range(0, len(nums), 2):
        key = int(nums[position])
        if key in by_key:
            nums[position + 1] = by_key[key]
    tree.Nums = _array(nums)


def _rewrite_content(instructions: list, numbers: dict[int, int]) -> bool:
    """Renumber the MCIDs of `instructions` in place by `numbers`, and turn marked content whose
    MCID is not there into an `/Artifact` sequence; whether anything changed."""
    import pikepdf

    changed = False
    marked = pikepdf.Operator("BDC")
    for position, instruction in enumerate(instructions):
        if instruction.operator != marked:
            continue
        operands = instruction.operands
        if len(operands) != 2:
            continue
        properties = operands[1]
        if not isinstance(properties, pikepdf.Dictionary) or "/MCID" not in properties:
            continue
        mcid = int(properties.MCID)
        if mcid not in numbers:
            instructions[position] = pikepdf.ContentStreamInstruction([pikepdf.Name.Artifact], pikepdf.Operator("BMC"))
            changed = True
        elif numbers[mcid] != mcid:
            properties.MCID = numbers[mcid]
            instructions[position] = pikepdf.ContentStreamInstruction([operands[0], properties], marked)
            changed = True
    return changed
