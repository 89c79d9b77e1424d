"""The approved PDF as an archival file: PDF/A-3a, tagged, carrying its own data.

The frozen approved PDF is what gets stamped, archived and published. It is rendered as PDF/A-3a
(tagged: headings, paragraphs and tables with their header cells and scopes; language zh-CN;
title and author in the XMP metadata; every font embedded) and carries the report's JSON
document as an attachment (`report.json`, relationship Source) and, where the workbook export
exists, the workbook (`report.xlsx`, relationship Data). `read_embedded_document` reads the JSON
back, so `check_report` and `import_report` take an approved PDF as they take the `.json` file.

Drafts stay plain PDFs: tagging and PDF/A cost time on every draft download and buy nothing
for a copy nobody archives (bench/pdf_bench.py measures the difference).
"""

from __future__ import annotations

import datetime
import io
import zlib
from dataclasses import dataclass
from functools import cache

from ..document import DocumentError, dumps, parse
from ..safe_input import MAX_JSON_BYTES

PDF_VARIANT = "pdf/a-3a"
DOCUMENT_NAME = "report.json"
WORKBOOK_NAME = "report.xlsx"

# HTML's scope attribute and the PDF's /Scope (ISO 32000-1, 14.8.5.7).
_PDF_SCOPES = {"col": "/Column", "colgroup": "/Column", "row": "/Row", "rowgroup": "/Row"}


@dataclass(frozen=True)
class EmbeddedFile:
    name: str
    data: bytes
    relationship: str  # Source, Data, Alternative, Supplement (ISO 32000-2, 7.11.3)
    description: str


def document_attachment(doc: dict) -> EmbeddedFile:
    """The report's JSON document, byte for byte what `export_report -o FILE.json` writes."""
    return EmbeddedFile(
        DOCUMENT_NAME, dumps(doc).encode("utf-8"), "Source", "年度报告数据（gov-info-annual-report/1 JSON）"
    )


def workbook_attachment(data: bytes) -> EmbeddedFile:
    return EmbeddedFile(WORKBOOK_NAME, data, "Data", "年度报告表格（Excel 工作簿）")


def write_options(files: list[EmbeddedFile], *, moment: datetime.datetime) -> dict:
    """The `write_pdf` options of an archival PDF carrying `files`.

    `moment` stamps the attachments (WeasyPrint would otherwise use the time of rendering), so a
    PDF rendered twice from the same snapshot is the same file.
    """
    from weasyprint import Attachment

    _install_scope_patch()
    attachments = [
        Attachment(
            file_obj=io.BytesIO(f.data),
            name=f.name,
            description=f.description,
            relationship=f.relationship,
            created=moment,
            modified=moment,
        )
        for f in files
    ]
    return {"pdf_variant": PDF_VARIANT, "attachments": attachments, "finisher": _deduplicate_associated_files}


def _deduplicate_associated_files(document, pdf) -> None:
    """A `write_pdf` finisher: list each associated file once in the catalog's /AF.

    WeasyPrint 70 adds each attachment there twice (once from the name tree, once from its
    file specification); PDF/A-3 wants each associated file once.
    """
    if "AF" in pdf.catalog:
        import pydyf

        unique: list = []
        for ref in pdf.catalog["AF"]:
            if ref not in unique:
                unique.append(ref)
        pdf.catalog["AF"] = pydyf.Array(unique)


@cache
def _install_scope_patch() -> None:
    """Teach WeasyPrint's tagger the scope of each header cell and the right headers of each data cell.

    WeasyPrint 70 writes no /Scope on TH, and its /Headers for a TD goes wrong under a header
    cell that spans rows and columns at once (三's 3×3 corner shifts every later column, so a
    figure in 商业企业 lists no column header at all). The tagger builds structure elements in one
    recursive generator, `_build_box_tree`, that calls itself through the module name, and keeps
    each cell's element on its box (`box.mark`); wrapping that name sees every table with its
    cells, so the scopes and headers are set again here from the HTML (`scope` attributes) with
    the HTML table model's own grid. Guarded by version: on another WeasyPrint the tags keep
    WeasyPrint's own headers and lack /Scope (and the conformance test says so). The upstream
    change is written up in docs/upstream/weasyprint-table-headers.md.
    """
    import weasyprint
    from weasyprint.pdf import tags

    if not weasyprint.__version__.startswith("70.") or not hasattr(tags, "_build_box_tree"):
        return
    original = tags._build_box_tree

    def build_box_tree(box, parent, *args, **kwargs):
        for element in original(box, parent, *args, **kwargs):
            if element.get("S") == "/Table":
                _set_table_headers(box, element)
            yield element

    tags._build_box_tree = build_box_tree


