"""Office exports, the publication package, the 图解 page, the 盖章页 and public verification.

Views stay thin: what is drawn comes from annual.exports, annual.charts and annual.publication.
Every page but /verify/<sha256>/ needs a signed-in user who may see the report (404 otherwise).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ..charts import report_charts
from ..exports import EXPORTERS, ExportRefused, current_document
from ..models import ReportState
from ..pdf import DraftMark, PdfRenderError
from ..permissions import get_visible_report
from ..publication import UNKNOWN, frozen, report_with_charts_pdf, snapshot_signature, stamp_pdf, verification
from ..snapshots import latest_snapshot

CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html; charset=utf-8",
    "zip": "application/zip",
}
FILE_SUFFIX = {"docx": "", "html": "（网页版）", "zip": "（发布包）"}


def _download(data: bytes, filename: str, content_type: str, *, inline: bool = False) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, filename) or "attachment"
    response["Cache-Control"] = "private, no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _back_to_review(request, report, message: str):
    messages.error(request, message)
    return redirect(reverse("report-step", args=[report.pk, "review"]))


@login_required
@require_safe
def report_export(request, pk: int, fmt: str):
    """The report as DOCX or as the portal HTML page (current values), or the publication zip
    (approved/published reports only, from the frozen snapshot). Always an attachment: the
    HTML is for the portal, not to be shown inside the app."""
    report = get_visible_report(request.user, pk)
    if fmt not in CONTENT_TYPES:
        raise Http404("不支持的导出格式")
    if fmt == "zip" and not frozen(report):
        return _back_to_review(request, report, "只有审核通过或已发布的报告可以下载发布包。")
    try:
        data = EXPORTERS[f".{fmt}"](report)
    except ExportRefused as exc:
        return _back_to_review(request, report, str(exc))
    return _download(data, f"{report.display_title}{FILE_SUFFIX[fmt]}.{fmt}", CONTENT_TYPES[fmt])


@login_required
@require_safe
def report_stamp(request, pk: int):
    """The 盖章页 (one-page PDF) of an approved or published report."""
    report = get_visible_report(request.user, pk)
    snapshot = latest_snapshot(report) if frozen(report) else None
    if snapshot is None:
        return _back_to_review(request, report, "只有审核通过或已发布的报告才有盖章页。")
    try:
        pdf = stamp_pdf(snapshot, title=report.display_title, site=request.build_absolute_uri("/"))
    except PdfRenderError as exc:
        return render(request, "annual/pdf/error.html", {"report": report, "message": str(exc)}, status=503)
    return _download(pdf, f"{report.display_title}（盖章页）.pdf", "application/pdf", inline=True)


@login_required
@require_safe
def report_charts_page(request, pk: int):
    """The 图解 of the report's current values, drawn in the browser by the vendored ECharts."""
    report = get_visible_report(request.user, pk)
    charts = report_charts(current_document(report))
    return render(request, "annual/publish/charts.html", {"report": report, "charts": charts})


@login_required
@require_safe
def report_charts_pdf(request, pk: int):
    """The report's PDF with the 图解 page appended: the approved values for an approved or
    published report, otherwise the current ones printed as a draft (watermark, state, times)."""
    report = get_visible_report(request.user, pk)
    snapshot = latest_snapshot(report) if frozen(report) else None
    if snapshot is not None:
        doc, draft = snapshot.document, None
    else:
        doc = current_document(report)
        draft = DraftMark(
            state=ReportState(report.state).label,
            printed_at=timezone.localtime(),
            changed_at=timezone.localtime(report.updated_at),
        )
    try:
        pdf = report_with_charts_pdf(doc, title=report.display_title, draft=draft)
    except PdfRenderError as exc:
        return render(request, "annual/pdf/error.html", {"report": report, "message": str(exc)}, status=503)
    if pdf is None:
        return _back_to_review(request, report, "报告的统计数字全部为空白，没有可绘制的图解。")
    name = f"{report.display_title}（含图解）{'' if draft is None else '（草稿）'}.pdf"
    return _download(pdf, name, "application/pdf", inline=True)


@never_cache
@require_safe
def verify(request, digest: str):
    """Public (no sign-in): is `digest` the SHA-256 of a report's current approved PDF, of a
    superseded or withdrawn one, or of nothing known (status 404)?

    The answer names agency, year, approval date and when validity ended, nothing else.
    """
    result = verification(digest)
    signature = snapshot_signature(result.snapshot) if result.snapshot is not None else None
    return render(
        request,
        "annual/publish/verify.html",
        {"result": result, "signature": signature},
        status=404 if result.status == UNKNOWN else 200,
    )
