"""The publication package: one zip for the portal, made from the frozen approved snapshot only.

Every member is derived from `ReportSnapshot.document` and the snapshot's stored PDF, never
from the report's current rows, so the package always matches the approved PDF and the
stamped copy (whose SHA-256 it repeats). `manifest.json` lists each member with its SHA-256
and size. Member dates are the snapshot's time, so downloading twice gives identical bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

from django.utils import timezone

from ..models import Report, ReportSnapshot
from ..snapshots import latest_snapshot
from .html import page_bytes
from .text import page_text_bytes

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "gov-info-annual-report-package/1"


class NotApproved(Exception):
    """The report has no approved snapshot; the message is safe to show to a user."""


def _xlsx_writer():
    # The workbook writer lives in annual.exports.xlsx (the XLSX export, built on its own
    # branch). Only that module's absence is tolerated (the manifest then lists no workbook);
    # any other import failure, e.g. of openpyxl, is an error, not a silently smaller package.
    try:
        from .xlsx import workbook_bytes
    except ModuleNotFoundError as exc:
        if exc.name != f"{__package__}.xlsx":
            raise
        return None
    return workbook_bytes


def package_members(snapshot: ReportSnapshot, *, title: str) -> dict[str, bytes]:
    """The package's files by name (without the manifest), from `snapshot` alone."""
    doc = snapshot.document
    members = {
        "report.pdf": bytes(snapshot.pdf),
        "report.html": page_bytes(doc, title=title),
        "report.txt": page_text_bytes(doc, title=title),
        "report.json": (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8"),
    }
    workbook = _xlsx_writer()
    if workbook is not None:
        members["report.xlsx"] = workbook(doc)
    return members


def manifest(snapshot: ReportSnapshot, members: dict[str, bytes], *, title: str) -> dict:
    doc = snapshot.document
    return {
        "format": MANIFEST_FORMAT,
        "title": title,
        "agency": doc["agency"],
        "year": doc["year"],
        "approved_at": timezone.localtime(snapshot.created_at).isoformat(timespec="seconds"),
        "approved_pdf_sha256": snapshot.sha256,
        "files": [{"name": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
                  for name, data in members.items()],
    }


def snapshot_package(snapshot: ReportSnapshot, *, title: str) -> bytes:
    """The zip of `snapshot`: its members and manifest.json."""
    members = package_members(snapshot, title=title)
    members[MANIFEST] = (json.dumps(manifest(snapshot, members, title=title), ensure_ascii=False, indent=2)
                         + "\n").encode("utf-8")
    stamp = timezone.localtime(snapshot.created_at).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return out.getvalue()


def report_package(report: Report) -> bytes:
    """The package of `report`'s latest approved snapshot; NotApproved if it was never approved."""
    snapshot = latest_snapshot(report)
    if snapshot is None:
        raise NotApproved(f"{report.agency.name} 的 {report.year} 年度报告尚未审核通过，没有定稿，不能生成发布包。")
    return snapshot_package(snapshot, title=report.display_title)
