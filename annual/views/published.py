"""「导入已发布的报告」: upload a past year's published PDF or portal page, see what was read in
the official layout beside the page images (each figure linked to where it was printed),
correct a misread cell, confirm. Rules live in `annual.published_import`; access in
`annual.permissions`.
"""

from __future__ import annotations

import os
import subprocess
import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_safe

from .. import permissions, published_import, rules
from ..layout import build_tables
from ..models import Agency, PublishedSource
from ..safe_input import MAX_PDF_BYTES

UPLOAD_OVERHEAD = 64 * 1024
CONTENT_TYPES = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}
# Page images: enough to read a table's figures, small enough to send a few at once.
PAGE_DPI = 96


def _agency(request: HttpRequest, agency_id: int) -> Agency:
    agency = get_object_or_404(Agency, pk=agency_id)
    if not permissions.can_import_published(request.user, agency):
        raise PermissionDenied("您不能为该机关导入已发布的报告。")
    return agency


def _staged(request: HttpRequest, pk: int) -> PublishedSource:
    staged = PublishedSource.objects.select_related("agency").filter(pk=pk, report__isnull=True).first()
    if staged is None or not permissions.can_import_published(request.user, staged.agency):
        raise Http404("没有待确认的导入")
    return staged


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def upload(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = _agency(request, agency_id)
    problem = ""
    status = 200
    if request.method == "POST":
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_PDF_BYTES + UPLOAD_OVERHEAD:
            problem, status = f"文件过大：上限为 {MAX_PDF_BYTES // (1024 * 1024)} MB", 413
        elif not request.FILES.getlist("file"):
            problem, status = "请选择已发布报告的 PDF 文件或保存的网页（.pdf、.html）", 422
        else:
            upload = request.FILES.getlist("file")[0]
            try:
                staged = published_import.stage_upload(agency, request.user, upload.name or "", upload.read())
            except published_import.ImportRefused as exc:
                problem, status = f"{upload.name}：{exc}", 422
            else:
                return redirect("published-preview", staged.pk)
    return render(request, "annual/published/upload.html", {"agency": agency, "problem": problem}, status=status)


def _marks(reading, sizes: dict[int, tuple[float, float]]) -> dict[str, str]:
    """path -> "page,left%,top%,width%,height%" of where each figure was printed."""
    marks = {}
    for path, where in reading.where.items():
        size = sizes.get(where.page)
        if size is None:
            continue
        width, height = size
        x0, top, x1, bottom = where.box
        marks[path] = (
            f"{where.page},{100 * x0 / width:.2f},{100 * top / height:.2f},"
            f"{100 * (x1 - x0) / width:.2f},{100 * (bottom - top) / height:.2f}"
        )
    return marks


def _page_sizes(staged: PublishedSource) -> dict[int, tuple[float, float]]:
    if staged.kind != "pdf":
        return {}
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(bytes(staged.data)))
    return {n: (float(p.mediabox.width), float(p.mediabox.height)) for n, p in enumerate(reader.pages, start=1)}


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what was read, beside the pages. POST: confirm (with the typed cells) or discard."""
    staged = _staged(request, pk)
    try:
        reading = published_import.staged_reading(staged)
    except published_import.ImportRefused as exc:
        messages.error(request, str(exc))
        return redirect("published-upload", staged.agency_id)
    problem = ""
    typed: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "discard":
            staged.delete()
            messages.info(request, "已取消导入，没有保存任何内容。")
            return redirect("published-upload", staged.agency_id)
        typed = {key: request.POST.get(key, "") for key in request.POST if key.count(".") == 2}
        try:
            report = published_import.confirm(staged, request.user, typed, replace=request.POST.get("replace") == "1")
        except published_import.ImportRefused as exc:
            problem, status = str(exc), 422
        else:
            messages.success(request, f"已导入：{report.display_title}（{published_import.IMPORTED_LABEL}）。")
            return redirect("report-step", report.pk, "review")
    doc, corrections, errors = published_import.corrected(reading, typed)
    findings = rules.check_document(doc) if not errors else []
    existing = staged.agency.reports.filter(year=doc["year"]).first()
    sizes = _page_sizes(staged)
    return render(
        request,
        "annual/published/preview.html",
        {
            "staged": staged,
            "doc": doc,
            "reading": reading,
            "tables": build_tables(doc),
            "marks": _marks(reading, sizes),
            "pages": list(sizes),
            "problem": problem,
            "corrections": corrections,
            "errors": rules.errors(findings),
            "warnings": [w for w in findings if w.severity != rules.ERROR] + list(reading.warnings),
            "existing": existing,
        },
        status=status,
    )


@login_required
@require_safe
def page_image(request: HttpRequest, pk: int, page: int) -> HttpResponse:
    """One page of a staged PDF as PNG (pdftoppm, offline), for the preview."""
    staged = _staged(request, pk)
    if staged.kind != "pdf" or not 1 <= page <= staged.pages:
        raise Http404("没有这一页")
    with tempfile.TemporaryDirectory(prefix="published-page-") as work:
        pdf = os.path.join(work, "source.pdf")
        with open(pdf, "wb") as fh:
            fh.write(bytes(staged.data))
        try:
            subprocess.run(
                [
                    "pdftoppm",
                    "-png",
                    "-r",
                    str(PAGE_DPI),
                    "-f",
                    str(page),
                    "-l",
                    str(page),
                    "-singlefile",
                    pdf,
                    os.path.join(work, "page"),
                ],
                capture_output=True,
                timeout=30,
                check=True,
            )
            with open(os.path.join(work, "page.png"), "rb") as fh:
                png = fh.read()
        except (subprocess.SubprocessError, OSError):
            raise Http404("这一页无法显示") from None
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_safe
def source_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The published file a report was read from, as it was received."""
    report = permissions.get_visible_report(request.user, pk)
    if not permissions.can_download_published_source(request.user, report) or not published_import.has_source(report):
        raise Http404("该报告不是从已发布的文件导入的")
    source = report.published_source
    response = HttpResponse(bytes(source.data), content_type=CONTENT_TYPES[source.kind])
    response["Content-Disposition"] = content_disposition_header(True, source.filename)
    response["X-Content-SHA256"] = source.sha256
    response["Cache-Control"] = "private, no-cache"
    return response
