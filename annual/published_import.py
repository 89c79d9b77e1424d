"""A past year's report taken in from its published file: stored as published and imported
(已发布（导入）), read-only, with the file and its SHA-256 kept beside it.

`import_published_source` is the one writer: the command line (`import_report`,
`import_published`) and the web page's confirm call it. The state changes through
`workflow.perform_transition` like every other state change; the figures are written by
`interchange.write_document` like every other import; all of it in one transaction, so a file
that fails anywhere leaves nothing behind. On the web an upload is first staged (a
`PublishedSource` without a report) so that the page can show what was read and let a person
correct a misread cell; each correction is kept with the source.
"""

from __future__ import annotations

import copy
import hashlib
import os

from django.db import transaction

from . import workflow
from .document import DocumentError, validate, value_at
from .imports import PUBLISHED_FORMS
from .interchange import write_document
from .layout import MONEY, SIGNED, build_tables
from .models import Agency, PublishedSource, Report
from .models.imports import IMPORTED_LABEL
from .normalize import InputError, format_value, parse_count, parse_money
from .pdf.archival import carries_document
from .published import NotReadable, Reading, read_published_html, read_published_pdf


class ImportRefused(Exception):
    """The import is not allowed as asked; the message (Chinese) says why."""


def replaceable(agency: Agency, year: int, *, replace: bool) -> Report | None:
    """The agency's existing report for `year` (locked for update) that an import may replace,
    None when there is none; ImportRefused when one exists and may not be replaced."""
    report = Report.objects.select_for_update().filter(agency=agency, year=year).first()
    if report is None:
        return None
    if not replace:
        raise ImportRefused(f"{agency.name} 的 {year} 年度报告已存在；如需覆盖，请加 --replace")
    if not report.is_editable:
        raise ImportRefused(
            f"{agency.name} 的 {year} 年度报告状态为“{report.get_state_display()}”，已锁定，不能导入覆盖"
        )
    return report


def import_published_source(
    reading: Reading,
    raw: bytes,
    filename: str,
    agency: Agency,
    *,
    user=None,
    replace: bool = False,
    document: dict | None = None,
    corrections: list[dict] | None = None,
    staged: PublishedSource | None = None,
) -> Report:
    """Store what `reading` read from `raw` as `agency`'s published and imported report.

    `document` is the reading's document with a person's `corrections` applied (the web page's
    confirm), each {"path", "read", "value"}; by default the reading's own document. `staged` is
    the web upload the source is kept in; the command line has none and a new one is made.
    """
    doc = document if document is not None else reading.document
    digest = hashlib.sha256(raw).hexdigest()
    with transaction.atomic():
        report = replaceable(agency, doc["year"], replace=replace)
        report = write_document(doc, agency, report=report, user=user)
        # A report reopened and imported again keeps only its newest source as its own.
        earlier = PublishedSource.objects.filter(report=report)
        if staged is not None:
            earlier = earlier.exclude(pk=staged.pk)
        earlier.update(report=None)
        source = staged or PublishedSource(agency=agency)
        source.report = report
        source.filename = filename[:255]
        source.kind = reading.source
        source.data = raw
        source.sha256 = digest
        source.pages = reading.pages
        source.cells_read = reading.cells_read
        source.notes = list(reading.notes)
        source.warnings = [w.as_dict() for w in reading.warnings]
        source.corrections = list(corrections or [])
        source.imported_by = user
        source.save()
        try:
            workflow.perform_transition(
                report,
                workflow.IMPORT_PUBLISHED,
                user=user,
                reason=f"数据读自已发布的文件 {filename}（SHA-256 {digest}）"
                + (f"，导入前更正 {len(corrections)} 处" if corrections else ""),
            )
        except workflow.TransitionError as exc:
            raise ImportRefused(str(exc)) from None
    return report


def read_bytes(filename: str, raw: bytes) -> Reading:
    """The published report in `raw` (a PDF or a saved portal page, by `filename`'s extension);
    ImportRefused with the reason when it is not one."""
    ext = os.path.splitext(filename)[1].lower()
    if ext not in PUBLISHED_FORMS:
        raise ImportRefused("请上传已发布报告的 PDF 文件或保存的网页（.pdf、.html）")
    limit = PUBLISHED_FORMS[ext][1]
    if len(raw) > limit:
        raise ImportRefused(f"文件过大（{len(raw)} 字节），上限为 {limit} 字节")
    if ext == ".pdf" and carries_document(raw):
        raise ImportRefused(
            "这是本系统定稿的 PDF（内嵌报告数据），请在报告页用 JSON/Excel 导入，而不是作为已发布的报告导入"
        )
    try:
        return read_published_pdf(raw) if ext == ".pdf" else read_published_html(raw)
    except NotReadable as exc:
        raise ImportRefused(str(exc)) from None


