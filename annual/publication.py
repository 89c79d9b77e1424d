"""What ties a paper copy to the approved file: the approval record, the 盖章页 and verification.

The stamped copy (盖章页) is a separate one-page PDF for an approved report: agency, year,
approval date, approver, the SHA-256 of the approved PDF and a QR code of the public
verification URL (DJANGO_SITE_URL + /verify/<sha256>/). The verification page says whether a
hash is that of a report's current approved PDF (有效), of one superseded by a newer approval
(已被取代, and when), of one whose report was reopened (已撤回, and when), or of nothing known;
it names agency, year and approval date, never the newer version's content.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .charts import report_charts, svg
from .formatting import format_date, person_name
from .models import Report, ReportSnapshot, ReportState, Transition
from .transitions import FROZEN_STATES

SHA256_RE = re.compile(r"[0-9a-f]{64}")
PRINT_CHART_MM = 150  # within the 156 mm 版心


@dataclass(frozen=True)
class Approval:
    """An approved snapshot as the 盖章页 and the verification page state it."""

    agency: str  # as printed in the report
    year: int
    approved_on: datetime.date
    approvers: tuple[str, ...]
    sha256: str

    @property
    def approved_on_text(self) -> str:
        return format_date(self.approved_on.isoformat())


def verify_url(sha256: str, site: str = "") -> str:
    """The public verification URL of a PDF hash, on DJANGO_SITE_URL, else on `site` (the
    address the request came to); a bare path when neither is known."""
    return (settings.SITE_URL or site).rstrip("/") + reverse("verify", args=[sha256])


def approval_of(snapshot: ReportSnapshot) -> Approval:
    """The approval record of `snapshot`: the approve transition it was frozen in (the latest at
    or before it), its approver and date; the snapshot's own time and creator otherwise."""
    approve = (
        Transition.objects.filter(
            report_id=snapshot.report_id, to_state=ReportState.APPROVED, at__lte=snapshot.created_at
        )
        .select_related("actor")
        .order_by("-at", "-pk")
        .first()
    )
    moment = approve.at if approve is not None else snapshot.created_at
    actor = approve.actor if approve is not None else snapshot.created_by
    return Approval(
        agency=snapshot.document["agency"],
        year=snapshot.document["year"],
        approved_on=timezone.localdate(moment),
        approvers=(person_name(actor),) if approve is not None or actor is not None else (),
        sha256=snapshot.sha256,
    )


VALID, SUPERSEDED, WITHDRAWN, UNKNOWN = "valid", "superseded", "withdrawn", "unknown"


@dataclass(frozen=True)
class Verification:
    """What /verify/ answers about a hash: `status` (VALID, SUPERSEDED by a newer approval,
    WITHDRAWN because its report was reopened, or UNKNOWN), the approval the hash belongs to
    (None when unknown) and `since`, when it stopped being valid."""

    status: str
    approval: Approval | None = None
    since: datetime.datetime | None = None
    snapshot: ReportSnapshot | None = None


def verification(digest: str) -> Verification:
    """The standing of the PDF whose SHA-256 is `digest`. A superseded or withdrawn PDF names
    only its own approval and the date it lost validity: never the newer version, which may not
    be published."""
    digest = digest.strip().lower()
    if not SHA256_RE.fullmatch(digest):
        return Verification(UNKNOWN)
    # The same values may render the same bytes: the latest approval with this hash counts.
    snapshot = ReportSnapshot.objects.filter(sha256=digest).select_related("report").order_by("-created_at", "-pk")
    found = snapshot.first()
    if found is None:
        return Verification(UNKNOWN)
    approval = approval_of(found)
    newer = (
        ReportSnapshot.objects.filter(report_id=found.report_id, created_at__gt=found.created_at)
        .order_by("created_at", "pk")
        .first()
    )
    if newer is not None:
        return Verification(SUPERSEDED, approval, newer.created_at, found)
    if found.report.state in FROZEN_STATES:
        return Verification(VALID, approval, snapshot=found)
    reopened = (
        Transition.objects.filter(report_id=found.report_id, at__gte=found.created_at, from_state__in=FROZEN_STATES)
        .exclude(to_state__in=FROZEN_STATES)
        .order_by("at", "pk")
        .first()
    )
    return Verification(WITHDRAWN, approval, reopened.at if reopened is not None else None, found)


