"""Background jobs without a broker (the embedded default, jobs run inline) and with an
unreachable one (Redis down): the approval never depends on the final PDF job, failures are
recorded and visible, drafts are cached per report version within a size bound, the stored
PDFs move out of the database byte for byte. The real Redis + Celery worker path is in
tests/test_jobs_celery.py."""

from __future__ import annotations

import hashlib
import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from annual import jobs
from annual.county_archives import start_county_job
from annual.draft_pdfs import draft_key
from annual.models import Job, JobKind, JobStatus, Report, ReportSnapshot, ReportState
from annual.snapshots import start_final_pdf
from annual.workflow import perform_transition
from tests.personas import submit_and_approve

pytestmark = pytest.mark.django_db
S = ReportState


def broken(*args, **kwargs):
    raise RuntimeError("Pango exploded")


def test_inline_approval_stores_pdf_in_storage_and_serves_it_verified(
    client, personas, settings, django_capture_on_commit_callbacks
):
    report = submit_and_approve(personas, capture=django_capture_on_commit_callbacks)
    snapshot = ReportSnapshot.objects.get(report=report)
    job = Job.objects.get(kind=JobKind.FINAL_PDF)
    assert (job.status, job.attempts, job.snapshot_id, job.report_id) == (JobStatus.DONE, 1, snapshot.pk, report.pk)
    stored = Path(settings.MEDIA_ROOT) / snapshot.file.name
    assert (
        stored.read_bytes().startswith(b"%PDF-") and hashlib.sha256(stored.read_bytes()).hexdigest() == snapshot.sha256
    )
    assert snapshot.approval.to_state == S.APPROVED
    client.force_login(personas.preparer_a)
    response = client.get(reverse("report-pdf", args=[report.pk]))
    assert response.status_code == 200 and response.content == stored.read_bytes()
    # A stored file whose bytes changed is refused, never served.
    stored.write_bytes(stored.read_bytes() + b"%tampered")
    response = client.get(reverse("report-pdf", args=[report.pk]))
    assert response.status_code == 503 and "SHA-256 不一致" in response.content.decode()


