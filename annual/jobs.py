"""Background jobs, the port: how a job reaches a worker and how its outcome is recorded.

Every job is a `Job` row written first; the Celery task (annual/tasks.py) takes only its
primary key and calls `run`, which calls the body registered for the job's kind with
`@jobs.runner(kind)`. The bodies live beside their domains (the final PDF in
annual/snapshots.py, the draft-PDF cache in annual/draft_pdfs.py, notifications in
annual/notifications.py, reminders in annual/reminders.py, the county archives in
annual/county_archives.py); annual/tasks.py imports them all so a worker knows every kind, and a
web process knows the kinds it starts because it imported the module that starts them. This
module imports only the models and the storage. Four properties hold for every kind:

- **Sent after commit.** `dispatch` hands the task to the broker in `transaction.on_commit`,
  so a worker never looks for a row that is not there yet, and a rolled-back request sends
  nothing. If the broker is down the row stays 「排队中」 without `sent_at`; `requeue_stale`
  (run by the worker when it starts and every minute by beat) sends it again. Nothing is lost.
- **Idempotent.** A finished job is not run again; the final PDF is stored under a name that
  carries its SHA-256 and recorded on the snapshot under a row lock, so a rerun (a worker
  killed mid-render, a message delivered twice) never makes a second snapshot or a second
  file on record.
- **Alive or re-sent.** While a worker runs a job, a thread beats on the row every
  `HEARTBEAT_SECONDS`; a 「生成中」 job without a beat for `HEARTBEAT_STALE` lost its worker
  (the whole worker killed, the machine gone) and `requeue_stale` sends it again, within a
  minute or two instead of when Redis's visibility timeout (an hour) gives the message back.
- **Inline without a broker.** When `settings.HAS_CELERY` is false (the embedded default,
  `./dev run`, the test suite) `dispatch` runs the job at once in the calling process; a
  failure is recorded on the row instead of being raised, exactly as a worker would record it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from . import storage
from .models import Job, JobKind, JobStatus

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
# A job 「等待重试」 this long after its last start lost the worker that held its retry (the
# longest backoff is 15 minutes).
RUNNING_STALE = timedelta(minutes=30)
# A running job's worker writes `heartbeat_at` this often; a job silent for HEARTBEAT_STALE is lost.
HEARTBEAT_SECONDS = settings.JOB_HEARTBEAT_SECONDS
HEARTBEAT_STALE = timedelta(seconds=4 * HEARTBEAT_SECONDS)


class JobError(Exception):
    """A job cannot do its work; the message (Chinese) is shown to users. `permanent` ones are not retried."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


def target(pk: int | None, what: str) -> int:
    """The id of the job's `what`; jobs of the kinds that need one are always created with it."""
    if pk is None:
        raise JobError(f"任务缺少{what}，无法执行。", permanent=True)
    return pk


def describe(exc: BaseException) -> str:
    """The Chinese message recorded on a failed job (never a traceback)."""
    if isinstance(exc, (JobError, storage.StoredFileError)):
        return str(exc)
    return f"内部错误（{exc.__class__.__name__}），请联系管理员。"


# --- The registry ------------------------------------------------------------------------------

RUNNERS: dict[str, Callable[[Job], None]] = {}


def runner(kind: str) -> Callable[[Callable[[Job], None]], Callable[[Job], None]]:
    """Register the decorated function as the body of jobs of `kind` (one body per kind)."""

    def register(body: Callable[[Job], None]) -> Callable[[Job], None]:
        if RUNNERS.get(kind, body) is not body:
            raise ValueError(f"a body for {kind} jobs is already registered")
        RUNNERS[kind] = body
        return body

    return register


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
    # The Celery app is the broker's client, not a project layer; read late so that importing the
    # port (every web request's modules) does not build it.
    from reportsite.celery import app  # noqa: PLC0415

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
    lost = Job.objects.annotate(beat=Coalesce("heartbeat_at", "started_at")).filter(
        Q(status=ST.RUNNING, beat__lt=now - HEARTBEAT_STALE) | Q(status=ST.RETRYING, started_at__lt=now - RUNNING_STALE)
    )
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


def run(job_pk: int, *, final_attempt: bool = True, beating: bool = False) -> Job:
    """Do job `job_pk` once, unless it is already done, and record the outcome on its row.

    `beating` (the worker's tasks) keeps `heartbeat_at` fresh while the body runs.

    On failure the row says 「失败」 (or 「等待重试」 when `final_attempt` is false, i.e. the task
    will retry) with a Chinese message, and the exception is re-raised for the caller.
    """
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_pk)
        if job.status == ST.DONE:
            return job
        job.status = ST.RUNNING
        job.attempts += 1
        job.started_at = job.heartbeat_at = timezone.now()
        job.worker = f"{socket.gethostname()}:{os.getpid()}"
        job.save(update_fields=["status", "attempts", "started_at", "heartbeat_at", "worker"])
    try:
        body = RUNNERS.get(job.kind)
        if body is None:
            raise JobError(f"本进程没有登记“{job.get_kind_display()}”任务的执行代码，请联系管理员。", permanent=True)
        # Inline inside a caller's transaction (the approval), a failed job must not poison it.
        with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
            with heartbeat(job.pk) if beating else contextlib.nullcontext():
                body(job)
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


@contextlib.contextmanager
def heartbeat(job_pk: int) -> Iterator[None]:
    """While the block runs, a thread writes `heartbeat_at` on job `job_pk` every
    `HEARTBEAT_SECONDS` (on a connection of its own, outside the body's transaction)."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(HEARTBEAT_SECONDS):
                Job.objects.filter(pk=job_pk, status=ST.RUNNING).update(heartbeat_at=timezone.now())
        finally:
            connections.close_all()

    thread = threading.Thread(target=beat, name=f"job-{job_pk}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


# --- Starting jobs -------------------------------------------------------------------------------


def start(kind: str, *, user=None, **fields) -> Job:
    """A new job of `kind` (its row written with `fields`), dispatched."""
    job = Job.objects.create(kind=kind, created_by=user_or_none(user), **fields)
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


def user_or_none(user):
    """The user who starts a job, as the row records it (None for an anonymous or absent one)."""
    return user if getattr(user, "is_authenticated", False) else None
