"""The official-layout workbook: JSON → XLSX → JSON round trips, what an edited workbook may
hold, every kind of bad input, and the command line.

LibreOffice, the second real client, is in tests/test_xlsx_libreoffice.py.
"""

from __future__ import annotations

import copy
import io
import json
import os
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from annual import template_spec as spec
from annual.document import DocumentError, blank_document
from annual.exports.xlsx import (
    FORMAT_SHEET,
    INFO_SHEET,
    TABLE_SHEETS,
    cell_refs,
    info_fields,
    sheet_plans,
    workbook_bytes,
)
from annual.imports.xlsx import MAX_WORKBOOK_BYTES, read_workbook, read_workbook_file
from annual.models import Agency, Report
from tests.documents import largest_document

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = [
    ROOT / "annual/demo_data/cangnan-2020.json",
    ROOT / "annual/demo_data/cangnan-education-2021.json",
    Path("/work/shared/examples/cangnan-2020.json"),
]


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def edited(data: bytes, change) -> bytes:
    """The workbook after `change(workbook)`, saved by openpyxl (as a script or a user would)."""
    wb = load_workbook(io.BytesIO(data))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def problems(data: bytes) -> list[tuple[str, str]]:
    with pytest.raises(DocumentError) as caught:
        read_workbook(data)
    return caught.value.problems


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_published_reports_round_trip(path):
    if not path.exists():
        pytest.skip(f"{path} is not on this machine")
    doc = load(path)
    assert read_workbook(workbook_bytes(doc)) == doc


@pytest.mark.parametrize("version", spec.VERSIONS)
def test_largest_values_and_formula_like_text_round_trip(version):
    doc = largest_document(version)
    data = workbook_bytes(doc)
    assert read_workbook(data) == doc
    wb = load_workbook(io.BytesIO(data))
    overview_row = next(r for r, f in enumerate(info_fields(), start=2) if f.path == "overview")
    cell = wb[INFO_SHEET][f"B{overview_row}"]
    assert cell.data_type == "s" and cell.quotePrefix, "a formula-like text is a quoted string, never a formula"
    assert wb[INFO_SHEET]["B2"].quotePrefix


def test_money_keeps_its_places_and_a_digit_beyond_excel_precision_stays_exact():
    doc = load(EXAMPLES[0])
    doc["proactive"]["procurement"]["amount_wan_yuan"] = "271.50"
    data = workbook_bytes(doc)
    ref = cell_refs(doc)["proactive.procurement.amount_wan_yuan"]
    sheet, coordinate = ref.split("!")
    cell = load_workbook(io.BytesIO(data))[sheet.strip("「」")][coordinate]
    assert cell.value == 271.5 and cell.number_format == '0.00"万元"'
    assert read_workbook(data)["proactive"]["procurement"]["amount_wan_yuan"] == "271.50"
    # The largest allowed amount (15 significant digits) comes back exactly.
    doc["proactive"]["procurement"]["amount_wan_yuan"] = "99999999999.9999"
    assert read_workbook(workbook_bytes(doc))["proactive"]["procurement"]["amount_wan_yuan"] == "99999999999.9999"


def test_workbook_shape_sheets_merges_numbers_print_setup():
    doc = load(EXAMPLES[1])
    wb = load_workbook(io.BytesIO(workbook_bytes(doc)))
    assert wb.sheetnames == [INFO_SHEET, "二", "三", "四", "校验结果", FORMAT_SHEET]
    assert wb[FORMAT_SHEET].sheet_state == "hidden"
    plans = {p.key: p for p in sheet_plans(doc)}
    for key, title in TABLE_SHEETS.items():
        ws = wb[title]
        merged = {str(r) for r in ws.merged_cells.ranges}
        assert {p.merge for p in plans[key].placed if p.merge} <= merged
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
        assert ws.freeze_panes is not None
    assert wb["四"].page_setup.orientation == "landscape"
    assert wb["三"].page_setup.orientation == "portrait"
    # 三's corner holds the balance sentence over 3×3 cells; figures are numbers, blanks empty.
    assert "A2:C4" in {str(r) for r in wb["三"].merged_cells.ranges}
    refs = cell_refs(doc)
    received = refs["applications.received.natural_person"].split("!")[1]
    assert wb["三"][received].value == doc["applications"]["received"]["natural_person"]
    assert isinstance(wb["三"][received].value, int)
    blank_path = next(p for p, _ in refs.items() if _value(doc, p) is None)
    sheet, coordinate = refs[blank_path].split("!")
    assert wb[sheet.strip("「」")][coordinate].value is None


