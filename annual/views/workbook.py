"""Excel: download a report's workbook or a blank template; upload an edited one, preview the
differences, apply them in one audited save. Rules live in `annual.workbook_import`; access in
`annual.permissions`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_safe

from .. import permissions, rules, workbook_import
from .. import template_spec as spec
from ..exports import export_xlsx
from ..exports.xlsx import VERSION_LABELS, blank_workbook_bytes, blank_workbook_filename
from ..forms.workbook import WorkbookUploadForm
from ..imports.xlsx import MAX_WORKBOOK_BYTES, too_large
from ..models import Report, ReportState, Role

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Multipart framing around the file: a body longer than this past the cap is refused unread.
UPLOAD_OVERHEAD = 64 * 1024


def _xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
@require_safe
def report_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The report as a workbook in the official layout, with its rule findings."""
    report = permissions.get_visible_report(request.user, pk)
    if not permissions.can_download_workbook(request.user, report):
        raise Http404("没有找到该报告")
    return _xlsx_response(export_xlsx(report), f"{report.display_title}.xlsx")


@login_required
@require_safe
def blank_xlsx(request: HttpRequest, version: str) -> HttpResponse:
    if version not in spec.VERSIONS:
        raise Http404("没有这个模板版本")
    return _xlsx_response(blank_workbook_bytes(version), blank_workbook_filename(version))


def _importable_report(request: HttpRequest, pk: int) -> Report | HttpResponse:
    """The report if the user may import into it; a redirect with the reason for its own people
    when it is locked; 403 for readers; 404 for everyone else."""
    report = permissions.get_visible_report(request.user, pk)
    if permissions.can_import_workbook(request.user, report):
        return report
    if permissions.acts_for(request.user, report, (Role.PREPARER, Role.APPROVER)):
        messages.error(request, f"报告状态为“{ReportState(report.state).label}”，已锁定，不能从 Excel 导入。")
        return redirect("report-step", report.pk, "review")
    raise PermissionDenied("只读：不能向该报告导入数据")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def report_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload an edited workbook; a valid one is kept for the preview, nothing changes yet."""
    report = _importable_report(request, pk)
    if isinstance(report, HttpResponse):
        return report
    form = WorkbookUploadForm()
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_WORKBOOK_BYTES + UPLOAD_OVERHEAD:
            problems, status = [too_large(int(request.META["CONTENT_LENGTH"]))], 413
        else:
            form = WorkbookUploadForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["workbook"]
                try:
                    workbook_import.stage_upload(report, request.user, upload.name, upload.read())
                except workbook_import.ImportRefused as exc:
                    problems = exc.lines
                else:
                    return redirect("report-import-preview", report.pk)
            status = 422
    return render(
        request,
        "annual/workbook/import.html",
        {
            "report": report,
            "form": form,
            "problems": problems,
            "versions": VERSION_LABELS,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def report_import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: what the pending upload would change. POST: apply it (or discard it)."""
    report = _importable_report(request, pk)
    if isinstance(report, HttpResponse):
        return report
    if request.method == "POST":
        upload_id = request.POST.get("upload", "")
        if not upload_id.isdigit():
            messages.error(request, "没有待确认的导入，请先上传工作簿。")
            return redirect("report-import", report.pk)
        if request.POST.get("action") == "discard":
            workbook_import.discard(int(upload_id), report, request.user)
            messages.info(request, "已取消导入，报告没有改动。")
            return redirect("report-step", report.pk, "review")
        try:
            workbook_import.apply_import(int(upload_id), report.pk, request.user)
        except workbook_import.ImportStale as exc:
            messages.error(request, f"导入未执行，报告没有改动：{exc}")
            return redirect("report-import", report.pk)
        messages.success(request, "已从 Excel 工作簿导入，修改已记入修改历史。")
        return redirect("report-step", report.pk, "review")
    upload = workbook_import.pending_import(report, request.user)
    if upload is None:
        messages.info(request, "没有待确认的导入，请先上传工作簿。")
        return redirect("report-import", report.pk)
    findings = rules.check_document(upload.document)
    return render(
        request,
        "annual/workbook/preview.html",
        {
            "report": report,
            "upload": upload,
            "changes": workbook_import.changes(upload),
            "errors": rules.errors(findings),
        },
    )