def verified_snapshot(digest: str) -> ReportSnapshot | None:
    """The snapshot whose PDF has SHA-256 `digest`, if it is its report's current approved one."""
    if verification(digest).status != VALID:
        return None
    return ReportSnapshot.objects.filter(sha256=digest.strip().lower()).order_by("-created_at", "-pk").first()


def snapshot_signature(snapshot: ReportSnapshot):
    """The electronic signature of `snapshot`'s stored PDF (`annual.pdf.signing.SignatureCheck`:
    signer, time, whether the key is this deployment's), or None for a PDF approved before
    signing existed or a file that cannot be read. Cached by the file's SHA-256, whose bytes
    never change; the page is public, so a hash is validated once, not per request."""
    from django.core.cache import cache  # noqa: PLC0415

    # Late: pyHanko loads only when a verification page shows a signature; storage with it.
    from .pdf.signing import check_signature  # noqa: PLC0415
    from .storage import StoredFileError  # noqa: PLC0415

    def check():
        try:
            raw = bytes(snapshot.pdf)
        except StoredFileError:
            return None
        return check_signature(raw) if raw else None

    found = cache.get_or_set(f"pdf-signature:{snapshot.sha256}", check)
    return found if found is not None and found.state != "unsigned" else None


def qr_svg(url: str) -> str:
    """The QR code of `url` as inline SVG (error correction M, as printed copies get scuffed)."""
    return segno.make(url, error="m", micro=False).svg_inline(scale=4, border=2, omitsize=False)


def stamp_pdf(snapshot: ReportSnapshot, *, title: str, site: str = "") -> bytes:
    """The 盖章页 of an approved snapshot as a one-page PDF (WeasyPrint, the print fonts);
    `site` is this site's address for the verification URL when DJANGO_SITE_URL is unset."""
    from .pdf.render import html_to_pdf  # noqa: PLC0415 - WeasyPrint only in a process that prints

    approval = approval_of(snapshot)
    html = render_to_string(
        "annual/publish/stamp.html",
        {
            "title": title,
            "approval": approval,
            "verify_url": verify_url(approval.sha256, site),
            "qr": qr_svg(verify_url(approval.sha256, site)),
        },
    )
    return html_to_pdf(html)


def report_with_charts_pdf(doc: dict, *, title: str, draft=None) -> bytes | None:
    """The report's PDF with the optional 图解 page(s) after the signature; None if no chart has
    data. The charts are vector SVG in the print fonts; a draft (`draft`, a DraftMark) prints
    with its watermark and footer on every page, the 图解 included.

    The report part is the same print HTML as `render_pdf`'s; this file is a separate print, so
    the approved PDF (and its SHA-256) is never changed by it.
    """
    # Late: WeasyPrint only in a process that prints.
    from .pdf import render_html  # noqa: PLC0415
    from .pdf.render import html_to_pdf  # noqa: PLC0415

    charts = report_charts(doc)
    if not charts:
        return None
    section = render_to_string(
        "annual/publish/_charts_print.html",
        {
            "year": doc["year"],
            "charts": [svg(c, width_mm=PRINT_CHART_MM) for c in charts],
        },
    )
    html = render_html(doc, title=title, draft=draft, link_stylesheet=False)
    return html_to_pdf(html.replace("</body>", section + "</body>", 1))


def frozen(report: Report) -> bool:
    """Whether `report` is approved or published, i.e. has a frozen approved version to publish."""
    return report.state in FROZEN_STATES
