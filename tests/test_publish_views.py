"""Web downloads of the office formats and the package, the 盖章页 and /verify/<sha256>/, on a
report approved through the real workflow (submit, approve: the snapshot is frozen there)."""

from __future__ import annotations

import io
import zipfile

import pdfplumber
import pytest
from django.urls import reverse
from docx import Document

from annual import workflow
from annual.models import Report, ReportSnapshot
from annual.publication import approval_of, verified_snapshot, verify_url
from annual.sections import create_report
from annual.snapshots import latest_snapshot
from tests.pdf_cases import pdf_text
from tests.personas import submit_and_approve

pytestmark = pytest.mark.django_db


def approve(p) -> ReportSnapshot:
    return latest_snapshot(submit_and_approve(p))


def test_package_download_is_the_snapshot(client, personas):
    snapshot = approve(personas)
    client.force_login(personas.county_approver)  # a reader may download it too
    response = client.get(reverse("report-export", args=[personas.report_a.pk, "zip"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as zf:
        assert zf.read("report.pdf") == bytes(snapshot.pdf)


def test_docx_download_opens(client, personas):
    client.force_login(personas.preparer_a)
    response = client.get(reverse("report-export", args=[personas.report_a.pk, "docx"]))
    assert Document(io.BytesIO(response.content)).tables[2].rows[-1].cells[4].text != ""


@pytest.mark.pdf
def test_stamp_page_states_the_approval_and_the_hash(client, personas, settings):
    settings.SITE_URL = "https://nianbao.example.gov.cn"
    snapshot = approve(personas)
    client.force_login(personas.preparer_a)
    response = client.get(reverse("report-stamp", args=[personas.report_a.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    with pdfplumber.open(io.BytesIO(response.content)) as plumber:
        assert len(plumber.pages) == 1
    text = pdf_text(response.content).replace("\n", "").replace(" ", "")
    approval = approval_of(snapshot)
    assert approval.approvers == ("appr_a",)
    for needle in (
        snapshot.document["agency"],
        "2021年度",
        approval.approved_on_text,
        "appr_a",
        snapshot.sha256[:32],
        "https://nianbao.example.gov.cn/verify/",
    ):
        assert needle in text, needle
    assert verify_url(snapshot.sha256) == f"https://nianbao.example.gov.cn/verify/{snapshot.sha256}/"


def test_verify_names_agency_year_date_only(client, personas):
    snapshot = approve(personas)
    response = client.get(reverse("verify", args=[snapshot.sha256]))  # anonymous
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="verify-ok"' in page
    approval = approval_of(snapshot)
    for needle in (approval.agency, "2021年度", approval.approved_on_text):
        assert needle in page
    for secret in ("appr_a", "prep_a", str(personas.report_a.pk) + "/", "审核人"):
        assert secret not in page
    # Upper case is the same hash.
    assert client.get(reverse("verify", args=[snapshot.sha256.upper()])).status_code == 200


def test_verify_tells_valid_withdrawn_superseded_and_unknown_apart(client, personas):
    snapshot = approve(personas)
    unknown = client.get(reverse("verify", args=["f" * 64]))
    malformed = client.get(reverse("verify", args=[snapshot.sha256[:-1] + "g"]))
    assert unknown.status_code == malformed.status_code == 404
    assert unknown.content == malformed.content and 'data-testid="verify-unknown"' in unknown.content.decode()
    # Reopened: the approval is withdrawn, and the page says since when.
    workflow.perform_transition(personas.report_a, workflow.REOPEN, user=personas.approver_a, reason="改数")
    assert verified_snapshot(snapshot.sha256) is None
    withdrawn = client.get(reverse("verify", args=[snapshot.sha256]))
    page = withdrawn.content.decode()
    assert withdrawn.status_code == 200 and 'data-testid="verify-withdrawn"' in page and "已撤回" in page
    assert approval_of(snapshot).approved_on_text in page
    # Approved again: the old PDF is superseded (when, and nothing of the new version), the new one valid.
    personas.report_a.refresh_from_db()
    workflow.perform_transition(personas.report_a, workflow.SUBMIT, user=personas.preparer_a)
    workflow.perform_transition(personas.report_a, workflow.APPROVE, user=personas.approver_a)
    newest = latest_snapshot(personas.report_a)
    assert newest is not None
    assert client.get(reverse("verify", args=[newest.sha256])).status_code == 200
    if newest.sha256 != snapshot.sha256:  # the same values may render the same bytes
        page = client.get(reverse("verify", args=[snapshot.sha256])).content.decode()
        assert 'data-testid="verify-superseded"' in page and "已被取代" in page
        assert newest.sha256 not in page and "/reports/" not in page


def test_charts_page_and_pdf_draw_nothing_for_a_blank_report(client, personas):
    blank = create_report(personas.agency_a, 2022, personas.preparer_a)
    client.force_login(personas.preparer_a)
    page = client.get(reverse("report-charts", args=[blank.pk])).content.decode()
    assert 'data-testid="no-charts"' in page and "echarts" not in page
    response = client.get(reverse("report-charts-pdf", args=[blank.pk]))
    assert response.status_code == 302 and "/review/" in response["Location"]


@pytest.mark.pdf
def test_pdf_with_charts_page_has_the_report_then_the_figures(client, personas):
    client.force_login(personas.preparer_a)
    response = client.get(reverse("report-charts-pdf", args=[personas.report_a.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    with pdfplumber.open(io.BytesIO(response.content)) as plumber:
        pages = [page.extract_text() or "" for page in plumber.pages]
    assert "草稿" in pages[0]  # a draft prints as a draft
    charts_page = next(i for i, text in enumerate(pages) if "图解：2021年度政府信息公开数据" in text)
    assert charts_page > 0 and "依申请公开：本年新收申请按申请人类型" in "".join(pages[charts_page:])
    received = Report.objects.get(pk=personas.report_a.pk).application_rows.get(key="received")
    assert f"{received.natural_person}" in pages[charts_page]
    assert "一、总体情况" in "".join(pages[:charts_page])


@pytest.mark.pdf
def test_pdf_with_charts_of_an_approved_report_is_final(client, personas):
    approve(personas)
    client.force_login(personas.county_approver)
    response = client.get(reverse("report-charts-pdf", args=[personas.report_a.pk]))
    assert "草稿" not in pdf_text(response.content)
