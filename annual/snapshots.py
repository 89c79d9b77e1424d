"""Frozen approved reports: the values, frozen at approval, and the PDF rendered from them.

When a report is approved its values are frozen into a `ReportSnapshot` inside the approval's
transaction. The final PDF is rendered from exactly those values by a job (kind 「定稿 PDF」,
whose body is `final_pdf` below) and stored, with its SHA-256, through Django's storage API; until then the
report shows 「定稿生成中」. From then on the download serves the stored bytes, checked against
that SHA-256, so the stamped paper copy and the portal copy are provably the same file. The
approve transition calls `freeze_report`; nothing else does. The snapshot also freezes the
last-year figures the approval was checked against, so the PDF (whose embedded workbook lists
the rules' findings, cross-year ones included) renders to the same bytes forever.
"""

from __future__ import annotations

import hashlib

from django.db import transaction

from . import jobs, storage
from .exports.xlsx import workbook_bytes
from .interchange import load_report, previous_document, report_to_document
from .models import Job, JobKind, Report, ReportSnapshot
from .rules import check_document


def freeze_report(report: Report, *, user, approval=None, document: dict | None = None) -> ReportSnapshot:
    """Freeze the values of `report` into a new snapshot and start the job that renders its PDF.

    `document` is the report's document as the caller built it from the database inside the
    same transaction (the approve transition); without it the rows are read afresh, so what is
    frozen is what was approved, not what an earlier-loaded object happened to hold.
    `approval` is the approve `Transition` (one snapshot per approval). Without a broker the
    PDF is rendered before this returns; with one, after the caller's transaction commits. A
    failed render never undoes the approval: it is recorded on the job, retried, and shown on
    the report.
    """
    fresh = load_report(report.pk)
    snapshot = ReportSnapshot.objects.create(
        report=fresh,
        approval=approval,
        document=document if document is not None else report_to_document(fresh),
        last_year=previous_document(fresh.agency_id, fresh.year) or {},
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    start_final_pdf(snapshot, user=user, title=fresh.display_title)
    snapshot.refresh_from_db()
    return snapshot


def render_final_pdf(snapshot: ReportSnapshot, *, title: str) -> tuple[bytes, str]:
    """The approved PDF of `snapshot`, rendered once by the final-PDF job: archival PDF/A-3a
    carrying the frozen document as `report.json` and the official-layout workbook (with the
    rule findings, as the Excel export has them) as `report.xlsx`; and the SHA-256 of the
    embedded `report.json`. Signed by this deployment (PAdES, `annual.pdf.signing`), so a rerun
    differs only in its signing time; the job keeps the first file stored."""
    # Imported here: WeasyPrint and pyHanko are loaded only by the process that renders.
    from .pdf import render_archival_pdf  # noqa: PLC0415
    from .pdf.archival import document_attachment, workbook_attachment  # noqa: PLC0415
    from .pdf.signing import sign_pdf  # noqa: PLC0415

    document = snapshot.document
    findings = check_document(document, checked_last_year(snapshot))
    workbook = workbook_attachment(workbook_bytes(document, findings=findings, moment=snapshot.created_at))
    pdf = sign_pdf(render_archival_pdf(document, title=title, extra_files=[workbook], moment=snapshot.created_at))
    return pdf, hashlib.sha256(document_attachment(document).data).hexdigest()


def start_final_pdf(snapshot: ReportSnapshot, *, user=None, title: str = "") -> Job:
    """The final-PDF job of `snapshot` (one per snapshot), created and dispatched if new."""
    job, created = Job.objects.get_or_create(
        kind=JobKind.FINAL_PDF,
        snapshot=snapshot,
        defaults={"report_id": snapshot.report_id, "created_by": jobs.user_or_none(user), "params": {"title": title}},
    )
    if created:
        jobs.dispatch(job)
    return job


@jobs.runner(JobKind.FINAL_PDF)
def final_pdf(job: Job) -> None:
    """Render and store the snapshot's PDF once; a rerun keeps the file already on record."""
    from .pdf import PdfRenderError  # noqa: PLC0415 - WeasyPrint only in the process that renders

    snapshot = ReportSnapshot.objects.get(pk=jobs.target(job.snapshot_id, "存档快照"))
    if not snapshot.ready:
        try:
            pdf, document_sha256 = render_final_pdf(
                snapshot, title=job.params.get("title") or snapshot.report.display_title
            )
        except PdfRenderError as exc:
            raise jobs.JobError(str(exc)) from exc
        digest = hashlib.sha256(pdf).hexdigest()
        name = storage.write(f"reports/{snapshot.report_id}/approved-{snapshot.pk}-{digest[:16]}.pdf", pdf)
        with transaction.atomic():
            locked = ReportSnapshot.objects.select_for_update().get(pk=snapshot.pk)
            if locked.ready:  # another run got there first; keep the file already on record
                storage.delete_quietly(name)
            else:
                locked.file.name, locked.sha256, locked.size = name, digest, len(pdf)
                locked.document_sha256 = document_sha256
                locked.save(update_fields=["file", "sha256", "size", "document_sha256"])
        snapshot.refresh_from_db()
    job.output.name, job.output_sha256, job.output_size = snapshot.file.name, snapshot.sha256, snapshot.size


def checked_last_year(snapshot: ReportSnapshot) -> dict | None:
    """The last-year document `snapshot` was checked against when it was approved, as frozen
    with it (None when there was none). Snapshots older than that freeze read last year's
    report as it is now."""
    if snapshot.last_year is not None:
        return snapshot.last_year or None
    return previous_document(snapshot.report.agency_id, snapshot.report.year)


def final_pdf_job(snapshot: ReportSnapshot) -> Job | None:
    """The job that renders `snapshot`'s PDF (None for snapshots older than background jobs)."""
    return Job.objects.filter(kind=JobKind.FINAL_PDF, snapshot=snapshot).first()


def latest_snapshot(report: Report) -> ReportSnapshot | None:
    """The most recent snapshot of `report`, or None if it was never frozen."""
    return ReportSnapshot.objects.filter(report=report).order_by("-created_at", "-pk").first()


def latest_snapshot_pdf(report: Report) -> ReportSnapshot | None:
    """Like `latest_snapshot` but without the frozen document: the download's fast path."""
    return (
        ReportSnapshot.objects.filter(report=report)
        .order_by("-created_at", "-pk")
        .only("pk", "report_id", "file", "sha256", "size", "created_at")
        .first()
    )


def latest_snapshot_info(report: Report) -> ReportSnapshot | None:
    """The latest snapshot's SHA-256 and time only (for pages that show them, not the bytes)."""
    return (
        ReportSnapshot.objects.filter(report=report)
        .order_by("-created_at", "-pk")
        .only("pk", "report_id", "file", "sha256", "document_sha256", "created_at")
        .first()
    )