def _value(doc, path):
    node = doc
    for part in path.split("."):
        node = node[part]
    return node


def test_findings_sheet_names_rule_and_cell():
    doc = load(EXAMPLES[0])  # the seed report: four cross-total errors
    ws = load_workbook(io.BytesIO(workbook_bytes(doc)))["校验结果"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert len([r for r in rows if r[0] == "错误"]) == 4
    assert any("「三」!" in (r[2] or "") for r in rows)


def test_roll_up_document_exports_and_reads_back():
    """A 汇总 is a document like any other: empty texts, no header facts."""
    doc = blank_document(agency="苍南县人民政府", year=2021)
    doc["applications"]["received"]["natural_person"] = 120
    doc["proactive"]["fees"]["amount_wan_yuan"] = "1234.5678"
    assert read_workbook(workbook_bytes(doc)) == doc


# --- What Excel and WPS leave in an edited workbook ----------------------------------------------


def _set(doc: dict, path: str, value):
    """Change the cell of `path` in the exported workbook to `value`."""
    sheet, coordinate = cell_refs(doc)[path].split("!")

    def change(wb):
        wb[sheet.strip("「」")][coordinate].value = value

    return change


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("46", 46),
        ("４６", 46),
        (" 1,808,595 ", 1808595),
        ("-", None),
        ("无", None),
        ("—", None),
        (46.0, 46),
        ("", None),
        (None, None),
    ],
)
def test_counts_typed_as_text_full_width_or_dash(typed, expected):
    doc = load(EXAMPLES[1])
    data = edited(workbook_bytes(doc), _set(doc, "applications.received.natural_person", typed))
    assert read_workbook(data)["applications"]["received"]["natural_person"] == expected


@pytest.mark.parametrize(("typed", "expected"), [(12.5, "12.5000"), (7, "7.0000"), ("３.２５", "3.25"), ("无", None)])
def test_money_edited(typed, expected):
    """A number takes the places its cell shows (the exported 59.2375 gave the cell four); text
    keeps the places typed."""
    doc = load(EXAMPLES[1])
    data = edited(workbook_bytes(doc), _set(doc, "proactive.fees.amount_wan_yuan", typed))
    assert read_workbook(data)["proactive"]["fees"]["amount_wan_yuan"] == expected


def test_edited_texts_and_dates():
    doc = load(EXAMPLES[1])
    rows = {f.path: r for r, f in enumerate(info_fields(), start=2)}

    def change(wb):
        ws = wb[INFO_SHEET]
        ws[f"B{rows['overview']}"].value = "改写后的总体情况。"
        ws[f"B{rows['meta.signed_on']}"].value = "2022年1月5日"
        ws[f"B{rows['meta.contact.postcode']}"].value = 325800  # retyped as a number

    back = read_workbook(edited(workbook_bytes(doc), change))
    assert back["overview"] == "改写后的总体情况。"
    assert back["meta"]["signed_on"] == "2022-01-05"
    assert back["meta"]["contact"]["postcode"] == "325800"


def test_blank_template_filled_in_reads_as_that_year():
    template = blank_document(agency="", year=2021)
    template.pop("year")
    data = workbook_bytes({**template, "year": None}, findings=[])

    def fill(wb):
        ws = wb[INFO_SHEET]
        ws["B2"].value = "苍南县民政局"
        ws["B3"].value = 2023

    back = read_workbook(edited(data, fill))
    assert back["agency"] == "苍南县民政局" and back["year"] == 2023 and back["template"] == "2021"


def test_blank_template_refuses_a_year_of_the_other_version():
    data = workbook_bytes({**blank_document(agency="", year=2021), "year": None}, findings=[])

    def fill(wb):
        wb[INFO_SHEET]["B2"].value = "苍南县民政局"
        wb[INFO_SHEET]["B3"].value = 2020

    ((where, message),) = problems(edited(data, fill))
    assert where == "「报告信息」!B3" and "2019年版" in message


