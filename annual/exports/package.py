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

from ..document import dumps
from ..models import Report, ReportSnapshot
from ..pdf.archival import DOCUMENT_NAME, WORKBOOK_NAME, embedded_files
from ..transitions import FROZEN_STATES
from .html import page_bytes
from .text import page_text_bytes
from .xlsx import workbook_bytes

MANIFEST = "manifest.json"
MANIFEST_FORMAT = "gov-info-annual-report-package/1"


class NotApproved(Exception):
    """The report has no approved snapshot; the message is safe to show to a user."""


def package_members(snapshot: ReportSnapshot, *, title: str) -> dict[str, bytes]:
    """The package's files by name (without the manifest), from `snapshot` alone."""
    doc = snapshot.document
    pdf = bytes(snapshot.pdf)
    # The JSON and the workbook are the very files the approved PDF carries, byte for byte; a
    # snapshot frozen before PDFs carried them gets them written from its document.
    embedded = embedded_files(pdf)
    return {
        "report.pdf": pdf,
        "report.html": page_bytes(doc, title=title),
        "report.txt": page_text_bytes(doc, title=title),
        "report.json": embedded.get(DOCUMENT_NAME) or dumps(doc).encode("utf-8"),
        "report.xlsx": embedded.get(WORKBOOK_NAME) or workbook_bytes(doc),
    }


def manifest(snapshot: ReportSnapshot, members: dict[str, bytes], *, title: str) -> dict:
    doc = snapshot.document
    return {
        "format": MANIFEST_FORMAT,
        "title": title,
        "agency": doc["agency"],
        "year": doc["year"],
        "approved_at": timezone.localtime(snapshot.created_at).isoformat(timespec="seconds"),
        "approved_pdf_sha256": snapshot.sha256,
        "files": [
            {"name": name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            for name, data in members.items()
        ],
    }


def snapshot_package(snapshot: ReportSnapshot, *, title: str) -> bytes:
    """The zip of `snapshot`: its members and manifest.json."""
    members = package_members(snapshot, title=title)
    members[MANIFEST] = (
        json.dumps(manifest(snapshot, members, title=title), ensure_ascii=False, indent=2) + "\n"
    ).encode("utf-8")
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
    """The package of `report`'s latest approved snapshot; NotApproved unless the report is
    approved or published now. A reopened report's last snapshot is superseded (what it says
    is being changed): the web and `export_report` both refuse it here."""
    never = f"{report.agency.name} 的 {report.year} 年度报告尚未审核通过，没有定稿，不能生成发布包。"
    snapshot = report.snapshots.first()  # the newest: snapshots are ordered newest first
    if report.state not in FROZEN_STATES and snapshot is not None:
        raise NotApproved(
            f"{report.agency.name} 的 {report.year} 年度报告已重新打开（当前状态“{report.get_state_display()}”），"
            "此前的定稿已失效，不能生成发布包；重新审核通过后再导出。"
        )
    if report.state not in FROZEN_STATES or snapshot is None:
        raise NotApproved(never)
    return snapshot_package(snapshot, title=report.display_title)


def package_entry(report: Report) -> tuple[str, bytes] | None:
    """`report`'s package as one member of the county bulk archive (`annual.jobs`), named after
    the report; None when it was never approved (the archive lists it as not included)."""
    try:
        return f"{report.display_title}（发布包）.zip", report_package(report)
    except NotApproved:
        return None
