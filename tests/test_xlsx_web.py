"""Excel on the web: download, upload an edited workbook, preview the differences, apply once.

Applying is one audited save through `interchange.write_document`, only on an editable report,
only if nobody saved since the preview; a refused upload or apply changes nothing.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from annual.exports.xlsx import cell_refs, workbook_bytes
from annual.imports.xlsx import read_workbook
from annual.interchange import load_report, report_to_document
from annual.models import ApplicationRow, Report, ReportState, WorkbookImport
from annual.workbook_import import ImportStale, apply_import

PATH = "applications.received.natural_person"


def current_doc(report: Report) -> dict:
    return report_to_document(load_report(report.pk))


def edited_workbook(doc: dict, changes: dict[str, object]) -> bytes:
    wb = load_workbook(io.BytesIO(workbook_bytes(doc)))
    refs = cell_refs(doc)
    for path, value in changes.items():
        sheet, coordinate = refs[path].split("!")
        wb[sheet.strip("「」")][coordinate].value = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(client, report: Report, data: bytes, name: str = "改过的.xlsx"):
    return client.post(
        reverse("report-import", args=[report.pk]),
        {"workbook": SimpleUploadedFile(name, data, content_type="application/octet-stream")},
    )


def test_download_reads_back_as_the_report(client, personas):
    client.force_login(personas.county_approver)  # a reader may download
    response = client.get(reverse("report-xlsx", args=[personas.report_a.pk]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert read_workbook(response.content) == current_doc(personas.report_a)


def test_upload_preview_apply_is_one_audited_save(client, personas):
    report = personas.report_a
    doc = current_doc(report)
    old = doc["applications"]["received"]["natural_person"]
    client.force_login(personas.preparer_a)
    data = edited_workbook(doc, {PATH: "４６", "applications.received.total": "=D5+1"})
    # A formula without a cached value is refused first: nothing staged.
    response = upload(client, report, data)
    assert response.status_code == 422
    assert (
        "公式没有计算结果" in response.content.decode()
        and cell_refs(doc)["applications.received.total"] in response.content.decode()
    )
    assert not WorkbookImport.objects.exists()

    new_total = doc["applications"]["received"]["total"] - old + 46
    data = edited_workbook(doc, {PATH: "４６", "applications.received.total": new_total})
    response = upload(client, report, data)
    assert response.status_code == 302 and response["Location"].endswith("/import/preview/")
    staged = WorkbookImport.objects.get()
    assert bytes(staged.data) == data and staged.applied_at is None  # kept in the database
    before = Report.objects.get(pk=report.pk).revision

    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="import-changes"' in page
    assert "一、本年新收政府信息公开申请数量·自然人" in page and f"{old}" in page and ">46<" in page
    assert Report.objects.get(pk=report.pk).revision == before  # previewing writes nothing

    response = client.post(reverse("report-import-preview", args=[report.pk]), {"upload": staged.pk, "action": "apply"})
    assert response.status_code == 302 and response["Location"].endswith("/review/")
    report.refresh_from_db()
    assert report.revision == before + 1
    assert current_doc(report)["applications"]["received"]["natural_person"] == 46
    row = ApplicationRow.objects.get(report=report, key="received")
    assert row.history.first().history_user == personas.preparer_a
    assert report.history.first().history_user == personas.preparer_a
    assert WorkbookImport.objects.get().applied_at is not None
    # The same preview cannot be applied twice.
    with pytest.raises(ImportStale):
        apply_import(staged.pk, report.pk, personas.preparer_a)


def test_apply_refused_when_the_report_changed_after_preview(client, personas):
    report = personas.report_a
    doc = current_doc(report)
    client.force_login(personas.preparer_a)
    upload(
        client,
        report,
        edited_workbook(doc, {"review_litigation.review.pending": 3, "review_litigation.review.total": None}),
    )
    staged = WorkbookImport.objects.get()
    Report.objects.filter(pk=report.pk).update(revision=staged.base_revision + 1)  # someone else saved
    response = client.post(reverse("report-import-preview", args=[report.pk]), {"upload": staged.pk, "action": "apply"})
    assert response.status_code == 302 and response["Location"].endswith("/import/")
    assert current_doc(report) == doc
    assert WorkbookImport.objects.get().applied_at is None


def test_apply_refused_on_a_locked_report(client, personas):
    report = personas.report_a
    doc = current_doc(report)
    client.force_login(personas.approver_a)
    upload(client, report, edited_workbook(doc, {PATH: 999}))
    staged = WorkbookImport.objects.get()
    Report.objects.filter(pk=report.pk).update(state=ReportState.SUBMITTED)
    with pytest.raises(ImportStale, match="已锁定"):
        apply_import(staged.pk, report.pk, personas.approver_a)
    assert current_doc(report) == doc


def test_another_users_upload_cannot_be_applied(client, personas):
    report = personas.report_a
    client.force_login(personas.preparer_a)
    upload(client, report, edited_workbook(current_doc(report), {PATH: 7}))
    staged = WorkbookImport.objects.get()
    client.force_login(personas.approver_a)
    response = client.post(reverse("report-import-preview", args=[report.pk]), {"upload": staged.pk, "action": "apply"})
    assert response.status_code == 302 and response["Location"].endswith("/import/")
    assert WorkbookImport.objects.get().applied_at is None


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b'{"format": 1}', "不是 Excel 工作簿"),
        (None, "行政复议·结果维持"),
    ],
)
def test_bad_upload_shows_the_problem_and_keeps_nothing(client, personas, data, needle):
    report = personas.report_a
    doc = current_doc(report)
    if data is None:
        data = edited_workbook(doc, {"review_litigation.review.upheld": -1})
    client.force_login(personas.preparer_a)
    response = upload(client, report, data)
    assert response.status_code == 422
    assert needle in response.content.decode() and "报告没有改动" in response.content.decode()
    assert not WorkbookImport.objects.exists() and current_doc(report) == doc


def test_workbook_of_another_year_is_refused(client, personas, seed_doc):
    client.force_login(personas.preparer_a)
    response = upload(client, personas.report_a, workbook_bytes(seed_doc))
    assert response.status_code == 422
    assert "2020 年度" in response.content.decode() and not WorkbookImport.objects.exists()


def test_workbook_of_another_agency_is_refused_naming_both(client, personas):
    other = current_doc(personas.report_a) | {"agency": "别的机关"}
    client.force_login(personas.preparer_a)
    response = upload(client, personas.report_a, workbook_bytes(other))
    page = response.content.decode()
    assert response.status_code == 422
    assert "别的机关" in page and personas.report_a.agency.name in page and "不是" in page
    assert not WorkbookImport.objects.exists()
    assert Report.objects.get(pk=personas.report_a.pk).agency_label == personas.report_a.agency_label


def test_workbook_macro_enabled_upload_is_not_stored(client, personas):
    data = workbook_bytes(current_doc(personas.report_a))
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "[Content_Types].xml":
                body = body.replace(b"spreadsheetml.sheet.main+xml", b"x").replace(
                    b'ContentType="application/vnd.openxmlformats-officedocument.x"',
                    b'ContentType="application/vnd.ms-excel.sheet.macroEnabled.main+xml"',
                )
            z.writestr(info.filename, body)
    client.force_login(personas.preparer_a)
    response = upload(client, personas.report_a, out.getvalue(), name="宏.xlsm")
    assert response.status_code == 422 and "启用宏" in response.content.decode()
    assert not WorkbookImport.objects.exists()


def test_workbook_bomb_upload_shows_a_message(client, personas):
    data = workbook_bytes(current_doc(personas.report_a))
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet9.bin", b"<a>" + b" " * (12 * 1024 * 1024) + b"</a>")
    client.force_login(personas.preparer_a)
    response = upload(client, personas.report_a, out.getvalue())
    assert response.status_code == 422 and "压缩炸弹" in response.content.decode()
    assert not WorkbookImport.objects.exists()


def test_discard_drops_the_upload(client, personas):
    report = personas.report_a
    client.force_login(personas.preparer_a)
    upload(client, report, edited_workbook(current_doc(report), {PATH: 5}))
    staged = WorkbookImport.objects.get()
    response = client.post(
        reverse("report-import-preview", args=[report.pk]), {"upload": staged.pk, "action": "discard"}
    )
    assert response.status_code == 302 and not WorkbookImport.objects.exists()


def test_blank_template_and_links(client, personas):
    client.force_login(personas.preparer_a)
    home = client.get(reverse("home")).content.decode()
    assert reverse("blank-xlsx", args=["2019"]) in home and reverse("blank-xlsx", args=["2021"]) in home
    assert reverse("report-import", args=[personas.report_a.pk]) in home
    review = client.get(reverse("report-step", args=[personas.report_a.pk, "review"])).content.decode()
    assert reverse("report-xlsx", args=[personas.report_a.pk]) in review
    response = client.get(reverse("blank-xlsx", args=["2019"]))
    wb = load_workbook(io.BytesIO(response.content))
    assert wb["三"]["D5"].value is None and wb["报告信息"]["B3"].value is None
    assert client.get("/templates/2018/xlsx/").status_code == 404