# --- Bad input: refused with the sheet and cell, nothing read ------------------------------------


def test_not_a_workbook_named_xlsx():
    ((where, message),) = problems(EXAMPLES[0].read_bytes())
    assert "不是 Excel 工作簿" in message
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    assert "无法读取工作簿" in problems(archive.getvalue())[0][1]


def test_zip_bomb_is_refused_before_inflating():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        with z.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b"0" * (1024 * 1024)
            for _ in range(60):
                member.write(chunk)
    data = archive.getvalue()
    assert len(data) < 1024 * 1024  # small on disk, 60 MB inflated
    ((where, message),) = problems(data)
    assert "压缩炸弹" in message


def test_fifty_megabyte_workbook_is_refused_before_opening(tmp_path):
    archive = io.BytesIO(workbook_bytes(load(EXAMPLES[1])))
    with zipfile.ZipFile(archive, "a", compression=zipfile.ZIP_STORED) as z:
        z.writestr("xl/media/padding.bin", os.urandom(50 * 1024 * 1024))
    data = archive.getvalue()
    assert len(data) > 50 * 1024 * 1024
    assert "文件过大" in problems(data)[0][1]
    path = tmp_path / "big.xlsx"
    path.write_bytes(data)
    with pytest.raises(DocumentError, match="文件过大"):
        read_workbook_file(str(path))
    assert MAX_WORKBOOK_BYTES < len(data)


def test_missing_sheet():
    data = edited(workbook_bytes(load(EXAMPLES[1])), lambda wb: wb.remove(wb["三"]))
    assert "缺少工作表「三」" in problems(data)[0][1]


def test_missing_format_sheet_means_not_our_workbook():
    data = edited(workbook_bytes(load(EXAMPLES[1])), lambda wb: wb.remove(wb[FORMAT_SHEET]))
    assert "不是本系统导出" in problems(data)[0][1]


def test_shifted_rows():
    def shift(wb):
        ws = wb["二"]
        ws.insert_rows(5)  # openpyxl does not move merges: like a careless edit, labels and merges slip

    found = problems(edited(workbook_bytes(load(EXAMPLES[1])), shift))
    assert found[0][0].startswith("「二」!")


def test_shifted_row_with_merges_intact():
    """Two label rows swapped: merges untouched, the labels are in the wrong place."""
    doc = load(EXAMPLES[1])

    def swap(wb):
        ws = wb["三"]
        ws["A5"].value, ws["A6"].value = ws["A6"].value, ws["A5"].value

    ((where, message),) = problems(edited(workbook_bytes(doc), swap))
    assert where == "「三」!A5" and "移动" in message


def test_broken_merge():
    def unmerge(wb):
        wb["三"].unmerge_cells("A2:C4")

    ((where, message),) = problems(edited(workbook_bytes(load(EXAMPLES[1])), unmerge))
    assert where == "「三」!A2:C4" and "合并单元格" in message


def test_formula_without_cached_value():
    doc = load(EXAMPLES[1])
    ref = cell_refs(doc)["applications.received.total"]
    data = edited(workbook_bytes(doc), _set(doc, "applications.received.total", "=SUM(D5:I5)"))
    ((where, message),) = problems(data)
    assert where == ref and "公式没有计算结果" in message


@pytest.mark.parametrize(
    ("typed", "needle"),
    [(-3, "负数"), ("-3", "负数"), ("abc", "不能包含字母"), ("十二", "不是数字"), (2.5, "小数"), (True, "逻辑值")],
)
def test_bad_count_names_sheet_cell_and_label(typed, needle):
    doc = load(EXAMPLES[1])
    path = "review_litigation.review.upheld"
    data = edited(workbook_bytes(doc), _set(doc, path, typed))
    ((where, message),) = problems(data)
    assert where == cell_refs(doc)[path]
    assert where.startswith("「四」!")
    assert "行政复议·结果维持" in message and needle in message


