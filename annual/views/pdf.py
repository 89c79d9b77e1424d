"""The report PDF download: the stored snapshot for an approved report, else a draft print."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from ..interchange import load_report, report_to_document
from ..models import ReportState
from ..pdf import DraftMark, PdfRenderError, render_pdf
from ..permissions import get_visible_report
from ..snapshots import FROZEN_STATES, latest_snapshot_pdf


@login_required
@require_safe
def report_pdf(request, pk: int):
    """The PDF of a report the user may see (404 otherwise).

    Approved and published reports are served from their frozen snapshot, byte for byte, so
    the portal copy and the stamped copy are the same file; any other report is rendered now
    as a draft (watermark, state and times in the footer).
    """
    report = get_visible_report(request.user, pk)
    title = report.display_title
    if report.state in FROZEN_STATES:
        snapshot = latest_snapshot_pdf(report)
        if snapshot is not None:
            return _pdf_response(bytes(snapshot.pdf), f"{title}.pdf", etag=snapshot.sha256)
    draft = None
    if report.state not in FROZEN_STATES:
        draft = DraftMark(state=ReportState(report.state).label, printed_at=timezone.localtime(),
                          changed_at=timezone.localtime(report.updated_at))
    try:
        pdf = render_pdf(report_to_document(load_report(report.pk)), title=title, draft=draft)
    except PdfRenderError as exc:
        return render(request, "annual/pdf/error.html", {"report": report, "message": str(exc)}, status=503)
    return _pdf_response(pdf, f"{title}（草稿）.pdf" if draft else f"{title}.pdf")


def _pdf_response(pdf: bytes, filename: str, *, etag: str | None = None) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    # Inline so the browser shows it; the Chinese name (RFC 5987 filename*) is used on saving.
    response["Content-Disposition"] = content_disposition_header(False, filename) or "inline"
    response["Cache-Control"] = "private, no-cache"
    if etag:
        response["ETag"] = f'"{etag}"'
    # No Content-Security-Policy on the PDF itself: Chromium shows an inline PDF through an
    # embedded viewer, which the site's object-src 'none' would leave blank (django-csp's flag).
    response._csp_exempt = True
    return response
