"""The board's bulk downloads: every approved report's PDF, or every publication package, of a
county and year, as one ZIP built by a background job (`annual.county_archives.start_county_job`)."""

from __future__ import annotations

from dataclasses import dataclass

from .models import Agency, Job, JobKind, JobStatus

BULK_KINDS = (
    (JobKind.COUNTY_PDFS.value, "全部已通过报告的 PDF"),
    (JobKind.COUNTY_PACKAGES.value, "全部发布包"),
)
BULK_LABELS = dict(BULK_KINDS)


@dataclass
class BulkJob:
    job: Job

    @property
    def label(self) -> str:
        return BULK_LABELS[self.job.kind]

    @property
    def done(self) -> int:
        return int(self.job.params.get("done", 0))

    @property
    def total(self) -> int | None:
        total = self.job.params.get("total")
        return None if total is None else int(total)

    @property
    def ready(self) -> bool:
        return self.job.status == JobStatus.DONE and bool(self.job.output)

    @property
    def progress(self) -> str:
        """What the board shows of the job: its status, and how many reports are in so far."""
        status = self.job.get_status_display()
        if self.total is not None and not self.ready:
            status += f"（{self.done}/{self.total}）"
        if self.ready:
            missing = int(self.job.params.get("missing", 0))
            status = f"已完成：{self.total} 份报告" + (f"，其中 {missing} 份的文件尚未生成" if missing else "")
        return status


def bulk_jobs(agency: Agency, year: int) -> dict[str, BulkJob]:
    """The latest bulk job of each kind for the board of `agency` and `year` (one query)."""
    found: dict[str, BulkJob] = {}
    for job in Job.objects.filter(agency=agency, kind__in=BULK_LABELS, params__year=year).order_by(
        "-created_at", "-pk"
    ):
        found.setdefault(job.kind, BulkJob(job))
    return found
