"""Frozen approved PDFs and the download view: stored bytes served as stored, drafts rendered
with a watermark, access through permissions, a friendly page instead of a 500."""

import hashlib

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from annual.interchange import load_report, report_to_document
from annual.models import ApplicationRow, Report, ReportSnapshot, ReportState
from annual.snapshots import freeze_report, latest_snapshot
from tests.pdf_cases import pdf_text

pytestmark = pytest.mark.django_db


def approve(report: Report, user) -> ReportSnapshot:
    # What the approve transition does, without its notifications: freeze, then set the state.
    snapshot = freeze_report(report, user=user)
    Report.objects.filter(pk=report.pk).update(state=ReportState.APPROVED)
    report.refresh_from_db()
    return snapshot


def login(client, user):
    client.force_login(user)


@pytest.mark.pdf
def test_freeze_report_stores_document_pdf_and_hash(personas):
    report = personas.report_a
    snapshot = approve(report, personas.approver_a)
    assert snapshot.document == report_to_document(load_report(report.pk))
    pdf = bytes(snapshot.pdf)
    assert pdf.startswith(b"%PDF-") and snapshot.sha256 == hashlib.sha256(pdf).hexdigest()
    assert snapshot.created_by == personas.approver_a
    text = pdf_text(pdf)
    assert report.display_title.replace("\n", "") in text.replace("\n", "")
    assert "草稿" not in text  # the final copy carries no watermark
    assert latest_snapshot(report) == snapshot


def test_latest_snapshot_is_the_newest(personas):
    report = personas.report_a
    assert latest_snapshot(report) is None
    first = freeze_report(report, user=personas.approver_a)
    second = freeze_report(report, user=personas.approver_a)
    assert latest_snapshot(report) == second != first


def test_download_serves_stored_bytes_of_approved_report(client, personas):
    report = personas.report_a
    snapshot = approve(report, personas.approver_a)
    # Values changed behind the app's back after approval must not change the served file.
    ApplicationRow.objects.filter(report=report, key="received").update(natural_person=999)
    login(client, personas.preparer_a)
    response = client.get(reverse("report-pdf", args=[report.pk]))
    assert response.status_code == 200
    assert response.content == bytes(snapshot.pdf)
    assert response["Content-Type"] == "application/pdf"
    assert response["ETag"] == f'"{snapshot.sha256}"'
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline; filename*=utf-8''")
    assert "%E5%B9%B4%E5%BA%A6" in disposition  # 年度, percent-encoded per RFC 5987


@pytest.mark.pdf
def test_download_of_draft_renders_watermark_state_and_filename(client, personas):
    report = personas.report_a
    login(client, personas.preparer_a)
    response = client.get(reverse("report-pdf", args=[report.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    assert "状态：草稿" in text and "最后修改：" in text and "打印时间：" in text
    assert "%EF%BC%88%E8%8D%89%E7%A8%BF%EF%BC%89.pdf" in response["Content-Disposition"]  # （草稿）.pdf
    assert not ReportSnapshot.objects.exists()


@pytest.mark.pdf
def test_download_uses_report_title(client, personas):
    report = personas.report_a
    Report.objects.filter(pk=report.pk).update(title="苍南县教育局二〇二一年政务公开年报")
    login(client, personas.preparer_a)
    response = client.get(reverse("report-pdf", args=[report.pk]))
    assert "苍南县教育局二〇二一年政务公开年报" in pdf_text(response.content).replace("\n", "")


def test_download_is_404_for_other_agency_and_login_required(client, personas):
    url = reverse("report-pdf", args=[personas.report_a.pk])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    login(client, personas.preparer_b)
    assert client.get(url).status_code == 404
    assert client.get(reverse("report-pdf", args=[999999])).status_code == 404


@pytest.mark.pdf
def test_download_render_failure_is_a_friendly_page(client, personas, monkeypatch):
    # A real render cannot be made to fail on demand; replace only the engine call.
    def broken(html):
        raise RuntimeError("Pango exploded")

    monkeypatch.setattr("annual.pdf.render.layout", broken)
    login(client, personas.preparer_a)
    response = client.get(reverse("report-pdf", args=[personas.report_a.pk]))
    assert response.status_code == 503
    body = response.content.decode()
    assert "生成 PDF 失败" in body and "Pango exploded" not in body and "Traceback" not in body


def test_download_partial_shows_sha256_of_frozen_pdf(personas):
    report = personas.report_a
    draft_html = render_to_string("annual/pdf/_download.html", {"report": report})
    assert "下载 PDF（草稿）" in draft_html and "SHA-256" not in draft_html
    assert reverse("report-pdf", args=[report.pk]) in draft_html
    snapshot = approve(report, personas.approver_a)
    html = render_to_string("annual/pdf/_download.html", {"report": report, "request": RequestFactory().get("/")})
    assert "下载定稿 PDF" in html and snapshot.sha256 in html
