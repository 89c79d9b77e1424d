"""Background jobs: what each kind of job does, and how it reaches a worker.

Every job is a `Job` row written first; the Celery task (annual/tasks.py) takes only its
primary key and calls `run`. Three properties hold for every kind:

- **Sent after commit.** `dispatch` hands the task to the broker in `transaction.on_commit`,
  so a worker never looks for a row that is not there yet, and a rolled-back request sends
  nothing. If the broker is down the row stays 「排队中」 without `sent_at`; `requeue_stale`
  (run by the worker when it starts and every minute by beat) sends it again. Nothing is lost.
- **Idempotent.** A finished job is not run again; the final PDF is stored under a name that
  carries its SHA-256 and recorded on the snapshot under a row lock, so a rerun (a worker
  killed mid-render, a message delivered twice) never makes a second snapshot or a second
  file on record.
- **Inline without a broker.** When `settings.HAS_CELERY` is false (the embedded default,
  `./dev run`, the test suite) `dispatch` runs the job at once in the calling process; a
  failure is recorded on the row instead of being raised, exactly as a worker would record it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import socket
import time
import zipfile
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.module_loading import import_string

from . import storage
from .models import Agency, Job, JobKind, JobStatus, Report, ReportSnapshot, ReportState

logger = logging.getLogger(__name__)

K, ST = JobKind, JobStatus

# The Celery task of each kind (explicit names, so renaming a Python function cannot orphan
# messages already in the queue).
TASK_NAMES: dict[str, str] = {
    K.FINAL_PDF: "annual.final_pdf",
    K.DRAFT_PDF: "annual.draft_pdf",
    K.NOTIFY: "annual.notify",
    K.REMINDERS: "annual.reminders",
    K.COUNTY_PDFS: "annual.county_pdfs",
    K.COUNTY_PACKAGES: "annual.county_packages",
}
# A job still 「生成中」 this long after it started lost its worker without a redelivery.
RUNNING_STALE = timedelta(minutes=30)
# Reports read per query by the county bulk jobs.
BATCH = 50


class JobError(Exception):
    """A job cannot do its work; the message (Chinese) is shown to users. `permanent` ones are not retried."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


def _target(pk: int | None, what: str) -> int:
    """The id of the job's `what`; jobs of the kinds that need one are always created with it."""
    if pk is None:
        raise JobError(f"任务缺少{what}，无法执行。", permanent=True)
    return pk


def describe(exc: BaseException) -> str:
    """The Chinese message recorded on a failed job (never a traceback)."""
    from .pdf import PdfRenderError

    if isinstance(exc, (JobError, storage.StoredFileError, PdfRenderError)):
        return str(exc)
    return f"内部错误（{exc.__class__.__name__}），请联系管理员。"


# --- Sending -----------------------------------------------------------------------------------


def dispatch(job: Job) -> None:
    """Get `job` done: after commit through the broker, or right now without one."""
    if settings.HAS_CELERY:
        transaction.on_commit(lambda: send(job.pk))
        return
    try:
        run(job.pk)
    except Exception:  # recorded on the row by run(); the caller's work stands
        logger.warning("job %s failed inline", job.pk, exc_info=True)


def send(job_pk: int) -> bool:
    """Hand job `job_pk` to the broker; False (and a note on the row) when the broker is down."""
    from reportsite.celery import app

    job = Job.objects.filter(pk=job_pk).only("pk", "kind").first()
    if job is None:
        return False
    try:
        app.send_task(TASK_NAMES[job.kind], args=[job.pk], retry=False)
    except Exception as exc:  # noqa: BLE001 - kombu/redis connection errors: the row waits for requeue_stale
        logger.warning("job %s not sent (%s); it will be sent again when the queue is back", job_pk, exc)
        Job.objects.filter(pk=job_pk, status=ST.QUEUED).update(
            error="任务队列暂时不可用，恢复后将自动执行，无需重新操作。"
        )
        return False
    Job.objects.filter(pk=job_pk).update(sent_at=timezone.now())
    return True


def requeue_stale(*, older_than: float = 60.0) -> int:
    """Send again the jobs that never reached the queue, and those whose worker vanished.

    Returns how many were sent. Safe to run anywhere, any number of times: jobs are idempotent.
    """
    now = timezone.now()
    never_sent = Job.objects.filter(
        status=ST.QUEUED, sent_at__isnull=True, created_at__lte=now - timedelta(seconds=older_than)
    )
    lost = Job.objects.filter(status__in=(ST.RUNNING, ST.RETRYING), started_at__lt=now - RUNNING_STALE)
    sent = 0
    for pk in list(never_sent.values_list("pk", flat=True)[:1000]) + list(lost.values_list("pk", flat=True)[:1000]):
        sent += send(pk)
    return sent


# About what one PDF takes a worker: a job not started this long before a request's deadline
# cannot be ready in time, so the request stops waiting and shows the waiting page at once.
RENDER_SECONDS = 1.0


