"""The round board as an Excel workbook: the rows the page shows (same filters, same order),
under the same column labels (`board.COLUMNS`)."""

from __future__ import annotations

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .board import COLUMNS, Board, BoardRow

WIDTHS = {"agency": 40, "state": 10, "review": 10, "filled": 8, "checks": 14, "last_change": 22, "deadline": 16}


def _values(row: BoardRow) -> dict[str, str]:
    change = ""
    if row.last_change_at:
        when = timezone.localtime(row.last_change_at).strftime("%Y-%m-%d %H:%M")
        change = f"{row.last_change_by} · {when}" if row.last_change_by else when
    deadline = f"{row.deadline.text}（截止 {row.deadline.due:%Y-%m-%d}）"
    if row.behind:
        deadline += " 进度落后"
    return {
        "agency": row.name,
        "state": row.state_label,
        "review": row.review_label,
        "filled": row.filled_text,
        "checks": row.checks_text,
        "last_change": change,
        "deadline": deadline,
        "portal": (row.portal_text + " " + row.report.portal_url).strip() if row.portal_text and row.report else "",
    }


def board_workbook(board: Board, rows: list[BoardRow]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"{board.year}年度工作台"
    sheet.append([f"{board.agency.name} {board.year} 年度工作台（{board.today:%Y-%m-%d} 导出，{len(rows)} 个机关）"])
    sheet["A1"].font = Font(bold=True, size=12)
    sheet.append([label for _, label in COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        values = _values(row)
        sheet.append([values[key] for key, _ in COLUMNS])
        sheet.cell(sheet.max_row, 1).alignment = Alignment(indent=row.depth)
    for i, (key, _) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = WIDTHS.get(key, 30)
    sheet.freeze_panes = "B3"
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