def other_agency_note(reading: Reading, agency: Agency) -> str | None:
    """A note when the report's title names another agency than the one it is imported for.

    A name that ends with the agency's name, or whose end is the agency's name, is the same
    agency with or without its city (洪泽区人民政府, 淮安市洪泽区人民政府); 曾用名 count too."""
    printed = (reading.document.get("agency") or "").strip()
    if not printed:
        return None
    names = {agency.name, *agency.former_names.values_list("name", flat=True)}
    if any(printed.endswith(name) or name.endswith(printed) for name in names):
        return None
    return f"标题中的机关是「{printed}」，不是「{agency.name}」：请确认没有把其他机关的报告导入到这里"


def with_agency_note(reading: Reading, agency: Agency) -> Reading:
    note = other_agency_note(reading, agency)
    if note is not None:
        reading.notes = [note, *reading.notes]
    return reading


def stage_upload(agency: Agency, user, filename: str, raw: bytes) -> PublishedSource:
    """Read an uploaded published report and keep it for the preview; nothing is a report yet."""
    reading = with_agency_note(read_bytes(filename, raw), agency)
    return PublishedSource.objects.create(
        agency=agency,
        filename=os.path.basename(filename)[:255],
        kind=reading.source,
        data=raw,
        sha256=hashlib.sha256(raw).hexdigest(),
        pages=reading.pages,
        cells_read=reading.cells_read,
        notes=list(reading.notes),
        warnings=[w.as_dict() for w in reading.warnings],
        imported_by=user,
    )


def staged_reading(staged: PublishedSource) -> Reading:
    return with_agency_note(read_bytes(staged.filename, bytes(staged.data)), staged.agency)


def corrected(reading: Reading, typed: dict[str, str]) -> tuple[dict, list[dict], list[str]]:
    """The reading's document with the cells a person retyped: (document, corrections, errors).

    `typed` maps a value cell's path to its text on the page; a cell whose text still says what
    was read is not a correction. Errors (Chinese, naming the cell and the rule) mean nothing
    may be confirmed.
    """
    doc = copy.deepcopy(reading.document)
    corrections: list[dict] = []
    errors: list[str] = []
    for table in build_tables(doc).values():
        for cell in table.value_cells():
            if cell.path not in typed:
                continue
            read = value_at(doc, cell.path)
            text = typed[cell.path]
            if text.strip() == format_value(read):
                continue
            value: int | str | None
            try:
                if cell.kind == MONEY:
                    value = parse_money(text, label=cell.label)
                else:
                    value = parse_count(text, label=cell.label, signed=cell.kind == SIGNED)
            except InputError as exc:
                errors.append(str(exc))
                continue
            if value == read:
                continue
            section, row, column = cell.path.split(".")
            doc[section][row][column] = value
            corrections.append({"path": cell.path, "label": cell.label, "read": read, "value": value})
    try:
        doc = validate(doc)
    except DocumentError as exc:
        errors += exc.lines()
    return doc, corrections, errors


def confirm(staged: PublishedSource, user, typed: dict[str, str], *, replace: bool) -> Report:
    """Create the report from a staged upload, with the person's corrections; ImportRefused
    (with every reason) when a typed cell is not a valid value or the year may not be replaced."""
    if staged.report_id is not None:
        raise ImportRefused("该文件已经导入")
    reading = staged_reading(staged)
    doc, corrections, errors = corrected(reading, typed)
    if errors:
        raise ImportRefused("；".join(errors))
    return import_published_source(
        reading,
        bytes(staged.data),
        staged.filename,
        staged.agency,
        user=user,
        replace=replace,
        document=doc,
        corrections=corrections,
        staged=staged,
    )


def state_label(report: Report) -> str:
    """The report's state as shown: 已发布（导入） when its figures were read from a published file."""
    if report.state == workflow.S.PUBLISHED and has_source(report):
        return IMPORTED_LABEL
    return report.get_state_display()


def has_source(report: Report) -> bool:
    try:
        return report.published_source is not None
    except PublishedSource.DoesNotExist:
        return False