def wait(job: Job, seconds: float) -> Job:
    """`job` re-read until it is finished or `seconds` have passed (for a request that may wait
    briefly), or until it is plain that it cannot finish in time: while the workers are busy a
    request does not hold its server thread for nothing."""
    deadline = time.monotonic() + seconds
    while not job.finished and time.monotonic() < deadline:
        if job.status == ST.QUEUED and deadline - time.monotonic() < RENDER_SECONDS:
            break
        # Five looks in the two seconds a request waits, not twenty queries competing with pages.
        time.sleep(0.2)
        job.refresh_from_db(fields=["status", "error", "attempts", "output", "output_sha256", "output_size"])
    return job


# --- Running -------------------------------------------------------------------------------------


def run(job_pk: int, *, final_attempt: bool = True) -> Job:
    """Do job `job_pk` once, unless it is already done, and record the outcome on its row.

    On failure the row says 「失败」 (or 「等待重试」 when `final_attempt` is false, i.e. the task
    will retry) with a Chinese message, and the exception is re-raised for the caller.
    """
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_pk)
        if job.status == ST.DONE:
            return job
        job.status = ST.RUNNING
        job.attempts += 1
        job.started_at = timezone.now()
        job.worker = f"{socket.gethostname()}:{os.getpid()}"
        job.save(update_fields=["status", "attempts", "started_at", "worker"])
    try:
        # Inline inside a caller's transaction (the approval), a failed job must not poison it.
        with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
            RUNNERS[job.kind](job)
    except Exception as exc:
        retrying = not final_attempt and not getattr(exc, "permanent", False)
        Job.objects.filter(pk=job.pk).update(
            status=ST.RETRYING if retrying else ST.FAILED,
            error=describe(exc),
            finished_at=None if retrying else timezone.now(),
        )
        raise
    job.status, job.error, job.finished_at = ST.DONE, "", timezone.now()
    job.save(update_fields=["status", "error", "finished_at", "output", "output_sha256", "output_size", "params"])
    return job


def _final_pdf(job: Job) -> None:
    from .snapshots import render_final_pdf

    snapshot = ReportSnapshot.objects.get(pk=_target(job.snapshot_id, "存档快照"))
    if not snapshot.ready:
        pdf, document_sha256 = render_final_pdf(
            snapshot, title=job.params.get("title") or snapshot.report.display_title
        )
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
    for hook in after_final_pdf:
        hook(snapshot)


# Called with the snapshot once its PDF is stored (e.g. to build the publication package);
# they run inside the final-PDF job, so they must be idempotent too and may raise to retry.
after_final_pdf: list = []


def draft_key(report: Report) -> str:
    """The version of `report` a draft PDF shows: any save or transition changes it."""
    return f"r{report.revision}-{report.state}-{report.updated_at.timestamp():.6f}"


def _draft_pdf(job: Job) -> None:
    from .interchange import load_report, report_to_document
    from .pdf import DraftMark, render_pdf
    from .snapshots import FROZEN_STATES

    report = load_report(_target(job.report_id, "报告"))
    if draft_key(report) != job.key:
        raise JobError("报告在生成期间已被修改，请重新下载。", permanent=True)
    draft = None
    if report.state not in FROZEN_STATES:
        draft = DraftMark(
            state=ReportState(report.state).label,
            printed_at=timezone.localtime(),
            changed_at=timezone.localtime(report.updated_at),
        )
    pdf = render_pdf(report_to_document(report), title=report.display_title, draft=draft)
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


def _notify(job: Job) -> None:
    from .workflow import send_notification

    send_notification(
        _target(job.report_id, "报告"), job.params["action"], job.params.get("actor"), job.params.get("reason", "")
    )


def _reminders(job: Job) -> None:
    from . import reminders

    sent = reminders.send_messages(job.params.get("args", {}).get("messages", []))
    job.params = {**job.params, "sent": sent}


def _county_reports(job: Job):
    """Ids of the county's (and every agency below it) reports of the job's year, approved or published."""
    county = Agency.objects.get(pk=_target(job.agency_id, "机关"))
    agencies = [county.pk] + [a.pk for a in county.descendants()]
    return list(
        Report.objects.filter(
            agency_id__in=agencies, year=job.params["year"], state__in=(ReportState.APPROVED, ReportState.PUBLISHED)
        )
        .order_by("agency__name")
        .values_list("pk", flat=True)
    )


