"""Frozen approved reports: the values and the PDF rendered once from them.

When a report is approved its values are frozen into a `ReportSnapshot` together with the PDF
rendered from exactly those values. From then on the download serves the stored bytes, so the
stamped paper copy and the portal copy are provably the same file (its SHA-256 is shown in the
app). The approve transition calls `freeze_report` inside its transaction; nothing else does.
"""

from __future__ import annotations

import hashlib

from django.utils import timezone

from .exports.xlsx import workbook_bytes
from .interchange import load_report, previous_document, report_to_document
from .models import Report, ReportSnapshot, ReportState
from .pdf import render_archival_pdf
from .pdf.archival import document_attachment, workbook_attachment
from .rules import check_document

# States whose values are frozen and whose PDF is the stored snapshot.
FROZEN_STATES = (ReportState.APPROVED, ReportState.PUBLISHED)


def freeze_report(report: Report, *, user, document: dict | None = None) -> ReportSnapshot:
    """Render the final (unwatermarked, archival PDF/A-3a) PDF of `report` once and store it
    with its values, which the PDF also carries: as its `report.json` and as the official-layout
    workbook `report.xlsx` (with the rule findings, as the Excel export has them).

    `document` is the report's document as the caller built it from the database inside the
    same transaction (the approve transition); without it the rows are read afresh, so what is
    frozen is what was approved, not what an earlier-loaded object happened to hold. Raises
    `annual.pdf.PdfRenderError` if the PDF cannot be rendered; the caller's transaction then
    rolls the approval back.
    """
    if document is None:
        document = report_to_document(load_report(report.pk))
    moment = timezone.now()
    findings = check_document(document, previous_document(report.agency.name, report.year))
    workbook = workbook_attachment(workbook_bytes(document, findings=findings))
    pdf = render_archival_pdf(document, title=report.display_title, extra_files=[workbook], moment=moment)
    return ReportSnapshot.objects.create(
        report=report,
        document=document,
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        document_sha256=hashlib.sha256(document_attachment(document).data).hexdigest(),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )


def latest_snapshot(report: Report) -> ReportSnapshot | None:
    """The most recent snapshot of `report`, or None if it was never frozen."""
    return ReportSnapshot.objects.filter(report=report).order_by("-created_at", "-pk").first()


def latest_snapshot_pdf(report: Report) -> ReportSnapshot | None:
    """Like `latest_snapshot` but without the frozen document: the download's fast path."""
    return (ReportSnapshot.objects.filter(report=report).order_by("-created_at", "-pk")
            .only("pk", "report_id", "pdf", "sha256", "created_at").first())


def latest_snapshot_info(report: Report) -> ReportSnapshot | None:
    """The latest snapshot's SHA-256 and time only (for pages that show them, not the bytes)."""
    return (ReportSnapshot.objects.filter(report=report).order_by("-created_at", "-pk")
            .only("pk", "report_id", "sha256", "document_sha256", "created_at").first())
