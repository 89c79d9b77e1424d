"""Reading back the workbook `annual.exports.xlsx` writes, after editing in Excel, WPS or Calc.

The reader trusts nothing: the byte size is capped before opening; before any XML is parsed,
the zip's declared sizes are capped and then every part is inflated with a running count, so
at most 40 MB in all and 10 MB of XML (any part that is not a picture or an embedded binary,
whatever its name) reach the parser; XML is parsed by defusedxml (openpyxl uses it when
installed). Then every label of the official tables must be where `sheet_plans` puts it (a
shifted row or column is refused, not misread), every merge must still be there, and each value
is read as the web form reads it: numbers typed as text, full-width digits, thousands
separators, 「-」 and 「无」, and a formula's cached value. A formula without a cached value, a
negative count or text in a count is an error naming the sheet and cell, e.g. 「三」!D5.

The result is a document that then passes `annual.document.validate`, exactly like a JSON file.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import load_workbook
from openpyxl.cell.cell import Cell as XlCell
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml import constants as xml_types
from openpyxl.xml.functions import fromstring

from .. import template_spec as spec
from ..document import DocumentError, blank_document, validate
from ..exports import xlsx as layout_xlsx
from ..exports.xlsx import FORMAT_KEYS, FORMAT_SHEET, INFO_FIRST_ROW, INFO_SHEET, WORKBOOK_LAYOUT
from ..normalize import InputError, parse_count, parse_money
from ..safe_input import MAX_WORKBOOK_BYTES, InputFileError, read_file

# An exported workbook is 15-20 KB; an edited one rarely passes 100 KB. These caps leave room
# for a workbook an office has decorated, and refuse anything built to exhaust a worker.
MAX_UNCOMPRESSED_BYTES = 40 * 1024 * 1024
MAX_MEMBERS = 500
# The XML openpyxl parses (twice: values and formulas); pictures and the like are never parsed.
MAX_XML_BYTES = 10 * 1024 * 1024

MB = 1024 * 1024


def ref(sheet: str, coordinate: str) -> str:
    return f"「{sheet}」!{coordinate}"


class WorkbookReader:
    """Collects problems as (「sheet」!cell, message) so the user sees all of them at once."""

    def __init__(self, values: Any, formulas: Any):
        self.values = values  # loaded with data_only=True: cached results of formulas
        self.formulas = formulas  # loaded as written: tells a formula from a typed value
        self.problems: list[tuple[str, str]] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append((where, message))

    def raw(self, sheet: str, coordinate: str) -> Any:
        """The cell's value, or its formula's cached value; a formula without one is an error."""
        value = self.values[sheet][coordinate].value
        written: XlCell = self.formulas[sheet][coordinate]
        if written.data_type == "f" and value is None:
            self.fail(
                ref(sheet, coordinate),
                "公式没有计算结果（缓存值）：请在 Excel 或 WPS 中打开并保存后再上传，或把公式改为数字",
            )
            raise _Skip
        if isinstance(value, str) and value.startswith("#") and value.rstrip("!?0/").upper() in _EXCEL_ERRORS:
            self.fail(ref(sheet, coordinate), f"单元格是公式错误值 {value}")
            raise _Skip
        return value


_EXCEL_ERRORS = {"#DIV", "#N/A", "#NAME", "#NULL", "#NUM", "#REF", "#VALUE", "#GETTING_DATA"}


class _Skip(Exception):
    """The cell's problem is recorded; go on with the next cell."""


