"""Importing an edited workbook into a report on the web: stage, preview, apply.

1. `stage_upload` reads and validates the uploaded file (`annual.imports.xlsx.read_workbook`),
   checks it belongs to this report (exported from this agency's report, or a blank template)
   and its year and template, and stores file and document in a
   `WorkbookImport` row. Nothing in the report changes.
2. `changes` lists what applying would change (label, old → new), against the report as stored.
3. `apply_import` writes the document through the one writer (`interchange.write_document`) in
   one transaction, with the history recording the user, and only if the report is still
   editable and nobody saved since the preview. Either everything changes or nothing does.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils import timezone

from .audit import Change, document_changes
from .document import DocumentError
from .exports.xlsx import VERSION_LABELS
from .imports.xlsx import MAX_WORKBOOK_BYTES, read_workbook_source, too_large
from .interchange import apply_document, load_report, report_to_document, write_document
from .models import Agency, Report, WorkbookImport

# A preview nobody confirmed is dropped when the same person uploads again or after a day.
STALE_AFTER = timedelta(days=1)
MAX_SHOWN_PROBLEMS = 50


class ImportRefused(Exception):
    """The workbook cannot be imported into this report; `lines` say why, in Chinese."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        super().__init__("；".join(lines))


class ImportStale(Exception):
    """The report changed, or was locked, after the preview: nothing was written."""


def _document_lines(exc: DocumentError) -> list[str]:
    lines = exc.lines()
    if len(lines) > MAX_SHOWN_PROBLEMS:
        lines = lines[:MAX_SHOWN_PROBLEMS] + [f"……另有 {len(lines) - MAX_SHOWN_PROBLEMS} 处问题未列出"]
    return lines


def read_for_report(report: Report, data: bytes) -> dict:
    """The document in `data` if it can replace `report`'s values; ImportRefused otherwise."""
    if len(data) > MAX_WORKBOOK_BYTES:
        raise ImportRefused([too_large(len(data))])
    try:
        source = read_workbook_source(data)
    except DocumentError as exc:
        raise ImportRefused(_document_lines(exc)) from None
    doc = source.document
    problems = []
    foreign = foreign_workbook(source.exported_from, report.agency)
    if foreign:
        problems.append(foreign)
    if doc["year"] != report.year:
        problems.append(f"工作簿是 {doc['year']} 年度的报告，本报告是 {report.year} 年度：请上传本报告导出的工作簿")
    if doc["template"] != report.template:
        problems.append(f"工作簿使用{VERSION_LABELS[doc['template']]}，本报告使用{VERSION_LABELS[report.template]}")
    if problems:
        raise ImportRefused(problems)
    # What the document format allows but a report's columns do not (e.g. a 300-character 索引号).
    probe = Report(agency_id=report.agency_id)
    apply_document(probe, doc)
    try:
        probe.full_clean(exclude=["agency"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ImportRefused(
            [f"{_field_label(name)}：{'；'.join(messages)}" for name, messages in exc.message_dict.items()]
        ) from None
    return doc


def foreign_workbook(exported_from: str, agency: Agency) -> str | None:
    """Why a workbook exported from another agency's report may not become `agency`'s report,
    or None. Only year and template were checked once, so another agency's workbook replaced
    every figure and the printed agency name. The agency's own name and every name its reports
    print are its own; a blank template (no origin) may be filled in for anyone."""
    exported_from = exported_from.strip()
    if not exported_from:
        return None
    names = {agency.name, *Report.objects.filter(agency=agency).values_list("agency_label", flat=True)}
    if exported_from in {n.strip() for n in names}:
        return None
    return (
        f"工作簿导出自“{exported_from}”的报告，不是“{agency.name}”的报告：导入会用其他机关的数字和名称覆盖本报告，"
        f"已拒绝。请上传从“{agency.name}”的报告导出的工作簿，或下载空白模板填写"
    )


def stage_upload(report: Report, user, filename: str, data: bytes) -> WorkbookImport:
    """Validate an uploaded workbook for `report` and keep it for the preview."""
    doc = read_for_report(report, data)
    with transaction.atomic():
        WorkbookImport.objects.filter(applied_at__isnull=True).filter(
            uploaded_at__lt=timezone.now() - STALE_AFTER
        ).delete()
        WorkbookImport.objects.filter(report=report, uploaded_by=user, applied_at__isnull=True).delete()
        return WorkbookImport.objects.create(
            report=report,
            uploaded_by=user,
            filename=filename[:255],
            data=data,
            sha256=hashlib.sha256(data).hexdigest(),
            document=doc,
            base_revision=report.revision,
        )


def pending_import(report: Report, user) -> WorkbookImport | None:
    """The user's latest upload for `report` that awaits confirmation."""
    return (
        WorkbookImport.objects.filter(
            report=report, uploaded_by=user, applied_at__isnull=True, uploaded_at__gte=timezone.now() - STALE_AFTER
        )
        .defer("data")
        .first()
    )


def changes(upload: WorkbookImport) -> list[Change]:
    """What applying `upload` would change in its report, in document order."""
    current = report_to_document(load_report(upload.report_id))
    return document_changes(current, upload.document)


def discard(upload_id: int, report: Report, user) -> None:
    WorkbookImport.objects.filter(pk=upload_id, report=report, uploaded_by=user, applied_at__isnull=True).delete()


def apply_import(upload_id: int, report_id: int, user) -> Report:
    """Write the previewed document into the report: one transaction, one audited save.

    Raises ImportStale (nothing written) when the upload is gone or already applied, the report
    is no longer editable, or anyone saved the report after the preview was made.
    """
    with transaction.atomic():
        report = Report.objects.select_for_update().select_related("agency").get(pk=report_id)
        upload = (
            WorkbookImport.objects.select_for_update()
            .filter(pk=upload_id, report=report, uploaded_by=user, applied_at__isnull=True)
            .first()
        )
        if upload is None:
            raise ImportStale("没有待确认的导入（可能已导入或已取消），请重新上传工作簿")
        if not report.is_editable:
            raise ImportStale(f"报告状态为“{report.get_state_display()}”，已锁定，不能导入")
        if report.revision != upload.base_revision:
            raise ImportStale("预览之后报告已被修改（修订号已变化），为避免覆盖他人的修改，请重新上传工作簿并核对差异")
        report = write_document(upload.document, report.agency, report=report, user=user)
        upload.applied_at = timezone.now()
        upload.save(update_fields=["applied_at"])
    return report


def _field_label(name: str) -> str:
    """The report field `name`'s label for a refusal; errors of no one field are the report's."""
    if name == NON_FIELD_ERRORS:
        return "报告"
    field = Report._meta.get_field(name)
    return str(field.verbose_name) if isinstance(field, models.Field) else name
