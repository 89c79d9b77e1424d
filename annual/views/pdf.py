"""The report PDF download: the stored snapshot for an approved report, else a cached draft.

Both are made by jobs (annual/snapshots.py, annual/draft_pdfs.py). The request waits for a running job up to
`PDF_WAIT_SECONDS`, then answers with a page that follows the job by itself, so no web worker
is held for a long render.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from .. import jobs, storage
from ..draft_pdfs import draft_pdf_job, superseded, wait_for_draft
from ..models import Job, JobStatus
from ..permissions import get_visible_report
from ..snapshots import final_pdf_job, latest_snapshot_pdf
from ..transitions import FROZEN_STATES

PDF_WAIT_SECONDS = 2.0


@login_required
@require_safe
def report_pdf(request, pk: int):
    """The PDF of a report the user may see (404 otherwise).

    Approved and published reports are served from their frozen snapshot, byte for byte and
    checked against its SHA-256, so the portal copy and the stamped copy are the same file;
    while that PDF is still being made the page says 「定稿生成中」. Any other report gets the
    draft of its current version (watermark, state and times in the footer), rendered once
    per version and then served from the cache.
    """
    report = get_visible_report(request.user, pk)
    title = report.display_title
    if report.state in FROZEN_STATES:
        snapshot = latest_snapshot_pdf(report)
        if snapshot is not None:
            if not snapshot.ready:
                job = final_pdf_job(snapshot)
                if job is None or jobs.wait(jobs.retry(job), PDF_WAIT_SECONDS).status != JobStatus.DONE:
                    return _waiting(request, report, job, final=True)
                snapshot.refresh_from_db()
            try:
                return _pdf_response(snapshot.pdf, f"{title}.pdf", etag=snapshot.sha256)
            except storage.StoredFileError as exc:
                return _error(request, report, str(exc))
    job = wait_for_draft(report, PDF_WAIT_SECONDS, user=request.user)
    if job.status == JobStatus.FAILED and not superseded(job):
        return _error(request, report, job.error)
    if job.status != JobStatus.DONE:
        return _waiting(request, report, job, final=False)
    try:
        if not job.output.name:  # a finished job always has its file; a missing one is like an evicted one
            raise storage.StoredFileError("草稿 PDF 文件不存在")
        pdf = storage.read_verified(job.output.name, job.output_sha256)
    except storage.StoredFileError:  # evicted between the lookup and the read: make it again
        Job.objects.filter(pk=job.pk).delete()
        return _waiting(request, report, draft_pdf_job(report, user=request.user), final=False)
    Job.objects.filter(pk=job.pk).update(used_at=timezone.now())
    frozen = report.state in FROZEN_STATES
    return _pdf_response(pdf, f"{title}.pdf" if frozen else f"{title}（草稿）.pdf")


def _waiting(request, report, job: Job | None, *, final: bool):
    """202: a page that polls the job's status URL (static JS) and opens the PDF when ready."""
    context = {
        "report": report,
        "job": job,
        "final": final,
        "status_url": reverse("job-status", args=[job.pk]) if job else "",
        "done_url": reverse("report-pdf", args=[report.pk]),
    }
    return render(request, "annual/jobs/wait.html", context, status=202)


def _error(request, report, message: str):
    return render(request, "annual/pdf/error.html", {"report": report, "message": message}, status=503)


def _pdf_response(pdf: bytes, filename: str, *, etag: str | None = None) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    # Inline so the browser shows it; the Chinese name (RFC 5987 filename*) is used on saving.
    response["Content-Disposition"] = content_disposition_header(False, filename) or "inline"
    response["Cache-Control"] = "private, no-cache"
    if etag:
        response["ETag"] = f'"{etag}"'
    # No Content-Security-Policy on the PDF itself: Chromium shows an inline PDF through an
    # embedded viewer, which the site's object-src 'none' would leave blank (django-csp's flag).
    # The attribute django-csp's own csp_exempt() decorator sets; this response is not a view's own.
    response._csp_exempt = True  # type: ignore[attr-defined]
    return response
