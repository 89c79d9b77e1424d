"""The job path for real: redis-server and a Celery worker (prefork) as subprocesses, on
PostgreSQL. Approval hands the final PDF to the worker; a worker process killed mid-render
leads to a rerun and exactly one snapshot; jobs created while Redis is down run once it and a
worker are back. Skipped (with the reason) without redis-server or without PostgreSQL."""

from __future__ import annotations

import hashlib
import os
import signal
import time
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import F
from django.urls import reverse

from annual.models import Job, JobKind, JobStatus, Report, ReportSnapshot, ReportState
from tests.jobs_stack import RedisServer, Worker, use_broker, wait_for
from tests.personas import submit_and_approve

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.pdf,
    pytest.mark.skipif(not RedisServer.available(), reason="redis-server is not installed (./dev installs it)"),
]
S = ReportState
LONG = "本机关坚持以公开为常态、不公开为例外，持续深化政务公开工作。" * 1000  # ~30 000 characters


@pytest.fixture(autouse=True)
def _needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("a worker process shares the test database only on PostgreSQL (./dev pg-test)")


@pytest.fixture
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def broker(settings, redis_server):
    """This process sends jobs to `redis_server`, as an app server with CELERY_BROKER_URL does."""
    settings.HAS_CELERY = True
    use_broker(redis_server.url)
    yield redis_server
    use_broker(None)


def worker_env(settings, redis_url: str) -> dict[str, str]:
    db = connection.settings_dict
    return {
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": redis_url,
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DJANGO_CONN_MAX_AGE": "0",
    }


@pytest.fixture
def worker(settings, broker, tmp_path):
    w = Worker(worker_env(settings, broker.url), tmp_path / "worker.log").start()
    yield w
    w.stop()


def approve(report, personas):
    submit_and_approve(personas, report)
    return Job.objects.get(kind=JobKind.FINAL_PDF, report=report)


def finished(job_pk: int):
    job = Job.objects.get(pk=job_pk)
    return job if job.finished else None


def assert_one_verified_snapshot(report, settings):
    snapshot = ReportSnapshot.objects.get(report=report)  # exactly one
    data = (Path(settings.MEDIA_ROOT) / snapshot.file.name).read_bytes()
    assert data.startswith(b"%PDF-") and hashlib.sha256(data).hexdigest() == snapshot.sha256
    assert Job.objects.filter(kind=JobKind.FINAL_PDF, report=report).count() == 1
    return snapshot, data


def test_worker_renders_final_pdf_and_draft_and_sends_mail(client, personas, settings, worker, mailoutbox):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    report = personas.report_a
    job = approve(report, personas)
    assert Report.objects.get(pk=report.pk).state == S.APPROVED  # committed before any render
    done = wait_for(lambda: finished(job.pk), timeout=180, what="the final PDF job")
    assert done.status == JobStatus.DONE and done.attempts == 1 and str(os.getpid()) not in done.worker
    snapshot, data = assert_one_verified_snapshot(report, settings)
    client.force_login(personas.approver_a)
    assert client.get(reverse("report-pdf", args=[report.pk])).content == data
    # The notifications went through the worker too (its own mail backend: console).
    notify = Job.objects.filter(kind=JobKind.NOTIFY)
    wait_for(lambda: all(j.finished for j in notify.all()), timeout=60, what="the mail jobs")
    assert {j.status for j in notify} == {JobStatus.DONE}

    # A draft: the request waits briefly, then the waiting page; the worker fills the cache.
    client.force_login(personas.preparer_b)
    url = reverse("report-pdf", args=[personas.report_b.pk])
    first = client.get(url)
    draft = Job.objects.get(kind=JobKind.DRAFT_PDF)
    if first.status_code == 202:
        assert reverse("job-status", args=[draft.pk]) in first.content.decode()
        wait_for(lambda: finished(draft.pk), timeout=120, what="the draft job")
        status = client.get(reverse("job-status", args=[draft.pk])).json()
        assert status["status"] == "done" and status["finished"] is True
        first = client.get(url)
    assert first.status_code == 200 and first.content.startswith(b"%PDF-")
    assert Job.objects.get(pk=draft.pk).worker != ""


def test_worker_killed_mid_render_reruns_with_exactly_one_snapshot(personas, settings, worker):
    report = personas.report_a
    Report.objects.filter(pk=report.pk).update(overview=LONG, problems=LONG, other_matters=LONG)
    job = approve(report, personas)
    running = wait_for(
        lambda: Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).exclude(worker="").first(),
        timeout=120,
        what="the worker to start rendering",
    )
    pid = int(running.worker.rsplit(":", 1)[1])
    os.kill(pid, signal.SIGKILL)  # the pool process dies mid-render; the message goes back
    done = wait_for(lambda: finished(job.pk), timeout=300, what="the rerun of the final PDF job")
    assert done.status == JobStatus.DONE and done.attempts == 2, worker.log.read_text(errors="replace")[-2000:]
    assert done.worker != running.worker
    assert_one_verified_snapshot(report, settings)
    assert "WorkerLostError" in worker.log.read_text(errors="replace")


def test_jobs_made_while_redis_is_down_run_when_it_is_back(client, personas, settings, broker, tmp_path):
    broker.stop()
    report = personas.report_a
    job = approve(report, personas)  # no error for the approver
    assert Report.objects.get(pk=report.pk).state == S.APPROVED
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.sent_at is None and "恢复后将自动执行" in job.error
    client.force_login(personas.preparer_a)
    assert client.get(reverse("home")).status_code == 200  # pages keep working

    broker.start()  # same port: the worker's start-up sweep sends what was waiting
    w = Worker(worker_env(settings, broker.url), tmp_path / "worker.log").start()
    try:
        done = wait_for(lambda: finished(job.pk), timeout=180, what="the job sent after Redis came back")
    finally:
        w.stop()
    assert done.status == JobStatus.DONE and done.sent_at is not None
    assert_one_verified_snapshot(report, settings)


@pytest.mark.postgres
def test_whole_worker_killed_mid_render_is_sent_again_once_its_heartbeat_stops(personas, settings, broker, tmp_path):
    """The whole worker dies (not just a pool process): no message comes back before Redis's
    visibility timeout (an hour), but the job's heartbeat stops, and the next worker's sweep
    sends it again: the report does not stay 「定稿生成中」 for half an hour."""
    env = worker_env(settings, broker.url) | {"DJANGO_JOB_HEARTBEAT_SECONDS": "1"}
    first = Worker(env, tmp_path / "first.log").start()
    report = personas.report_a
    Report.objects.filter(pk=report.pk).update(overview=LONG, problems=LONG, other_matters=LONG)
    job = approve(report, personas)
    beating = wait_for(
        lambda: Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, heartbeat_at__gt=F("started_at")).first(),
        timeout=120,
        what="the worker to render and beat",
    )
    os.killpg(first.proc.pid, signal.SIGKILL)  # the worker, its pool and its heartbeat, all at once
    first.proc.wait(timeout=30)
    first.stop()
    assert Job.objects.get(pk=job.pk).status == JobStatus.RUNNING  # 「定稿生成中」, with nobody at work
    time.sleep(5)  # four missed beats
    second = Worker(env, tmp_path / "second.log", beat=True).start()
    try:
        done = wait_for(lambda: finished(job.pk), timeout=180, what="the job sent again after its worker died")
    finally:
        second.stop()
    assert done.status == JobStatus.DONE and done.attempts == 2 and done.worker != beating.worker
    assert done.sent_at > beating.heartbeat_at
    assert_one_verified_snapshot(report, settings)
