"""County bulk archives: one ZIP of every approved report of a county's round, made by a job.

Two kinds, one walk: 「全县定稿 PDF」 zips each report's stored approved PDF, 「全县发布包」 each
report's publication package. The reports of the county and of every agency below it, approved
or published in the job's year, are read in batches; the job's row shows the progress, and a
report whose file is not made yet is listed in the archive as not included.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable

from . import jobs, storage
from .exports.package import package_entry
from .models import Agency, Job, JobKind, Report, ReportState
from .snapshots import latest_snapshot_pdf

# Reports read per query.
BATCH = 50
KINDS = (JobKind.COUNTY_PDFS, JobKind.COUNTY_PACKAGES)


def start_county_job(kind: str, county: Agency, year: int, *, user=None) -> Job:
    """A bulk job over every approved report of `county` (and the agencies below it) for `year`."""
    if kind not in KINDS:
        raise ValueError(kind)
    return jobs.start(kind, user=user, agency=county, params={"year": int(year)})


def _county_reports(job: Job) -> list[int]:
    """Ids of the county's (and every agency below it) reports of the job's year, approved or published."""
    county = Agency.objects.get(pk=jobs.target(job.agency_id, "机关"))
    agencies = [county.pk] + [a.pk for a in county.descendants()]
    return list(
        Report.objects.filter(
            agency_id__in=agencies, year=job.params["year"], state__in=(ReportState.APPROVED, ReportState.PUBLISHED)
        )
        .order_by("agency__name")
        .values_list("pk", flat=True)
    )


def _county_archive(job: Job, entry: Callable[[Report], tuple[str, bytes] | None]) -> None:
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


def _approved_pdf(report: Report) -> tuple[str, bytes] | None:
    snapshot = latest_snapshot_pdf(report)
    if snapshot is None or not snapshot.ready:
        return None
    return f"{report.agency.name}-{report.year}.pdf", snapshot.pdf


@jobs.runner(JobKind.COUNTY_PDFS)
def county_pdfs(job: Job) -> None:
    _county_archive(job, _approved_pdf)


@jobs.runner(JobKind.COUNTY_PACKAGES)
def county_packages(job: Job) -> None:
    _county_archive(job, package_entry)