def test_every_bad_cell_is_listed_at_once():
    doc = load(EXAMPLES[1])

    def change(wb):
        _set(doc, "applications.received.natural_person", "x")(wb)
        _set(doc, "proactive.rules.issued", -1)(wb)

    found = problems(edited(workbook_bytes(doc), change))
    assert [w for w, _ in found] == [
        cell_refs(doc)["proactive.rules.issued"],
        cell_refs(doc)["applications.received.natural_person"],
    ]


def test_money_with_five_decimals_refused():
    doc = load(EXAMPLES[1])
    ((where, message),) = problems(edited(workbook_bytes(doc), _set(doc, "proactive.fees.amount_wan_yuan", "1.23456")))
    assert where == cell_refs(doc)["proactive.fees.amount_wan_yuan"] and "4 位" in message


# --- Command line -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_cli_export_xlsx_import_export_json_is_identical(tmp_path):
    source = EXAMPLES[0]
    call_command("import_report", str(source), agency="苍南县人民政府办公室")
    xlsx = tmp_path / "report.xlsx"
    call_command("export_report", agency="苍南县人民政府办公室", year=2020, output=str(xlsx))
    call_command("import_report", str(xlsx), agency="另一机关", allow_other_agency=True)
    back = tmp_path / "back.json"
    call_command("export_report", agency="另一机关", year=2020, output=str(back))
    assert load(back) == load(source)


@pytest.mark.django_db
def test_cli_invalid_workbook_exits_2_naming_sheet_and_cell(tmp_path):
    doc = load(EXAMPLES[1])
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(edited(workbook_bytes(doc), _set(doc, "applications.received.research", "abc")))
    with pytest.raises(CommandError) as caught:
        call_command("import_report", str(bad), agency="新机关")
    assert caught.value.returncode == 2
    assert cell_refs(doc)["applications.received.research"] in str(caught.value)
    assert not Agency.objects.filter(name="新机关").exists() and not Report.objects.exists()


@pytest.mark.django_db
def test_cli_unknown_output_extension_exits_2(tmp_path):
    call_command("import_report", str(EXAMPLES[1]), agency="苍南县教育局")
    with pytest.raises(CommandError) as caught:
        call_command("export_report", agency="苍南县教育局", year=2021, output=str(tmp_path / "x.odt"))
    assert caught.value.returncode == 2 and ".xlsx" in str(caught.value)
    assert not (tmp_path / "x.odt").exists()


def test_round_trip_does_not_mutate_the_document():
    doc = load(EXAMPLES[1])
    before = copy.deepcopy(doc)
    workbook_bytes(doc)
    assert doc == before


def test_control_characters_in_a_text_do_not_break_the_export():
    doc = load(EXAMPLES[1])
    doc["problems"] = "第一段\x01\x0b。\n\n第二段\t有制表符。"
    assert read_workbook(workbook_bytes(doc))["problems"] == "第一段。\n\n第二段\t有制表符。"