def _county_archive(job: Job, entry) -> None:
    """Write one ZIP of `entry(report)` -> (name, bytes) for every county report, in batches."""
    ids = _county_reports(job)
    buffer = io.BytesIO()
    missing = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for start in range(0, len(ids), BATCH):
            for report in Report.objects.filter(pk__in=ids[start : start + BATCH]).select_related("agency"):
                found = entry(report)
                if found is None:
                    missing.append(report.display_title)
                else:
                    archive.writestr(*found)
            Job.objects.filter(pk=job.pk).update(
                params={**job.params, "total": len(ids), "done": min(start + BATCH, len(ids))}
            )
        if missing:
            archive.writestr(
                "未包含的报告.txt", "以下报告的文件尚未生成，未包含在本压缩包中：\n" + "\n".join(missing) + "\n"
            )
    data = buffer.getvalue()
    job.output.name = storage.write(f"county/{job.agency_id}/{job.kind}-{job.params['year']}-{job.pk}.zip", data)
    job.output_sha256, job.output_size = hashlib.sha256(data).hexdigest(), len(data)
    job.params = {**job.params, "total": len(ids), "done": len(ids), "missing": len(missing)}


def _county_pdfs(job: Job) -> None:
    from .snapshots import latest_snapshot_pdf

    def entry(report):
        snapshot = latest_snapshot_pdf(report)
        if snapshot is None or not snapshot.ready:
            return None
        return f"{report.agency.name}-{report.year}.pdf", snapshot.pdf

    _county_archive(job, entry)


def _county_packages(job: Job) -> None:
    dotted = getattr(settings, "ANNUAL_PACKAGE_BUILDER", "")
    if not dotted:
        raise JobError("发布包生成模块尚未接入，暂不能批量生成发布包。", permanent=True)
    build = import_string(dotted)  # report -> (file name, bytes) or None

    _county_archive(job, build)


RUNNERS: dict[str, Callable[[Job], None]] = {
    K.FINAL_PDF: _final_pdf,
    K.DRAFT_PDF: _draft_pdf,
    K.NOTIFY: _notify,
    K.REMINDERS: _reminders,
    K.COUNTY_PDFS: _county_pdfs,
    K.COUNTY_PACKAGES: _county_packages,
}


# --- Starting jobs -------------------------------------------------------------------------------


def start_final_pdf(snapshot: ReportSnapshot, *, user=None, title: str = "") -> Job:
    """The final-PDF job of `snapshot` (one per snapshot), created and dispatched if new."""
    job, created = Job.objects.get_or_create(
        kind=K.FINAL_PDF,
        snapshot=snapshot,
        defaults={"report_id": snapshot.report_id, "created_by": _user(user), "params": {"title": title}},
    )
    if created:
        dispatch(job)
    return job


def retry(job: Job) -> Job:
    """Run a failed (or never-sent) job again, e.g. when someone asks for its output."""
    if job.status == ST.FAILED or (job.status == ST.QUEUED and job.sent_at is None and settings.HAS_CELERY):
        Job.objects.filter(pk=job.pk).update(status=ST.QUEUED, error="" if job.status == ST.FAILED else job.error)
        job.refresh_from_db()
        dispatch(job)
        job.refresh_from_db()
    return job


def draft_pdf_job(report: Report, *, user=None) -> Job:
    """The cached draft PDF job of the report's current version; started (again) when needed.

    Entries of earlier versions of the report are dropped here, so a change never serves old
    bytes and the cache holds at most one finished draft per report (plus the size bound).
    """
    key = draft_key(report)
    job = Job.objects.filter(kind=K.DRAFT_PDF, report=report, key=key).first()
    if job is None:
        stale = Job.objects.filter(kind=K.DRAFT_PDF, report=report, status__in=(ST.DONE, ST.FAILED)).exclude(key=key)
        for name in list(stale.values_list("output", flat=True)):
            storage.delete_quietly(name)
        stale.delete()
        try:
            with transaction.atomic():
                job = Job.objects.create(kind=K.DRAFT_PDF, report=report, key=key, created_by=_user(user))
        except IntegrityError:  # another request created it a moment ago
            return Job.objects.get(kind=K.DRAFT_PDF, report=report, key=key)
        dispatch(job)
        job.refresh_from_db()
        return job
    return retry(job)


def start_notification(report_pk: int, action: str, *, actor=None, reason: str = "") -> Job:
    job = Job.objects.create(
        kind=K.NOTIFY,
        report_id=report_pk,
        created_by=_user(actor),
        params={"action": action, "actor": getattr(actor, "pk", None), "reason": reason},
    )
    dispatch(job)
    return job


def start_reminders(*, user=None, **args) -> Job:
    job = Job.objects.create(kind=K.REMINDERS, created_by=_user(user), params={"args": args})
    dispatch(job)
    return job


def start_county_job(kind: str, county: Agency, year: int, *, user=None) -> Job:
    """A bulk job over every approved report of `county` (and the agencies below it) for `year`."""
    if kind not in (K.COUNTY_PDFS, K.COUNTY_PACKAGES):
        raise ValueError(kind)
    job = Job.objects.create(kind=kind, agency=county, created_by=_user(user), params={"year": int(year)})
    dispatch(job)
    return job


def _user(user):
    return user if getattr(user, "is_authenticated", False) else None