def _text_of(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_count(value: Any, *, label: str, signed: bool) -> int | None:
    """A count cell as Excel, WPS or Calc leave it: a number, a number typed as text, or blank."""
    if isinstance(value, bool) or isinstance(value, (datetime.date, datetime.time, datetime.timedelta)):
        raise InputError(f"{label}：应为数字，实际是{'逻辑值' if isinstance(value, bool) else '日期或时间'}")
    if isinstance(value, float):
        if not value.is_integer():
            raise InputError(f"{label}：“{value}”不能是小数。按“非负整数”规则应填写不小于 0 的整数")
        value = int(value)
    return parse_count(None if value is None else str(value), label=label, signed=signed)


def read_money(value: Any, number_format: str, *, label: str) -> str | None:
    """A money cell: the places its number format shows are the places the office wrote (271.50)."""
    if isinstance(value, bool) or isinstance(value, (datetime.date, datetime.time, datetime.timedelta)):
        raise InputError(f"{label}：应为金额，实际是{'逻辑值' if isinstance(value, bool) else '日期或时间'}")
    if isinstance(value, (int, float)):
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        amount = amount.normalize() if amount == amount.to_integral_value() else amount
        exponent = amount.as_tuple().exponent
        written = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        places = layout_xlsx.places_of_format(number_format)
        if places is not None and written <= places <= 4:
            amount = amount.quantize(Decimal(1).scaleb(-places))
        return parse_money(f"{amount:f}", label=label)
    return parse_money(None if value is None else str(value), label=label)


def _same_label(found: Any, expected: str) -> bool:
    if not isinstance(found, str):
        return False
    squash = re.compile(r"\s+")
    return squash.sub("", found) == squash.sub("", expected)


def _check_format_sheet(reader: WorkbookReader, names: list[str]) -> dict:
    if FORMAT_SHEET not in names:
        raise DocumentError(
            [
                (
                    "",
                    f"工作簿缺少隐藏工作表「{FORMAT_SHEET}」：这不是本系统导出的年度报告工作簿，"
                    "请先下载导出的工作簿或空白模板，在其中填写后再上传",
                )
            ]
        )
    ws = reader.values[FORMAT_SHEET]
    facts = {}
    for r, key in enumerate(FORMAT_KEYS, start=1):
        if ws.cell(row=r, column=1).value != key:
            raise DocumentError([(ref(FORMAT_SHEET, f"A{r}"), "格式信息被改动，无法确认工作簿的格式和模板版本")])
        facts[key] = ws.cell(row=r, column=2).value
    if facts["layout"] != WORKBOOK_LAYOUT or facts["format"] != spec.FORMAT_ID:
        raise DocumentError(
            [(ref(FORMAT_SHEET, "B1"), f"不支持的工作簿格式 {facts['layout']!r}，应为 {WORKBOOK_LAYOUT}")]
        )
    if facts["template"] not in spec.VERSIONS:
        raise DocumentError([(ref(FORMAT_SHEET, "B3"), f"未知的模板版本 {facts['template']!r}")])
    return facts


def _check_sheets(names: list[str], plans: list[layout_xlsx.SheetPlan]) -> None:
    wanted = [INFO_SHEET, *(p.title for p in plans)]
    missing = [n for n in wanted if n not in names]
    if missing:
        raise DocumentError(
            [
                (
                    "",
                    "缺少工作表"
                    + "、".join(f"「{n}」" for n in missing)
                    + "：请使用本系统导出的工作簿，不要删除或重命名工作表",
                )
            ]
        )


def _read_info(reader: WorkbookReader, doc: dict, facts: dict) -> None:
    ws: Worksheet = reader.values[INFO_SHEET]
    meta: dict = {}
    for r, field in enumerate(layout_xlsx.info_fields(), start=INFO_FIRST_ROW):
        where = ref(INFO_SHEET, f"A{r}")
        if not _same_label(ws.cell(row=r, column=1).value, field.label):
            reader.fail(
                where, f"应为“{field.label}”，实际为“{ws.cell(row=r, column=1).value or ''}”：行被插入、删除或移动"
            )
            return
        try:
            value = reader.raw(INFO_SHEET, f"B{r}")
        except _Skip:
            continue
        where = ref(INFO_SHEET, f"B{r}")
        if field.kind == "template":
            continue  # shown for the reader; the hidden sheet decides the version
        if field.kind == "year":
            _read_year(reader, doc, facts, value, where)
            continue
        text = _read_text(reader, value, where, field.label)
        if text is None:
            continue
        if field.kind == "agency":
            doc["agency"] = text
        elif field.kind == "text":
            doc[field.path] = text
        else:
            if field.kind == "date" and text.strip():
                text = _read_date(reader, value, where, field.label)
                if text is None:
                    continue
            if not text.strip():
                continue
            parts = field.path.split(".")
            if len(parts) == 3:
                meta.setdefault("contact", {})[parts[2]] = text
            else:
                meta[parts[1]] = text
    doc["meta"] = meta


def _read_year(reader: WorkbookReader, doc: dict, facts: dict, value: Any, where: str) -> None:
    try:
        year = read_count(value, label=layout_xlsx.YEAR_LABEL, signed=False)
    except InputError as exc:
        reader.fail(where, exc.message)
        return
    if year is None:
        reader.fail(where, "请填写年度（如 2021）")
        return
    exported = facts.get("year")
    if exported not in (None, "") and exported != year:
        reader.fail(where, f"年度不能在工作簿中修改：本工作簿导出自 {exported} 年度的报告")
        return
    if spec.version_for_year(year) != facts["template"] and exported in (None, ""):
        reader.fail(
            where,
            f"{year} 年度应使用{layout_xlsx.VERSION_LABELS[spec.version_for_year(year)]}，"
            f"本模板是{layout_xlsx.VERSION_LABELS[facts['template']]}",
        )
        return
    doc["year"] = year


def _read_text(reader: WorkbookReader, value: Any, where: str, label: str) -> str | None:
    if value is None:
        return ""
    if isinstance(value, bool):
        reader.fail(where, f"{label}：应为文本，实际是逻辑值")
        return None
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return _text_of(value)


DATE_FORMS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)


