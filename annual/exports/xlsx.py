"""The report (or a 汇总 roll-up) as an Excel workbook in the official layout, re-importable.

Sheets: 「报告信息」 (header facts and texts), 「二」「三」「四」 (the official tables, drawn from
`annual.layout`: every label, merge and value cell comes from there), 「校验结果」 (the rule
findings) and a hidden 「_format」 naming the format, template version, agency and year so the
reader (`annual.imports.xlsx`) can refuse a workbook that is not one of ours.

Numbers are stored as numbers (counts with format "0", money with as many decimal places as the
office wrote, so 271.50 shows and re-imports as 271.50); blanks are empty cells. Text that
starts with = + - @ is written as a string cell with Excel's quote prefix, so no client ever
evaluates it as a formula, and the value itself is unchanged.

`sheet_plans` is the one description of where each cell sits; writer and reader both use it,
so the reader knows exactly which cell should hold which label or value.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.header_footer import HeaderFooterItem
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from .. import culprit, layout, rules
from .. import template_spec as spec
from ..document import blank_document
from ..formatting import MONEY_UNIT, default_title
from ..path_labels import describe_path

WORKBOOK_LAYOUT = "gov-info-annual-report-xlsx/1"
FORMAT_SHEET = "_format"
INFO_SHEET = "报告信息"
FINDINGS_SHEET = "校验结果"
TABLE_SHEETS = {"proactive": "二", "applications": "三", "review_litigation": "四"}
# Row 1 of a table sheet holds the section heading; the official table starts below it.
TABLE_FIRST_ROW = 2
# Tables wider than this many columns print landscape (四 has fifteen).
PORTRAIT_MAX_COLUMNS = 10

AGENCY_LABEL = "机关名称"
YEAR_LABEL = "年度"
TEMPLATE_LABEL = "模板版本"
INFO_HEADER = ("项目", "内容")
FINDINGS_HEADER = ("类别", "规则", "单元格", "应为", "实际", "说明")
VERSION_LABELS = dict(spec.VERSION_CHOICES)

# The hidden sheet: one key per row in column A, its value in column B.
FORMAT_KEYS = ("layout", "format", "template", "agency", "year")

FORMULA_LEAD = ("=", "+", "-", "@")
COUNT_FORMAT = "0"

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="F2F2F2")
BODY_FONT = Font(name="宋体", size=10)
BOLD_FONT = Font(name="宋体", size=10, bold=True)
TITLE_FONT = Font(name="黑体", size=12, bold=True)


@dataclass(frozen=True)
class Placed:
    """A layout cell at its place on a sheet (1-based row and column of its top-left corner)."""

    cell: layout.Cell
    row: int
    column: int

    @property
    def ref(self) -> str:
        return f"{get_column_letter(self.column)}{self.row}"

    @property
    def merge(self) -> str | None:
        """The merged range this cell spans, e.g. A5:C5, or None for a single cell."""
        if self.cell.rowspan == 1 and self.cell.colspan == 1:
            return None
        last = f"{get_column_letter(self.column + self.cell.colspan - 1)}{self.row + self.cell.rowspan - 1}"
        return f"{self.ref}:{last}"


@dataclass(frozen=True)
class SheetPlan:
    key: str  # the document section
    title: str  # the sheet's name
    heading: str  # row 1: 三、收到和处理政府信息公开申请情况
    width: int
    head_rows: int  # rows of the official header (repeated when printing)
    placed: tuple[Placed, ...]

    @property
    def last_row(self) -> int:
        return max(p.row + p.cell.rowspan - 1 for p in self.placed)

    @property
    def body_row(self) -> int:
        return TABLE_FIRST_ROW + self.head_rows


def place(rows: list[layout.TableRow], first_row: int) -> list[Placed]:
    """Lay rows of cells on a grid the way an HTML table does: a cell takes the next column not
    covered by a rowspan from above."""
    taken: set[tuple[int, int]] = set()
    placed = []
    for offset, table_row in enumerate(rows):
        r = first_row + offset
        c = 1
        for cell in table_row.cells:
            while (r, c) in taken:
                c += 1
            placed.append(Placed(cell, r, c))
            taken.update((r + dr, c + dc) for dr in range(cell.rowspan) for dc in range(cell.colspan))
            c += cell.colspan
    return placed


def sheet_plans(doc: dict) -> list[SheetPlan]:
    """Where every label and value cell of the three tables sits in the workbook."""
    plans = []
    for key, table in layout.build_tables(doc).items():
        placed = place(table.head + table.rows, TABLE_FIRST_ROW)
        plans.append(
            SheetPlan(
                key=key,
                title=TABLE_SHEETS[key],
                heading=spec.SECTIONS_BY_KEY[key].heading,
                width=table.width,
                head_rows=len(table.head),
                placed=tuple(placed),
            )
        )
    return plans


@dataclass(frozen=True)
class InfoField:
    """One row of the 「报告信息」 sheet: a document path, its label and how its value is read."""

    path: str  # "agency", "year", "meta.signed_on", "meta.contact.phone", "overview"
    label: str
    kind: str  # "agency", "year", "template", "date", "fact", "text"


def info_fields() -> tuple[InfoField, ...]:
    fields = [
        InfoField("agency", AGENCY_LABEL, "agency"),
        InfoField("year", YEAR_LABEL, "year"),
        InfoField("template", TEMPLATE_LABEL, "template"),
    ]
    for key, _ in spec.META_FIELDS:
        kind = "date" if key in spec.META_DATE_FIELDS else "fact"
        fields.append(InfoField(f"meta.{key}", describe_path("", f"meta.{key}"), kind))
    for key, _ in spec.CONTACT_FIELDS:
        fields.append(InfoField(f"meta.contact.{key}", describe_path("", f"meta.contact.{key}"), "fact"))
    for key in spec.TEXT_FIELDS:
        fields.append(InfoField(key, describe_path("", key), "text"))
    return tuple(fields)


INFO_FIRST_ROW = 2  # row 1 is the 项目 | 内容 header


def money_places(value: str) -> int:
    return len(value.split(".", 1)[1]) if "." in value else 0


def money_format(places: int, with_unit: bool) -> str:
    number = "0." + "0" * places if places else "0"
    return f'{number}"{MONEY_UNIT}"' if with_unit else number


MONEY_FORMAT_PLACES = re.compile(r"^0(?:\.(0+))?")


def places_of_format(number_format: str) -> int | None:
    """The decimal places a money cell's number format shows (None: not one of ours, e.g. General)."""
    match = MONEY_FORMAT_PLACES.match(number_format or "")
    return len(match.group(1) or "") if match else None


