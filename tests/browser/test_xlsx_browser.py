"""Excel round trip in a real browser: download the workbook from the review page, change a
figure, upload it, see the difference, confirm; the report and its history show the change."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from annual.exports.xlsx import cell_refs
from annual.interchange import load_report, report_to_document


def test_download_edit_upload_preview_apply(open_page, office, tmp_path):
    report = office.seed
    doc = report_to_document(load_report(report.pk))
    page = open_page(office.users["tianbao"], f"/reports/{report.pk}/review/")
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    wb = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet, coordinate = cell_refs(doc)["review_litigation.review.pending"].split("!")
    wb[sheet.strip("「」")][coordinate].value = "３"  # full-width, typed as text
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)

    page.get_by_role("link", name="从 Excel 导入").click()
    page.set_input_files("input[name=workbook]", str(edited))
    page.get_by_test_id("upload").click()
    page.wait_for_url("**/import/preview/")
    assert page.get_by_test_id("change-count").inner_text() == "1"
    row = page.locator('[data-path="review_litigation.review.pending"]')
    assert "行政复议·尚未审结" in row.inner_text()
    assert row.locator("[data-new]").inner_text() == "3"

    page.get_by_test_id("apply").click()
    page.wait_for_url("**/review/")
    assert "已从 Excel 工作簿导入" in page.content()
    assert report_to_document(load_report(report.pk))["review_litigation"]["review"]["pending"] == 3
    page.goto(page.url.replace("/review/", "/history/"))
    assert "行政复议·尚未审结" in page.content() and "tianbao" in page.content()