def _read_date(reader: WorkbookReader, value: Any, where: str, label: str) -> str | None:
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = _text_of(value).strip()
    for pattern in DATE_FORMS:
        match = pattern.match(text)
        if match:
            try:
                return datetime.date(*map(int, match.groups())).isoformat()
            except ValueError:
                break
    reader.fail(where, f"{label}：“{text[:20]}”不是日期，应写作 2021-01-29 或 2021年1月29日")
    return None


def _read_table(reader: WorkbookReader, doc: dict, plan: layout_xlsx.SheetPlan) -> None:
    sheet = plan.title
    ws: Worksheet = reader.values[sheet]
    merged = {str(r) for r in ws.merged_cells.ranges}
    for p in plan.placed:
        if p.merge and p.merge not in merged:
            reader.fail(
                ref(sheet, p.merge),
                f"合并单元格被拆分或改动（“{p.cell.text or p.cell.label}”）：请使用导出的工作簿，不要改动表格结构",
            )
            return
    for p in plan.placed:
        if p.cell.is_value:
            continue
        found = ws[p.ref].value
        if not _same_label(found, p.cell.text):
            reader.fail(
                ref(sheet, p.ref),
                f"应为“{p.cell.text}”，实际为“{found if found is not None else ''}”："
                "行或列被插入、删除或移动，无法确定各数字对应的单元格",
            )
            return
    for p in plan.placed:
        if not p.cell.is_value:
            continue
        _, row, col = p.cell.path.split(".")
        where = ref(sheet, p.ref)
        parsed: str | int | None  # an amount's decimal string, or a count
        try:
            value = reader.raw(sheet, p.ref)
            if p.cell.kind == layout_xlsx.layout.MONEY:
                parsed = read_money(value, ws[p.ref].number_format, label=p.cell.label)
            else:
                parsed = read_count(value, label=p.cell.label, signed=p.cell.kind == layout_xlsx.layout.SIGNED)
        except _Skip:
            continue
        except InputError as exc:
            reader.fail(where, exc.message)
            continue
        except (InvalidOperation, ValueError):
            reader.fail(where, f"{p.cell.label}：无法识别的数字")
            continue
        doc[plan.key][row][col] = parsed


# Parts that are not XML, told apart by their first bytes (never by their name, which the file
# chooses): pictures, and the OLE or zip containers of embedded objects and macros. Every other
# part may be handed to the XML parser (openpyxl follows the package's relationships, whatever a
# part is called), so it counts towards MAX_XML_BYTES.
_BINARY_MAGIC = (
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF8",
    b"BM",
    b"\x01\x00\x00\x00",  # EMF
    b"\xd7\xcd\xc6\x9a",  # placeable WMF
    b"II*\x00",  # TIFF
    b"MM\x00*",
    b"\xd0\xcf\x11\xe0",  # OLE: vbaProject.bin, embedded objects
    b"PK\x03\x04",  # an embedded package
)
_CHUNK = 64 * 1024


def _bomb(total: int, xml: int, members: int) -> DocumentError:
    return DocumentError(
        [
            (
                "",
                f"工作簿解压后过大（共 {total / MB:.1f} MB，其中 XML {xml / MB:.1f} MB，{members} 个部件；"
                f"上限为共 {MAX_UNCOMPRESSED_BYTES // MB} MB、XML {MAX_XML_BYTES // MB} MB）："
                "疑似压缩炸弹，已拒绝；导出的工作簿解压后不足 1 MB",
            )
        ]
    )


def check_container(data: bytes) -> None:
    """Refuse, before parsing anything, a file that is not a zip or would inflate too far.

    The central directory's declared sizes are checked first (nothing inflated); then every part
    is inflated in chunks and counted as it comes, so a header that understates a part's size
    cannot make the parser do more work than the caps allow. Memory stays at one chunk.
    """
    if len(data) > MAX_WORKBOOK_BYTES:
        raise DocumentError([("", too_large(len(data)))])
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise DocumentError(
            [
                (
                    "",
                    "文件不是 Excel 工作簿（.xlsx）：无法按 xlsx 格式打开。"
                    "若是 .xls 或 .et 文件，请在 Excel 或 WPS 中另存为 .xlsx 后再上传",
                )
            ]
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            declared = sum(m.file_size for m in members)
            if len(members) > MAX_MEMBERS or declared > MAX_UNCOMPRESSED_BYTES:
                raise _bomb(declared, 0, len(members))
            total = xml = 0
            for member in members:
                with archive.open(member) as part:
                    head = part.read(_CHUNK)
                    size = len(head)
                    is_xml = not head.startswith(_BINARY_MAGIC)
                    while chunk := part.read(_CHUNK):
                        size += len(chunk)
                        if total + size > MAX_UNCOMPRESSED_BYTES or (is_xml and xml + size > MAX_XML_BYTES):
                            raise _bomb(total + size, xml + (size if is_xml else 0), len(members))
                total += size
                xml += size if is_xml else 0
                if total > MAX_UNCOMPRESSED_BYTES or xml > MAX_XML_BYTES:
                    raise _bomb(total, xml, len(members))
            if CONTENT_TYPES in archive.namelist():
                _check_content_types(archive.read(CONTENT_TYPES))
    except DocumentError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, ValueError, EOFError):
        # A damaged part, a CRC that does not match (a header that lied about the size), an
        # unsupported compression or an encrypted part.
        raise DocumentError([("", "文件不是有效的 Excel 工作簿（压缩包已损坏）")]) from None