def money_cell_value(value: str) -> float | str:
    """A money amount as an Excel number when a double holds it exactly (up to 15 significant
    digits: every real amount); beyond that as text, which the reader accepts, rather than a
    number Excel would round."""
    number = float(value)
    return number if Decimal(repr(number)) == Decimal(value) else value


def _text(ws: Worksheet, ref: str, value: str | None, *, wrap: bool = True) -> None:
    cell = ws[ref]
    if value:
        # XML cannot hold control characters other than tab and line breaks; a text pasted from
        # elsewhere may carry one, and dropping it beats failing the whole export.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.value = value
    if value:
        cell.data_type = "s"  # never a formula, even when it starts with =
        if value.startswith(FORMULA_LEAD):
            cell.quotePrefix = True
    cell.font = BODY_FONT
    cell.alignment = Alignment(wrap_text=wrap, vertical="top")


def _write_format_sheet(wb: Workbook, doc: dict) -> None:
    ws = wb.create_sheet(FORMAT_SHEET)
    values = {
        "layout": WORKBOOK_LAYOUT,
        "format": spec.FORMAT_ID,
        "template": doc["template"],
        "agency": doc.get("agency", ""),
        "year": doc.get("year"),
    }
    for r, key in enumerate(FORMAT_KEYS, start=1):
        ws.cell(row=r, column=1, value=key)
        if isinstance(values[key], int):
            ws.cell(row=r, column=2, value=values[key])
        elif values[key] is not None:
            _text(ws, f"B{r}", str(values[key]), wrap=False)
    ws.sheet_state = "hidden"
    ws.protection.sheet = True