def _table_rows(box) -> list:
    table = box.get_wrapped_table() if getattr(box, "is_table_wrapper", False) else box
    rows: list = []

    def collect(node) -> None:
        for child in getattr(node, "children", ()):
            if getattr(child, "element_tag", None) == "tr":
                rows.append(child)
            else:
                collect(child)

    if table is not None:
        collect(table)
    return rows


def _set_table_headers(box, table_element) -> None:
    """/Scope on every TH and /Headers on every TD of one tagged table.

    Headers follow HTML's "implicit headers" algorithm (scanning and assigning header cells):
    from a data cell, scan left for row headers and up for column headers; a run of data cells
    on the way makes the header block before it opaque, so that in 二 a block's figures are
    headed by their own caption and header row, not by the blocks above.
    """
    import pydyf

    grid: dict[tuple[int, int], tuple] = {}
    placed = []  # (cell box, row, column)
    for i, row in enumerate(_table_rows(box)):
        j = 0
        for cell in row.children:
            if getattr(cell, "mark", None) is None:
                continue
            while (i, j) in grid:
                j += 1
            for di in range(cell.rowspan):
                for dj in range(cell.colspan):
                    grid[(i + di, j + dj)] = (cell, i, j)
            placed.append((cell, i, j))
            j += cell.colspan
    scopes = {}
    for cell, i, j in placed:
        if cell.element_tag == "th":
            scopes[id(cell)] = _PDF_SCOPES.get(cell.element.attrib.get("scope", ""), "/Column")
            cell.mark["ID"] = pydyf.String(f"{table_element.number}-{i}-{j}")
            cell.mark["A"]["Scope"] = scopes[id(cell)]

    def scan(i: int, j: int, di: int, dj: int, wanted: str, found: list) -> None:
        opaque: list[tuple[int, int, int, int]] = []
        block: list[tuple[int, int, int, int]] = []
        in_block = False
        y, x = i + di, j + dj
        while y >= 0 and x >= 0 and (y, x) in grid:
            cell, ci, cj = grid[(y, x)]
            if cell.element_tag == "th":
                in_block = True
                shape = (ci, cj, cell.rowspan, cell.colspan)
                block.append(shape)
                same_place = (
                    [o for o in opaque if (o[1], o[3]) == (cj, cell.colspan)]
                    if dj == 0
                    else [o for o in opaque if (o[0], o[2]) == (ci, cell.rowspan)]
                )
                if not same_place and scopes[id(cell)] == wanted and cell.mark["ID"] not in found:
                    found.append(cell.mark["ID"])
            elif in_block:
                in_block = False
                opaque.extend(block)
                block = []
            y, x = y + di, x + dj

    for cell, i, j in placed:
        if cell.element_tag != "td":
            continue
        headers: list = []
        for r in range(i, i + cell.rowspan):
            scan(r, j, 0, -1, "/Row", headers)
        for c in range(j, j + cell.colspan):
            scan(i, c, -1, 0, "/Column", headers)
        cell.mark["A"]["Headers"] = pydyf.Array(headers)


# --- Reading the embedded document back ---------------------------------------------------------

PDF_MAGIC = b"%PDF-"


def is_pdf(raw: bytes) -> bool:
    return raw[:1024].lstrip().startswith(PDF_MAGIC)


def embedded_files(raw: bytes) -> dict[str, bytes]:
    """The files an archival PDF of this app carries, by name ({} for a PDF without any)."""
    from pypdf import PdfReader

    try:
        return {name: contents[0] for name, contents in PdfReader(io.BytesIO(raw)).attachments.items() if contents}
    except Exception:  # a damaged PDF carries nothing we can use; callers fall back
        return {}