CONTENT_TYPES = "[Content_Types].xml"
_SAVE_AS_XLSX = "请在 Excel 或 WPS 中“另存为”Excel 工作簿（.xlsx）后再上传"


def _check_content_types(raw: bytes) -> None:
    """Only a plain workbook is kept: openpyxl would read a macro-enabled one (.xlsm) or a
    template (.xltx) alike, and the upload would be stored with its macros."""
    try:
        root = fromstring(raw)  # openpyxl's parser: defusedxml, as for the sheets
    except Exception:  # defusedxml refuses entities; a broken manifest is a broken workbook
        raise DocumentError([("", "文件不是有效的 Excel 工作簿（内容类型清单已损坏）")]) from None
    types = {element.get("ContentType", "") for element in root}
    if any("macroEnabled" in t or t == xml_types.VBA for t in types):
        raise DocumentError([("", f"文件是启用宏的工作簿（.xlsm 或 .xltm），出于安全不予接收：{_SAVE_AS_XLSX}")])
    if xml_types.XLSX not in types:
        kind = "Excel 模板（.xltx）" if xml_types.XLTX in types else "不是 Excel 工作簿（.xlsx）"
        raise DocumentError([("", f"文件是{kind}，只接受 .xlsx 工作簿：{_SAVE_AS_XLSX}")])


@dataclass(frozen=True)
class WorkbookSource:
    document: dict
    # The agency (as printed in its report) whose report the workbook was exported from, from
    # the hidden format sheet: the user cannot edit it in Excel. "" for a blank template.
    exported_from: str


def read_workbook(data: bytes) -> dict:
    """The valid document a workbook holds; DocumentError naming 「sheet」!cell otherwise."""
    return read_workbook_source(data).document


def read_workbook_source(data: bytes) -> WorkbookSource:
    """`read_workbook`, with the agency the workbook was exported from."""
    check_container(data)
    try:
        values = load_workbook(io.BytesIO(data), data_only=True)
        formulas = load_workbook(io.BytesIO(data), data_only=False)
    except Exception as exc:  # openpyxl raises many types (KeyError, ValueError, XML errors) on a broken file
        raise DocumentError([("", f"无法读取工作簿：文件已损坏或不是 Excel 工作簿（{type(exc).__name__}）")]) from None
    reader = WorkbookReader(values, formulas)
    names = values.sheetnames
    facts = _check_format_sheet(reader, names)
    version = facts["template"]
    doc = blank_document(agency=facts.get("agency") or "", year=2000, version=version)
    doc.pop("year")
    plans = layout_xlsx.sheet_plans(doc | {"year": 2000})
    _check_sheets(names, plans)
    _read_info(reader, doc, facts)
    for plan in plans:
        _read_table(reader, doc, plan)
    if reader.problems:
        raise DocumentError(reader.problems)
    refs = layout_xlsx.cell_refs(doc)
    exported_from = facts.get("agency")
    try:
        return WorkbookSource(validate(doc), exported_from if isinstance(exported_from, str) else "")
    except DocumentError as exc:
        # Name the cell, not the document path, so the user can find it in the workbook.
        raise DocumentError([(refs.get(path, _info_ref(path)), message) for path, message in exc.problems]) from None


def _info_ref(path: str) -> str:
    for r, field in enumerate(layout_xlsx.info_fields(), start=INFO_FIRST_ROW):
        if field.path == path:
            return ref(INFO_SHEET, f"B{r}")
    return path


def read_workbook_file(path: str) -> dict:
    """`read_workbook` of a file, read through `safe_input` (no device, FIFO or oversized file)."""
    return read_workbook_file_source(path).document


def read_workbook_file_source(path: str) -> WorkbookSource:
    try:
        data = read_file(path, limit=MAX_WORKBOOK_BYTES, what="Excel 工作簿")
    except InputFileError as exc:
        raise DocumentError([("", exc.message)]) from None
    return read_workbook_source(data)


def too_large(size: int) -> str:
    return (
        f"文件过大（{size / MB:.1f} MB）：年度报告工作簿不超过 {MAX_WORKBOOK_BYTES // MB} MB，"
        "请确认上传的是导出的工作簿"
    )