def _write_info_sheet(wb: Workbook, doc: dict) -> None:
    ws = wb.active
    assert isinstance(ws, Worksheet)  # a new Workbook opens on one worksheet
    ws.title = INFO_SHEET
    for c, text in enumerate(INFO_HEADER, start=1):
        cell = ws.cell(row=1, column=c, value=text)
        cell.font, cell.fill, cell.border = BOLD_FONT, HEADER_FILL, BORDER
    meta = doc.get("meta", {})
    for r, f in enumerate(info_fields(), start=INFO_FIRST_ROW):
        label = ws.cell(row=r, column=1, value=f.label)
        label.font, label.border = BOLD_FONT, BORDER
        label.alignment = Alignment(vertical="top", wrap_text=True)
        ref = f"B{r}"
        if f.kind == "year":
            ws[ref] = doc.get("year")
            ws[ref].number_format = COUNT_FORMAT
            ws[ref].alignment = Alignment(horizontal="left", vertical="top")
        elif f.kind == "template":
            _text(ws, ref, VERSION_LABELS[doc["template"]])
        elif f.path.startswith("meta.contact."):
            _text(ws, ref, meta.get("contact", {}).get(f.path.rsplit(".", 1)[1]))
        elif f.path.startswith("meta."):
            _text(ws, ref, meta.get(f.path.split(".", 1)[1]))
        else:
            _text(ws, ref, doc.get(f.path, ""))
        ws[ref].border = BORDER
        if f.kind == "text" and ws[ref].value:
            # Excel never grows a row past 409 points; long texts scroll inside the cell.
            lines = sum(len(line) // 60 + 1 for line in str(ws[ref].value).split("\n"))
            ws.row_dimensions[r].height = min(409, 14 * lines)
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 100
    ws.freeze_panes = "B2"
    _print_setup(ws, landscape=False, title_rows="1:1")


def _column_widths(plan: SheetPlan) -> dict[int, float]:
    """Label columns wide enough for their labels, value columns for their longest figure."""
    widths: dict[int, float] = {}
    for p in plan.placed:
        if p.cell.colspan != 1:
            continue
        if p.cell.is_value:
            need = len(p.cell.text) + 4
        elif p.cell.header:
            need = 14 if plan.key == "proactive" else 9
        elif "outcomes" in p.cell.css:
            need = 5  # 三、本年度办理结果 runs down the column
        else:
            need = min(30, len(p.cell.text) * 2 + 2)
        widths[p.column] = max(widths.get(p.column, 5), need)
    return widths


LINE_POINTS = 14  # one line of 10-point 宋体, with leading


def _row_heights(plan: SheetPlan, widths: dict[int, float]) -> dict[int, float]:
    """Rows tall enough for their wrapped labels: neither Excel nor LibreOffice grows a row for
    text in a merged cell, so the writer sets every table row's height itself."""
    heights: dict[int, float] = {}
    for p in plan.placed:
        if p.cell.is_value or "outcomes" in p.cell.css:
            continue
        width = sum(widths.get(p.column + i, 8) for i in range(p.cell.colspan)) - 1
        # A Chinese character takes two units of column width.
        lines = -(-len(p.cell.text) * 2 // max(1, int(width)))
        per_row = max(1, lines) * LINE_POINTS / p.cell.rowspan + 4
        for r in range(p.row, p.row + p.cell.rowspan):
            heights[r] = max(heights.get(r, LINE_POINTS + 4), per_row)
    return heights


def _write_table_sheet(wb: Workbook, plan: SheetPlan) -> None:
    ws = wb.create_sheet(plan.title)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=plan.width)
    title = ws.cell(row=1, column=1, value=plan.heading)
    title.font = TITLE_FONT
    title.alignment = Alignment(horizontal="left", vertical="center")
    ws.row_dimensions[1].height = 24
    for p in plan.placed:
        if p.merge:
            ws.merge_cells(p.merge)
            for row in ws[p.merge]:
                for covered in row:
                    covered.border = BORDER
        cell = ws.cell(row=p.row, column=p.column)
        cell.border = BORDER
        if not p.cell.is_value:
            cell.value = p.cell.text
            cell.font = BOLD_FONT if p.cell.header else BODY_FONT
            vertical_text = "outcomes" in p.cell.css
            cell.alignment = Alignment(
                horizontal="center" if p.cell.header or p.cell.rowspan > 1 else "left",
                vertical="center",
                wrap_text=True,
                text_rotation=255 if vertical_text else 0,
            )
            if p.cell.header:
                cell.fill = HEADER_FILL
            continue
        cell.font = BODY_FONT
        cell.alignment = Alignment(horizontal="right", vertical="center")
        value = p.cell.value
        if p.cell.kind == layout.MONEY:
            # As layout.money_text prints it: the unit in the cell when the header lacks it.
            with_unit = MONEY_UNIT not in p.cell.label
            cell.number_format = money_format(money_places(value) if value is not None else 2, with_unit)
            cell.value = None if value is None else money_cell_value(value)
        else:
            cell.number_format = COUNT_FORMAT
            cell.value = value
    widths = _column_widths(plan)
    for column, width in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = width
    for r, height in _row_heights(plan, widths).items():
        ws.row_dimensions[r].height = height
    first_value_column = min((p.column for p in plan.placed if p.cell.is_value), default=1)
    freeze_column = first_value_column if plan.key == "applications" else 1
    ws.freeze_panes = f"{get_column_letter(freeze_column)}{plan.body_row}"
    head = f"{TABLE_FIRST_ROW}:{plan.body_row - 1}" if plan.head_rows else None
    _print_setup(ws, landscape=plan.width > PORTRAIT_MAX_COLUMNS, title_rows=head)


def _write_findings_sheet(wb: Workbook, doc: dict, findings: list[rules.Finding], where: dict[str, str]) -> None:
    ws = wb.create_sheet(FINDINGS_SHEET)
    for c, text in enumerate(FINDINGS_HEADER, start=1):
        cell = ws.cell(row=1, column=c, value=text)
        cell.font, cell.fill, cell.border = BOLD_FONT, HEADER_FILL, BORDER
    if not findings:
        _text(ws, "A2", "没有发现问题：表格符合全部勾稽规则。")
        ws.merge_cells("A2:F2")
    for r, f in enumerate(findings, start=2):
        cells = "；".join(
            f"{describe_path(doc['template'], p)}（{where[p]}）" if p in where else describe_path(doc["template"], p)
            for p in f.cells
        )
        values = (
            rules.SEVERITY_LABELS[f.severity],
            rules.RULE_LABELS.get(f.rule, f.rule),
            cells,
            f.expected,
            f.actual,
            f.message,
        )
        for c, value in enumerate(values, start=1):
            if isinstance(value, tuple):
                value = "；".join("空白" if v is None else str(v) for v in value)
            if isinstance(value, int | float):
                cell = ws.cell(row=r, column=c, value=value)
                cell.font, cell.number_format = BODY_FONT, COUNT_FORMAT if isinstance(value, int) else "0%"
            else:
                _text(ws, f"{get_column_letter(c)}{r}", value)
            ws.cell(row=r, column=c).border = BORDER
    for c, width in enumerate((6, 14, 40, 10, 10, 60), start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.freeze_panes = "A2"
    _print_setup(ws, landscape=True, title_rows="1:1")


def _print_setup(ws: Worksheet, *, landscape: bool, title_rows: str | None) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE if landscape else ws.ORIENTATION_PORTRAIT
    # One page wide, as many pages tall as the table needs.
    # openpyxl creates both on a new sheet; its stubs type them as optional.
    page_setup = ws.sheet_properties.pageSetUpPr
    if page_setup is None:
        page_setup = ws.sheet_properties.pageSetUpPr = PageSetupProperties()
    page_setup.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.page_margins.left = ws.page_margins.right = 0.6
    ws.page_margins.top = ws.page_margins.bottom = 0.8
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows
    footer = ws.oddFooter
    if footer is None:
        footer = ws.oddFooter = HeaderFooterItem()
    footer.center.text = "第 &P 页，共 &N 页"


def cell_refs(doc: dict) -> dict[str, str]:
    """Document path -> 「三」!D5, for every value cell of the tables."""
    return {
        p.cell.path: f"「{plan.title}」!{p.ref}" for plan in sheet_plans(doc) for p in plan.placed if p.cell.is_value
    }


def workbook_bytes(doc: dict, *, findings: list[rules.Finding] | None = None) -> bytes:
    """The .xlsx of a valid document (a report or a 汇总 roll-up).

    `findings` fills the 「校验结果」 sheet; by default the document's own rule findings (without
    last year's report, which a document alone does not carry).
    """
    if findings is None:
        findings = culprit.with_hints(doc, rules.check_document(doc))
    wb = Workbook()
    _write_info_sheet(wb, doc)
    for plan in sheet_plans(doc):
        _write_table_sheet(wb, plan)
    _write_findings_sheet(wb, doc, findings, cell_refs(doc))
    _write_format_sheet(wb, doc)
    if doc.get("agency") and doc.get("year"):
        wb.properties.title = default_title(doc["agency"], doc["year"])
    wb.properties.creator = "政府信息公开工作年度报告编制工具"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def blank_workbook_bytes(version: str) -> bytes:
    """The blank template of `version`: every cell empty, agency and year to be filled in.

    The reader takes the year from 「报告信息」 and checks it belongs to this template version.
    """
    doc = blank_document(agency="", year=2000, version=version)
    doc["year"] = None
    return workbook_bytes(doc, findings=[])


def blank_workbook_filename(version: str) -> str:
    return f"政府信息公开工作年度报告空白模板（{VERSION_LABELS[version]}）.xlsx"