# An approved PDF of this app carries two files; a few more leave room for a PDF tool that adds
# its own, and anything beyond is not ours: refused before any of them is read.
MAX_ATTACHMENTS = 8


def _attachment_entries(reader) -> dict:
    """Name -> pypdf's EmbeddedFile, counted as the name tree is walked (nothing inflated)."""
    entries: dict = {}
    for entry in reader.attachment_list:
        entries.setdefault(entry.name, entry)
        if len(entries) > MAX_ATTACHMENTS:
            raise DocumentError(
                [
                    (
                        "",
                        f"此 PDF 内嵌的文件超过 {MAX_ATTACHMENTS} 个：本系统的定稿 PDF 只内嵌 {DOCUMENT_NAME} 和 "
                        f"{WORKBOOK_NAME}，这不是本系统生成的定稿 PDF",
                    )
                ]
            )
    return entries


def _bounded_content(entry, limit: int) -> bytes:
    """The attachment's bytes, inflated at most to `limit` + 1: a stream that would inflate
    further (a few KB of zeros can claim a gigabyte) is refused before it is held in memory."""
    too_large = DocumentError(
        [("", f"内嵌的 {DOCUMENT_NAME} 解压后超过 {limit // (1024 * 1024)} MB 上限：不是本系统生成的报告数据")]
    )
    stream = entry.pdf_object["/EF"].get("/UF", entry.pdf_object["/EF"].get("/F")).get_object()
    filters = stream.get("/Filter")
    encoded = getattr(stream, "_data", b"")  # pypdf keeps the stream's bytes as stored here
    if filters in (None, "/FlateDecode", ["/FlateDecode"]) and not stream.get("/DecodeParms"):
        if filters is None:
            data = encoded
        else:
            try:
                data = zlib.decompressobj().decompress(encoded, limit + 1)
            except zlib.error:
                raise DocumentError([("", f"内嵌的 {DOCUMENT_NAME} 已损坏，无法解压")]) from None
        if len(data) > limit:
            raise too_large
        return data
    # Other filters (not what this app writes): pypdf decodes them under its own output limits.
    data = stream.get_data()
    if len(data) > limit:
        raise too_large
    return data


def carries_document(raw: bytes) -> bool:
    """Whether a PDF carries this app's `report.json` (an approved PDF of ours), as opposed to
    a report published from elsewhere. Only the names are read, nothing is inflated; a PDF with
    more attachments than ours ever has counts as carrying one, so that `read_embedded_document`
    refuses it for that. A file pypdf cannot open carries nothing."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            return False
        names = set()
        for entry in reader.attachment_list:
            names.add(entry.name)
            if len(names) > MAX_ATTACHMENTS:
                return True
        return DOCUMENT_NAME in names
    except Exception:  # a damaged or hostile file: the reader that handles it says why
        return False


def read_embedded_document(raw: bytes) -> dict:
    """The valid report document embedded in an approved PDF of this app.

    Raises DocumentError (in Chinese) when the file is not a readable PDF, carries no
    `report.json`, carries more files than an approved PDF does, carries one that would inflate
    past the JSON cap, or one that is not a valid document (its own path messages then say
    what is wrong, prefixed with the attachment's name).
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            raise DocumentError([("", "PDF 已加密，无法读取其中的报告数据")])
        entry = _attachment_entries(reader).get(DOCUMENT_NAME)
        if entry is None:
            raise DocumentError(
                [("", f"此 PDF 没有内嵌报告数据（{DOCUMENT_NAME}）：只有本系统生成的定稿 PDF 才带有数据")]
            )
        contents = _bounded_content(entry, MAX_JSON_BYTES)
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise DocumentError([("", f"不是可读取的 PDF 文件（{type(exc).__name__}）")]) from None
    except Exception as exc:  # pypdf raises many kinds on damaged files; none may become a traceback
        raise DocumentError([("", f"不是可读取的 PDF 文件（{type(exc).__name__}）")]) from None
    try:
        return parse(contents)
    except DocumentError as exc:
        raise DocumentError(
            [(f"{DOCUMENT_NAME}:{path}" if path else DOCUMENT_NAME, message) for path, message in exc.problems]
        ) from None