@pytest.mark.pdf  # breaks WeasyPrint's layout, then renders for real
def test_failed_final_pdf_keeps_the_approval_shows_the_error_and_reruns_once(
    client, personas, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("annual.pdf.render.layout", broken)
    report = submit_and_approve(personas, capture=django_capture_on_commit_callbacks)
    assert report.state == S.APPROVED  # nothing approved depends on the job succeeding
    snapshot = ReportSnapshot.objects.get(report=report)
    job = Job.objects.get(kind=JobKind.FINAL_PDF)
    assert not snapshot.ready and job.status == JobStatus.FAILED and "生成 PDF 失败" in job.error
    for user in (personas.approver_a, personas.admin):
        client.force_login(user)
        page = client.get(reverse("report-approval", args=[report.pk])).content.decode()
        assert "定稿生成中" in page and "生成 PDF 失败" in page and "Pango" not in page
    response = client.get(reverse("report-pdf", args=[report.pk]))
    assert response.status_code == 202 and 'data-testid="job-wait"' in response.content.decode()
    assert "annual/job-wait" in response.content.decode() and "<script>" not in response.content.decode()

    monkeypatch.undo()  # the renderer is back: asking for the PDF runs the same job again
    response = client.get(reverse("report-pdf", args=[report.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == (JobStatus.DONE, 3, "")
    assert ReportSnapshot.objects.filter(report=report).count() == 1
    assert Job.objects.filter(kind=JobKind.FINAL_PDF).count() == 1
    assert hashlib.sha256(response.content).hexdigest() == ReportSnapshot.objects.get().sha256


@pytest.mark.postgres  # the stored PDF is claimed under select_for_update
def test_rerunning_a_finished_final_pdf_job_changes_nothing(personas, django_capture_on_commit_callbacks):
    report = submit_and_approve(personas, capture=django_capture_on_commit_callbacks)
    job = Job.objects.get(kind=JobKind.FINAL_PDF)
    before = ReportSnapshot.objects.values_list("pk", "file", "sha256").get()
    jobs.run(job.pk)
    start_final_pdf(ReportSnapshot.objects.get(report=report))
    assert ReportSnapshot.objects.values_list("pk", "file", "sha256").get() == before
    assert Job.objects.get(pk=job.pk).attempts == 1


@pytest.fixture
def read_only_media(settings):
    media = Path(settings.MEDIA_ROOT)
    (media / "reports").mkdir(parents=True, exist_ok=True)
    if subprocess.run(["chattr", "+i", str(media / "reports")], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here, so a read-only directory cannot be made")
    yield media / "reports"
    subprocess.run(["chattr", "-i", str(media / "reports")], check=True)


def test_read_only_storage_gives_a_clear_error_and_the_approval_stays(
    client, personas, read_only_media, django_capture_on_commit_callbacks
):
    report = submit_and_approve(personas, capture=django_capture_on_commit_callbacks)
    assert report.state == S.APPROVED and ReportSnapshot.objects.filter(report=report).count() == 1
    job = Job.objects.get(kind=JobKind.FINAL_PDF)
    assert job.status == JobStatus.FAILED and "文件存储写入失败：没有写权限" in job.error
    client.force_login(personas.approver_a)
    assert "文件存储写入失败" in client.get(reverse("report-approval", args=[report.pk])).content.decode()


def test_draft_pdf_is_cached_per_version_and_dropped_on_change(client, personas, settings):
    client.force_login(personas.preparer_a)
    url = reverse("report-pdf", args=[personas.report_a.pk])
    first = client.get(url)
    assert first.status_code == 200 and first.content.startswith(b"%PDF-")
    job = Job.objects.get(kind=JobKind.DRAFT_PDF)
    again = client.get(url)
    assert again.content == first.content  # the stored bytes, not a new render
    assert Job.objects.get(kind=JobKind.DRAFT_PDF).attempts == 1
    stored = Path(settings.MEDIA_ROOT) / job.output.name
    assert stored.exists()

    report = Report.objects.get(pk=personas.report_a.pk)
    report.overview = report.overview + "补充一句。"
    report.save()
    changed = client.get(url)
    assert changed.status_code == 200 and changed.content != first.content
    assert list(Job.objects.filter(kind=JobKind.DRAFT_PDF).values_list("key", flat=True)) == [
        draft_key(Report.objects.get(pk=report.pk))
    ]
    assert not stored.exists()


@pytest.mark.postgres  # evicts by a Sum over the cached drafts
def test_draft_cache_has_a_size_bound(client, personas, settings, django_capture_on_commit_callbacks):
    settings.DRAFT_PDF_CACHE_BYTES = 1  # anything finished beyond the newest entry is evicted
    client.force_login(personas.county_approver)
    for report in (personas.report_a, personas.report_b):
        with django_capture_on_commit_callbacks(execute=True):
            assert client.get(reverse("report-pdf", args=[report.pk])).status_code == 200
    assert Job.objects.filter(kind=JobKind.DRAFT_PDF).count() == 0
    assert not any(Path(settings.MEDIA_ROOT, "drafts").rglob("*.pdf"))


def test_mail_outage_fails_the_notification_job_not_the_transition(
    personas, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1
    with django_capture_on_commit_callbacks(execute=True):
        perform_transition(personas.report_a, "submit", user=personas.preparer_a)
    assert Report.objects.get(pk=personas.report_a.pk).state == S.SUBMITTED
    job = Job.objects.get(kind=JobKind.NOTIFY)
    assert job.status == JobStatus.FAILED and job.error.startswith("内部错误") and job.params["action"] == "submit"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    jobs.retry(job)
    assert Job.objects.get(pk=job.pk).status == JobStatus.DONE and len(mail.outbox) == 1


def test_county_bulk_job_zips_every_approved_pdf(personas, django_capture_on_commit_callbacks, settings):
    report = submit_and_approve(personas, capture=django_capture_on_commit_callbacks)
    job = start_county_job(JobKind.COUNTY_PDFS, personas.county, report.year, user=personas.county_approver)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.params["total"] == 1
    data = (Path(settings.MEDIA_ROOT) / job.output.name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == job.output_sha256
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == [f"{personas.agency_a.name}-{report.year}.pdf"]
        assert archive.read(archive.namelist()[0]) == ReportSnapshot.objects.get().pdf
    packages = start_county_job(JobKind.COUNTY_PACKAGES, personas.county, report.year)
    packages.refresh_from_db()
    assert packages.status == JobStatus.DONE
    data = (Path(settings.MEDIA_ROOT) / packages.output.name).read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        (name,) = archive.namelist()
        assert name == f"{report.display_title}（发布包）.zip"
        with zipfile.ZipFile(io.BytesIO(archive.read(name))) as package:
            assert package.read("report.pdf") == ReportSnapshot.objects.get().pdf
            assert "manifest.json" in package.namelist()


def test_broker_down_approval_commits_and_the_job_waits_on_its_row(
    client, personas, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """Redis unreachable: the approval commits, the job row stays 「排队中」 with a clear note."""
    from tests.jobs_stack import use_broker

    settings.HAS_CELERY = True
    monkeypatch.setattr("annual.views.pdf.PDF_WAIT_SECONDS", 0.2)
    use_broker("redis://127.0.0.1:1/0")  # nothing listens there
    try:
        report = submit_and_approve(personas, capture=django_capture_on_commit_callbacks)
        assert report.state == S.APPROVED
        job = Job.objects.get(kind=JobKind.FINAL_PDF)
        assert job.status == JobStatus.QUEUED and job.sent_at is None and "任务队列暂时不可用" in job.error
        assert Job.objects.filter(kind=JobKind.NOTIFY, status=JobStatus.QUEUED, sent_at__isnull=True).exists()
        client.force_login(personas.approver_a)
        assert "定稿生成中" in client.get(reverse("report-approval", args=[report.pk])).content.decode()
        response = client.get(reverse("report-pdf", args=[report.pk]))
        assert response.status_code == 202 and "任务队列暂时不可用" in response.content.decode()
        # Pages and saves keep working meanwhile.
        client.force_login(personas.preparer_b)
        assert client.get(reverse("home")).status_code == 200
        assert client.get(reverse("report-pdf", args=[personas.report_b.pk])).status_code == 202
    finally:
        use_broker(None)


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_migration_moves_database_pdfs_to_storage_byte_for_byte(settings):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate([("annual", "0008_agency_history_review_flag")])
        apps = executor.loader.project_state([("annual", "0008_agency_history_review_flag")]).apps
        agency = apps.get_model("annual", "Agency").objects.create(name="迁移测试机关")
        report = apps.get_model("annual", "Report").objects.create(agency=agency, year=2021, template="2021")
        pdf = b"%PDF-1.7\n" + bytes(range(256)) * 40
        old = apps.get_model("annual", "ReportSnapshot").objects.create(
            report=report, document={}, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest()
        )
        executor = MigrationExecutor(connection)
        executor.migrate([("annual", "0009_jobs")])
    finally:
        # On to the latest schema whatever happened: the model of today reads the row, and the
        # next test on this database must not find an old schema.
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    snapshot = ReportSnapshot.objects.get(pk=old.pk)
    assert snapshot.ready and snapshot.size == len(pdf)
    assert (Path(settings.MEDIA_ROOT) / snapshot.file.name).read_bytes() == pdf == snapshot.pdf
