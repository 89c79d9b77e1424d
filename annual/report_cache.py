"""What pages derive from one saved version of a report, cached under that version's stamp:
its interchange document, last year's document it is compared with, and the parts of its pages
that are expensive to draw (`fragment`, used by templatetags/fragment_tags.py).

Every key carries the report's stamp (id, revision, time of its last change) and the release
of the code that derived the value (`RELEASE`), so an entry is never stale: a save or a
transition makes a new stamp, a deployment a new release, and old entries only age out. Any cache backend can serve it:
per-process memory on the embedded default, Redis shared by every app server in production. A
cache that is down costs the queries, not the page (settings.CACHES ignores its errors).

Only pages read through here. Writers (saving, workflow, imports) keep reading the rows
themselves, inside their own transactions.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import cast

from django.conf import settings
from django.core.cache import cache
from django.db.models import CharField, Exists, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat

from . import culprit, interchange, rules, sections
from .models import Report, ReviewComment


def _source_digest() -> str:
    """A digest of the project's own code and templates, for a process told no release."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for folder in ("annual", "reportsite", "templates"):
        for path in sorted((root / folder).rglob("*")):
            if path.suffix in (".py", ".html") and "migrations" not in path.parts:
                digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return "src-" + digest.hexdigest()[:16]


# The release of the code that derives every cached value: a deployment that changes how a
# document, a finding or a page is drawn must not serve values drawn by the old code from a
# shared cache. Production names its release (DJANGO_RELEASE, README); `./dev` sets it from the
# git commit, with a digest of any uncommitted change. A process told neither (a bare
# `manage.py runserver` or `pytest` in a checkout) falls back to a digest of the project's own
# source and templates, which still changes whenever the code does; it leaves out the installed
# libraries, which is why a deployment that upgrades them must name a new release.
RELEASE = settings.RELEASE or _source_digest()
TIMEOUT = 60 * 60 * 24 * 7


def stamp(pk: int, revision: int, updated_at: datetime.datetime) -> str:
    """The version of a saved report: any save bumps the revision, any save at all the time."""
    return f"{pk}.{revision}.{updated_at.timestamp():.6f}"


def stamp_of(report: Report) -> str:
    return stamp(report.pk, report.revision, report.updated_at)


def documents(reports: Iterable[Report]) -> dict[int, dict]:
    """The document of each saved report, by id; the missing ones are built with their rows
    read in bulk (interchange.documents_of) and kept."""
    reports = list(reports)
    keys = {r.pk: f"doc:{RELEASE}:{stamp_of(r)}" for r in reports}
    found = cache.get_many(list(keys.values()))
    result = {pk: found[key] for pk, key in keys.items() if key in found}
    missing = [r for r in reports if r.pk not in result]
    if missing:
        built = interchange.documents_of(missing)
        cache.set_many({keys[pk]: doc for pk, doc in built.items()}, TIMEOUT)
        result.update(built)
    return result


def document(report: Report) -> dict:
    return documents([report])[report.pk]


def _database_stamp() -> Concat:
    """A report's stamp as the database writes it: opaque, only ever compared with itself."""
    return Concat(
        Cast("pk", CharField()), Value("."), Cast("revision", CharField()), Value("."), Cast("updated_at", CharField())
    )


def page_reports() -> QuerySet[Report]:
    """Reports with what a report page would otherwise ask in queries of its own: the agency,
    the stamp of last year's report (for `previous_document`) and whether any review comment
    is open (the comments box asks for them only then)."""
    last = Report.objects.filter(agency__name=OuterRef("agency__name"), year=OuterRef("year") - 1)
    return Report.objects.select_related("agency").annotate(
        previous_stamp=Subquery(last.annotate(stamp=_database_stamp()).values("stamp")[:1]),
        has_open_comments=Exists(ReviewComment.objects.filter(report=OuterRef("pk"), resolved_at__isnull=True)),
    )


def _previous_stamp(report: Report) -> str | None:
    if hasattr(report, "previous_stamp"):  # read with the report (page_reports)
        found = report.previous_stamp
    else:
        found = (
            Report.objects.filter(agency__name=report.agency.name, year=report.year - 1)
            .annotate(stamp=_database_stamp())
            .values_list("stamp", flat=True)
            .first()
        )
    # The database writes the time with a space, which no cache key may hold.
    return found.replace(" ", "T") if found else None


def previous_document(report: Report) -> dict | None:
    """interchange.previous_document for `report`, cached under the stamp of last year's report
    (its approval and reopening are saves too, so its snapshot cannot change unseen)."""
    last = _previous_stamp(report)
    if last is None:
        return None
    return cache.get_or_set(
        f"previous:{RELEASE}:{last}", lambda: interchange.previous_document(report.agency.name, report.year), TIMEOUT
    )


def overview(report: Report, doc: dict | None = None) -> sections.ReportOverview:
    """sections.overview of the saved report: its document (`doc`, when already read through
    here), last year's, and the rules' findings over both, cached under the two stamps."""
    doc = doc if doc is not None else document(report)
    previous = previous_document(report)
    findings = cache.get_or_set(
        f"findings:{RELEASE}:{stamp_of(report)}:{_previous_stamp(report) or '-'}",
        lambda: rules.check_document(doc, previous),
        TIMEOUT,
    )
    return sections.overview(report, doc=doc, previous=previous, findings=findings)


def hints(report: Report, doc: dict, findings: list[rules.Finding]) -> list[rules.Finding]:
    """The probable culprits (annual/culprit.py) of a report with blocking errors, worked out once
    per version: the solver is fast, but a page need not run it on every view."""
    if not rules.errors(findings):
        return []
    return cast(
        list[rules.Finding],
        cache.get_or_set(f"hints:{RELEASE}:{stamp_of(report)}", lambda: culprit.hint_findings(doc), TIMEOUT),
    )


def fragment(name: str, key: str, draw: Callable[[], str]) -> str:
    """The HTML `draw` makes for the page part `name` of the version `key` (a stamp plus whatever
    else that part depends on), drawn once and then served from the cache."""
    return cast(str, cache.get_or_set(f"fragment:{RELEASE}:{name}:{key}", draw, TIMEOUT))
