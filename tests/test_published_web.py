"""「导入已发布的报告」 on the web: upload, see what was read beside the pages, correct a misread
cell, confirm; the source file downloadable by whoever sees the report."""

import hashlib
import re
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from annual.models import PublishedSource, ReportState
from annual.published_import import staged_reading

CORPUS = Path(__file__).resolve().parent / "data" / "published"
PDF = CORPUS / "education-2021-libreoffice.pdf"
CELL = "applications.received.natural_person"


def _upload(client, agency, path: Path):
    data = path.read_bytes()
    return client.post(reverse("published-upload", args=[agency.pk]), {"file": SimpleUploadedFile(path.name, data)})


def test_published_web_upload_correct_confirm_and_download(client, personas):
    client.force_login(personas.preparer_a)
    response = _upload(client, personas.agency_a, PDF)
    staged = PublishedSource.objects.get()
    assert response.status_code == 302 and response.url == reverse("published-preview", args=[staged.pk])
    page = client.get(response.url)
    html = page.content.decode()
    assert page.status_code == 200
    assert re.search(f'name="{CELL}"[^>]*data-where="\\d+,[\\d.]+,', html)
    assert 'data-where=""' not in html  # every figure of the file was found on a page
    assert reverse("published-page", args=[staged.pk, 1]) in html
    image = client.get(reverse("published-page", args=[staged.pk, 1]))
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")

    read = staged_reading(staged).document["applications"]["received"]["natural_person"]
    staged_value = read + 1
    confirm = client.post(
        response.url, {"action": "confirm", "replace": "1", CELL: str(staged_value), "applications.received.total": ""}
    )
    personas.report_a.refresh_from_db()
    assert confirm.status_code == 302, confirm.content.decode()[:2000]
    report = personas.report_a
    assert report.state == ReportState.PUBLISHED
    source = report.published_source
    corrections = {c["path"]: (c["read"], c["value"]) for c in source.corrections}
    assert corrections[CELL] == (read, staged_value)
    assert corrections["applications.received.total"][1] is None
    assert report.application_rows.get(key="received").natural_person == staged_value

    review = client.get(reverse("report-step", args=[report.pk, "review"])).content.decode()
    assert "已发布（导入）" in review and source.sha256 in review

    client.force_login(personas.county_approver)
    download = client.get(reverse("published-source", args=[report.pk]))
    assert download.status_code == 200 and download["X-Content-SHA256"] == hashlib.sha256(PDF.read_bytes()).hexdigest()
    assert b"".join(download) == PDF.read_bytes()


def test_published_web_refuses_outsiders_and_unreadable_files(client, personas):
    client.force_login(personas.other_county_approver)
    assert _upload(client, personas.agency_a, PDF).status_code == 403
    client.force_login(personas.preparer_a)
    response = _upload(client, personas.agency_a, CORPUS / "scanned.pdf")
    assert response.status_code == 422 and "扫描件，没有可读取的文字" in response.content.decode()
    assert not PublishedSource.objects.exists()


def test_published_web_bad_correction_is_refused_and_nothing_changes(client, personas):
    client.force_login(personas.preparer_a)
    response = _upload(client, personas.agency_a, PDF)
    refused = client.post(response.url, {"action": "confirm", "replace": "1", CELL: "十二"})
    assert refused.status_code == 422 and "不是数字" in refused.content.decode()
    personas.report_a.refresh_from_db()
    assert personas.report_a.state == ReportState.DRAFT


def test_published_web_county_approver_may_import_for_a_subordinate(client, personas):
    client.force_login(personas.county_approver)
    response = _upload(client, personas.agency_a, CORPUS / "education-2021-portal.html")
    assert response.status_code == 302
    assert "网页文件没有页面图像" in client.get(response.url).content.decode()


def test_published_web_import_transition_is_not_a_button(client, personas):
    client.force_login(personas.approver_a)
    response = client.post(reverse("report-transition", args=[personas.report_a.pk, "import_published"]))
    assert response.status_code == 404
    personas.report_a.refresh_from_db()
    assert personas.report_a.state == ReportState.DRAFT


def test_published_web_preview_notes_a_report_of_another_agency(client, personas):
    client.force_login(personas.preparer_a)
    response = _upload(client, personas.agency_a, CORPUS / "real-hongze-2024.pdf")
    html = client.get(response.url).content.decode()
    assert f"标题中的机关是「淮安市洪泽区人民政府」，不是「{personas.agency_a.name}」" in html
    # The same agency under a name with its city before it (or a 曾用名) is no other agency.
    personas.agency_a.former_names.create(name="洪泽区人民政府", until_year=2023)
    staged = PublishedSource.objects.get()
    assert not [n for n in staged_reading(staged).notes if "标题中的机关" in n]
