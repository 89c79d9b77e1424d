"""The Celery tasks, the top floor of the jobs: one task per kind, each a thin wrapper around
`annual.jobs.run`.

Importing the modules that hold the job bodies registers each body with the port
(`@jobs.runner`), so a worker, which imports this module, can run every kind.

Every task takes the `Job` primary key only, acknowledges its message after the work
(`acks_late`) and gives it back when its worker process dies (`reject_on_worker_lost`), so a
pool process killed mid-render leads to a rerun; `jobs.run` makes the rerun harmless. When the
whole worker dies no message comes back for an hour (the broker's visibility timeout); the
job's heartbeat stops instead, and the sweep (`requeue_stale`, on start-up and every minute)
sends it again. Failures are retried with exponential backoff; the last failure stays on the
row for the approver and admin.
"""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready

# The modules of the job bodies, imported so that each body registers with the port.
from . import county_archives, draft_pdfs, jobs, notifications, reminders, snapshots  # noqa: F401
from .models import JobKind

# Retries per kind: the final PDF and mail matter most; a draft is asked for again anyway.
MAX_RETRIES = {
    JobKind.FINAL_PDF: 8,
    JobKind.DRAFT_PDF: 1,
    JobKind.NOTIFY: 6,
    JobKind.REMINDERS: 3,
    JobKind.COUNTY_PDFS: 2,
    JobKind.COUNTY_PACKAGES: 2,
}


def backoff(retries: int) -> int:
    """Seconds before retry number `retries` + 1: 10, 20, 40 … capped at 15 minutes."""
    return min(900, 10 * 2**retries)


def _job_task(kind: JobKind):
    def task(self, job_pk: int) -> None:
        last = self.request.retries >= self.max_retries
        try:
            jobs.run(job_pk, final_attempt=last, beating=True)
        except jobs.Job.DoesNotExist:  # deleted (e.g. an evicted draft): nothing to do
            return
        except Exception as exc:
            if last or getattr(exc, "permanent", False):
                return  # recorded on the row as 「失败」; acknowledging ends it
            raise self.retry(exc=exc, countdown=backoff(self.request.retries)) from exc

    task.__name__ = task.__qualname__ = f"{kind}_task"
    return shared_task(
        name=jobs.TASK_NAMES[kind], bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES[kind]
    )(task)


TASKS = {kind: _job_task(kind) for kind in JobKind}


@worker_ready.connect
def _send_waiting_jobs(**kwargs) -> None:
    # Jobs created while the broker was down, or lost with a worker, are sent as soon as a
    # worker is back.
    jobs.requeue_stale(older_than=0)


@shared_task(name="annual.requeue_stale")
def requeue_stale() -> int:
    """Beat runs this every minute: jobs the broker never got, or whose worker vanished."""
    return jobs.requeue_stale()