def _sheet_renamed_and_padded(data: bytes, *, name: str, padding: int) -> bytes:
    """The workbook with its first table sheet stored as `name` (relationships and content types
    updated, so openpyxl still reads it) and `padding` bytes of XML comment inside it."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    old = "xl/worksheets/sheet2.xml"
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == old:
                with z.open(name, "w") as part:
                    part.write(b"<!--")
                    chunk = b" " * (1024 * 1024)
                    for _ in range(padding // len(chunk)):
                        part.write(chunk)
                    part.write(b"-->" + body)
                continue
            body = body.replace(b"/" + old.encode(), b"/" + name.encode())
            body = body.replace(b"worksheets/sheet2.xml", name.removeprefix("xl/").encode())
            z.writestr(info.filename, body)
    return out.getvalue()


def test_workbook_xml_cap_counts_parts_whatever_their_name():
    data = workbook_bytes(load(EXAMPLES[1]))
    # Named .bin, the sheet is still parsed as XML: the cap must see it.
    renamed = _sheet_renamed_and_padded(data, name="xl/worksheets/sheet2.bin", padding=0)
    assert read_workbook(renamed) == read_workbook(data)
    bomb = _sheet_renamed_and_padded(data, name="xl/worksheets/sheet2.bin", padding=12 * 1024 * 1024)
    assert len(bomb) < MAX_WORKBOOK_BYTES
    tracemalloc.start()
    try:
        ((where, message),) = problems(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "压缩炸弹" in message and "XML" in message
    assert peak < 8 * 1024 * 1024  # refused while inflating in chunks, never holding the part


def test_workbook_pictures_count_towards_the_whole_not_the_xml():
    archive = io.BytesIO(workbook_bytes(load(EXAMPLES[1])))
    with zipfile.ZipFile(archive, "a", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/image1.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (12 * 1024 * 1024))
    assert read_workbook(archive.getvalue())["agency"]
    with zipfile.ZipFile(archive, "a", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/image2.png", b"\x89PNG\r\n\x1a\n" + b"\0" * (30 * 1024 * 1024))
    assert "压缩炸弹" in problems(archive.getvalue())[0][1]


def test_workbook_lying_size_header_is_refused():
    """A part whose declared size understates what it inflates to: read with a running count,
    it is refused instead of being inflated whole."""
    archive = io.BytesIO(workbook_bytes(load(EXAMPLES[1])))
    with zipfile.ZipFile(archive, "a", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/padding.xml", b"<a>" + b" " * (30 * 1024 * 1024) + b"</a>")
    raw = bytearray(archive.getvalue())
    real = 30 * 1024 * 1024 + 7
    # Patch the declared uncompressed size in the local header and the central directory.
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = raw.find(signature)
        while at != -1:
            if int.from_bytes(raw[at + offset : at + offset + 4], "little") == real:
                raw[at + offset : at + offset + 4] = (1000).to_bytes(4, "little")
            at = raw.find(signature, at + 4)
    ((where, message),) = problems(bytes(raw))
    assert "损坏" in message or "压缩炸弹" in message


@pytest.mark.django_db
def test_cli_workbook_bomb_in_a_bin_part_exits_2(tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(
        _sheet_renamed_and_padded(
            workbook_bytes(load(EXAMPLES[1])), name="xl/worksheets/sheet2.bin", padding=12 * 1024 * 1024
        )
    )
    with pytest.raises(CommandError) as caught:
        call_command("import_report", str(bomb), agency="苍南县教育局")
    assert caught.value.returncode == 2 and "压缩炸弹" in str(caught.value)
    assert not Report.objects.exists()


def _with_content_type(data: bytes, old: bytes, new: bytes, extra: dict[str, bytes] | None = None) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "[Content_Types].xml":
                body = body.replace(old, new)
            z.writestr(info.filename, body)
        for name, body in (extra or {}).items():
            z.writestr(name, body)
    return out.getvalue()


XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def test_workbook_macro_enabled_or_template_is_refused():
    data = workbook_bytes(load(EXAMPLES[1]))
    xlsm = _with_content_type(
        data,
        XLSX_MAIN,
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 512},
    )
    assert "启用宏" in problems(xlsm)[0][1]
    xltx = _with_content_type(
        data, XLSX_MAIN, b"application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml"
    )
    assert "模板" in problems(xltx)[0][1]


@pytest.mark.django_db
def test_cli_workbook_of_another_agency_is_refused_unless_allowed(tmp_path):
    call_command("import_report", str(EXAMPLES[1]), agency="苍南县教育局")
    xlsx = tmp_path / "education.xlsx"
    call_command("export_report", agency="苍南县教育局", year=2021, output=str(xlsx))
    with pytest.raises(CommandError) as caught:
        call_command("import_report", str(xlsx), agency="苍南县财政局")
    assert caught.value.returncode == 2
    assert "苍南县教育局" in str(caught.value) and "苍南县财政局" in str(caught.value)
    assert "--allow-other-agency" in str(caught.value)
    assert not Agency.objects.filter(name="苍南县财政局").exists()
    # Its own agency takes it back (with --replace), and the deliberate option imports it elsewhere.
    call_command("import_report", str(xlsx), agency="苍南县教育局", replace=True)
    call_command("import_report", str(xlsx), agency="苍南县财政局", allow_other_agency=True)
    assert Report.objects.get(agency__name="苍南县财政局").agency_label == "苍南县教育局"
