"""The draft-PDF cache: one rendered draft per version of a report, made by a job.

A version is the report's revision, state and time of its last change (`draft_key`). The first
request for a version creates its job (kind 「草稿 PDF」); later requests wait on that job, then
serve its stored file. A new version drops the older versions' finished entries, and the cache
as a whole is bounded by `DRAFT_PDF_CACHE_BYTES`, least recently used first.

While one request waits on a version, another may save the report and so drop that version's
job: the waiting request then follows the job of the version that is current now
(`wait_for_draft`), never an error.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from . import jobs, storage
from .interchange import load_report, report_to_document
from .models import Job, JobKind, JobStatus, Report, ReportState
from .transitions import FROZEN_STATES

K, ST = JobKind, JobStatus
SUPERSEDED = "报告在生成期间已被修改，请重新下载。"


def draft_key(report: Report) -> str:
    """The version of `report` a draft PDF shows: any save or transition changes it."""
    return f"r{report.revision}-{report.state}-{report.updated_at.timestamp():.6f}"


def _current_key(report_pk: int) -> str | None:
    """The version of the report as it is saved now (None once the report is gone)."""
    current = Report.objects.filter(pk=report_pk).only("revision", "state", "updated_at").first()
    return draft_key(current) if current is not None else None


@jobs.runner(K.DRAFT_PDF)
def draft_pdf(job: Job) -> None:
    from .pdf import DraftMark, PdfRenderError, render_pdf  # noqa: PLC0415 - WeasyPrint only where it renders

    report = load_report(jobs.target(job.report_id, "报告"))
    if draft_key(report) != job.key:
        raise jobs.JobError(SUPERSEDED, permanent=True)
    draft = None
    if report.state not in FROZEN_STATES:
        draft = DraftMark(
            state=ReportState(report.state).label,
            printed_at=timezone.localtime(),
            changed_at=timezone.localtime(report.updated_at),
        )
    try:
        pdf = render_pdf(report_to_document(report), title=report.display_title, draft=draft)
    except PdfRenderError as exc:
        raise jobs.JobError(str(exc)) from exc
    job.output.name = storage.write(f"drafts/{report.pk}/draft-{job.pk}.pdf", pdf)
    job.output_sha256, job.output_size = hashlib.sha256(pdf).hexdigest(), len(pdf)
    job.used_at = timezone.now()
    Job.objects.filter(pk=job.pk).update(used_at=job.used_at)
    transaction.on_commit(evict_drafts)


def evict_drafts() -> None:
    """Delete the least recently used cached drafts until they fit in `DRAFT_PDF_CACHE_BYTES`."""
    bound = settings.DRAFT_PDF_CACHE_BYTES
    done = Job.objects.filter(kind=K.DRAFT_PDF, status=ST.DONE)
    total = done.aggregate(total=Sum("output_size"))["total"] or 0
    if total <= bound:
        return
    for pk, name, size in done.order_by("used_at", "pk").values_list("pk", "output", "output_size").iterator():
        if total <= bound:
            break
        if Job.objects.filter(pk=pk, status=ST.DONE).delete()[0]:
            storage.delete_quietly(name)
            total -= size


def draft_pdf_job(report: Report, *, user=None) -> Job:
    """The cached draft PDF job of the report's version as saved now; started (again) when needed.

    The version is read afresh, not taken from `report`: a request holding an older copy must
    neither start a job for a version that is gone nor drop the newer version's entry. Entries
    of earlier versions are dropped here, so a change never serves old bytes and the cache holds
    one finished draft per report (a render of an older version that finishes after a newer
    one began stays until the next change or the size bound drops it).
    """
    while True:
        key = _current_key(report.pk)
        if key is None:
            raise Report.DoesNotExist
        job = Job.objects.filter(kind=K.DRAFT_PDF, report_id=report.pk, key=key).first()
        if job is not None:
            try:
                return jobs.retry(job)
            except Job.DoesNotExist:  # dropped by a newer version's request meanwhile
                continue
        stale = Job.objects.filter(kind=K.DRAFT_PDF, report_id=report.pk, status__in=(ST.DONE, ST.FAILED)).exclude(
            key=key
        )
        for name in list(stale.values_list("output", flat=True)):
            storage.delete_quietly(name)
        stale.delete()
        try:
            with transaction.atomic():
                job = Job.objects.create(
                    kind=K.DRAFT_PDF, report_id=report.pk, key=key, created_by=jobs.user_or_none(user)
                )
        except IntegrityError:  # another request created it a moment ago: take that one
            continue
        jobs.dispatch(job)
        try:
            job.refresh_from_db()
        except Job.DoesNotExist:  # already dropped (a newer version, the size bound): the caller follows
            pass
        return job


def superseded(job: Job) -> bool:
    """`job` failed only because the report changed before it began: a newer version replaces it."""
    return job.status == ST.FAILED and job.error == SUPERSEDED


def wait_for_draft(report: Report, seconds: float, *, user=None) -> Job:
    """The draft job of the report's current version, waited on for up to `seconds`.

    A job may be superseded while the request waits: another request saved the report and
    dropped this version's entry (the row is gone), or the job found the report changed (it
    failed as superseded). Either way the request follows the current version's job, for what
    is left of its time; the caller shows the waiting page for a job that is not finished.
    """
    deadline = time.monotonic() + seconds
    job = draft_pdf_job(report, user=user)
    while True:
        try:
            job = jobs.wait(job, max(0.0, deadline - time.monotonic()))
        except Job.DoesNotExist:
            pass  # dropped by a newer version's request
        else:
            if not superseded(job):
                return job
        job = draft_pdf_job(report, user=user)
        if time.monotonic() >= deadline:
            return job
