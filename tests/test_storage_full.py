"""A full and a read-only storage, for real: MEDIA_ROOT is a tmpfs of 1 MiB (an approved PDF is
about 280 KB) mounted for the test, filled until writes fail with ENOSPC, or remounted
read-only (EROFS). The approval never depends on the file being written: it commits with its
frozen values, the job says in Chinese that the storage is full, nothing truncated is left
behind, and once space is freed the next download stores exactly one PDF. Needs root (mount);
skipped, saying so, where mounting is not permitted.
"""

from __future__ import annotations

import copy
import errno
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from annual import storage
from annual.document import dumps
from annual.interchange import load_report, report_to_document
from annual.models import Job, JobKind, JobStatus, ReportSnapshot, ReportState, Transition
from annual.pdf.archival import read_embedded_document
from tests.personas import submit_and_approve

pytestmark = pytest.mark.django_db
FULL = "存储空间已满"


class Disk:
    """A mounted tmpfs that can be filled, freed and made read-only."""

    def __init__(self, root: Path):
        self.root = root
        self.filler = root / "filler"

    def fill(self, *, leave: int = 0) -> None:
        """Write until the disk refuses (ENOSPC), then give back `leave` bytes: less than a PDF."""
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        try:
            while True:
                os.write(fd, b"\0" * 65536)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
        finally:
            os.close(fd)
        if leave:
            os.truncate(self.filler, self.filler.stat().st_size - leave)

    def free(self) -> None:
        self.filler.unlink()

    def read_only(self) -> None:
        subprocess.run(["mount", "-o", "remount,ro", str(self.root)], check=True)

    def stored(self, folder: str) -> list[str]:
        """The names of the files under `folder`, as the storage would name them."""
        return sorted(str(p.relative_to(self.root)) for p in (self.root / folder).rglob("*") if p.is_file())


@pytest.fixture
def small_disk(settings, tmp_path, request) -> Disk:
    root = tmp_path / "media"
    root.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command here, so a full disk cannot be made")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(root)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here (needs root): {mounted.stderr.strip()}")
    request.addfinalizer(lambda: subprocess.run(["umount", str(root)], check=True))
    settings.MEDIA_ROOT = str(root)
    return Disk(root)


@pytest.mark.pdf
def test_full_storage_keeps_the_approval_says_so_and_a_retry_stores_one_pdf(
    client, personas, small_disk, django_capture_on_commit_callbacks
):
    small_disk.fill(leave=32 * 1024)  # the PDF's first 32 KiB fit, the rest does not
    report = submit_and_approve(personas, capture=django_capture_on_commit_callbacks)

    # The approval stands, with its frozen values; only the file is missing.
    assert report.state == ReportState.APPROVED
    assert Transition.objects.filter(report=report, to_state=ReportState.APPROVED).count() == 1
    snapshot = ReportSnapshot.objects.get(report=report)
    frozen = copy.deepcopy(snapshot.document)
    assert frozen == report_to_document(load_report(report.pk))
    assert not snapshot.ready and not snapshot.file and not snapshot.document_sha256
    job = Job.objects.get(kind=JobKind.FINAL_PDF)
    assert job.status == JobStatus.FAILED and job.error.startswith(f"文件存储写入失败：{FULL}")
    assert small_disk.stored("reports") == []  # the truncated PDF was not left behind

    client.force_login(personas.approver_a)
    page = client.get(reverse("report-approval", args=[report.pk])).content.decode()
    assert "定稿生成中" in page and FULL in page
    download = client.get(reverse("report-pdf", args=[report.pk]))  # tries again: still full
    assert download.status_code == 202 and FULL in download.content.decode()
    assert "Traceback" not in download.content.decode()
    assert Job.objects.get(pk=job.pk).attempts == 2

    small_disk.free()
    download = client.get(reverse("report-pdf", args=[report.pk]))
    assert download.status_code == 200 and download.content.startswith(b"%PDF-")
    snapshot = ReportSnapshot.objects.get(report=report)
    assert ReportSnapshot.objects.filter(report=report).count() == 1
    assert small_disk.stored("reports") == [snapshot.file.name]
    stored = (small_disk.root / snapshot.file.name).read_bytes()
    assert len(stored) > 32 * 1024
    assert hashlib.sha256(stored).hexdigest() == snapshot.sha256 == hashlib.sha256(download.content).hexdigest()
    # The PDF carries exactly the values frozen at approval, and their recorded digest.
    assert snapshot.document == frozen == read_embedded_document(download.content)
    assert snapshot.document_sha256 == hashlib.sha256(dumps(frozen).encode("utf-8")).hexdigest()
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == (JobStatus.DONE, 3, "")


@pytest.mark.pdf
def test_full_storage_draft_pdf_says_so_instead_of_a_500(client, personas, small_disk):
    small_disk.fill()
    client.force_login(personas.preparer_a)
    url = reverse("report-pdf", args=[personas.report_a.pk])
    response = client.get(url)
    text = response.content.decode()
    assert response.status_code == 503 and "无法生成 PDF" in text and FULL in text and "Traceback" not in text
    assert Job.objects.get(kind=JobKind.DRAFT_PDF).status == JobStatus.FAILED
    assert small_disk.stored("drafts") == []

    small_disk.free()
    response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")


def test_read_only_storage_is_named_as_such(small_disk):
    small_disk.read_only()
    with pytest.raises(storage.StoredFileError, match="文件存储写入失败：存储为只读"):
        storage.write("reports/1/approved.pdf", b"%PDF-1.7\n")
