"""Draft PDFs downloaded by many people at once while the report is being edited: every request
gets the PDF or the waiting page, never a 500. A request whose version was superseded (another
request dropped that version's job) follows the current version's job.

Real concurrency: threads, each with its own test client and database connection, against a
transactional test database on PostgreSQL (SQLite serialises writers, so it would test its own
locking instead)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse

from annual import storage
from annual.draft_pdfs import draft_key, draft_pdf_job, wait_for_draft
from annual.models import Job, JobKind, JobStatus, Report

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.pdf, pytest.mark.postgres]

DOWNLOADERS = 6
DOWNLOADS_EACH = 4


@pytest.fixture(autouse=True)
def _needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (./dev pg-test)")


def _edit(report_pk: int, stop: threading.Event, edits: list[int]) -> None:
    try:
        while not stop.is_set():
            report = Report.objects.get(pk=report_pk)
            report.overview = report.overview[:2000] + "改"
            report.save()
            edits.append(report.revision)
            time.sleep(0.3)
    finally:
        connections.close_all()


def _download(user, url: str, statuses: list[int], errors: list[str]) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    try:
        for _ in range(DOWNLOADS_EACH):
            response = client.get(url)
            statuses.append(response.status_code)
            if response.status_code >= 500:
                errors.append(response.content.decode(errors="replace")[:300])
    finally:
        connections.close_all()


def test_draft_pdf_downloads_while_editing_never_500(personas):
    report = personas.report_a
    url = reverse("report-pdf", args=[report.pk])
    stop, edits, statuses, errors = threading.Event(), [], [], []
    editor = threading.Thread(target=_edit, args=(report.pk, stop, edits))
    downloaders = [
        threading.Thread(target=_download, args=(user, url, statuses, errors))
        for user in [personas.preparer_a, personas.approver_a] * (DOWNLOADERS // 2)
    ]
    editor.start()
    for thread in downloaders:
        thread.start()
    for thread in downloaders:
        thread.join(timeout=600)
    stop.set()
    editor.join(timeout=60)
    assert len(edits) >= 2, "the report was edited while it was downloaded"
    assert len(statuses) == DOWNLOADERS * DOWNLOADS_EACH
    assert not errors, errors[0]
    assert set(statuses) <= {200, 202}, statuses
    # Once the editing stops, the download is the current version's draft.
    client = Client()
    client.force_login(personas.preparer_a)
    response = client.get(url)
    current = Job.objects.get(kind=JobKind.DRAFT_PDF, report=report, key=draft_key(Report.objects.get(pk=report.pk)))
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert current.status == JobStatus.DONE
    assert response.content == storage.read_verified(current.output.name, current.output_sha256)


def test_waiting_request_follows_the_newer_version_when_its_job_is_dropped(personas):
    report = personas.report_a
    old = Job.objects.create(kind=JobKind.DRAFT_PDF, report=report, key=draft_key(report), status=JobStatus.RUNNING)

    def finish_then_edit_and_download() -> None:
        # While the request below waits on `old`: its render finishes, the report is saved, and
        # another request for the new version drops the old version's finished entry, all
        # between two looks of the waiting request.
        try:
            time.sleep(0.5)
            with transaction.atomic():
                Job.objects.filter(pk=old.pk).update(status=JobStatus.DONE)
                saved = Report.objects.get(pk=report.pk)
                saved.overview += "改"
                saved.save()
                Job.objects.filter(pk=old.pk).delete()  # as draft_pdf_job drops an older version
            draft_pdf_job(saved)
        finally:
            connections.close_all()

    other = threading.Thread(target=finish_then_edit_and_download)
    other.start()
    job = wait_for_draft(report, 60.0)
    other.join()
    assert not Job.objects.filter(pk=old.pk).exists()
    assert job.pk != old.pk and job.key == draft_key(Report.objects.get(pk=report.pk))
    assert job.status == JobStatus.DONE
