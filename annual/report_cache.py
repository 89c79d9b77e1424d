"""What pages derive from one saved version of a report, cached under that version's stamp:
its interchange document, last year's document it is compared with, and the parts of its pages
that are expensive to draw (`fragment`, used by templatetags/fragment_tags.py).

Every key carries the report's stamp (id, revision, time of its last change) and a hash of the
code that derives the value, so an entry is never stale: a save or a transition makes a new
stamp, a deployment a new hash, and old entries only age out. Any cache backend can serve it:
per-process memory on the embedded default, Redis shared by every app server in production. A
cache that is down costs the queries, not the page (settings.CACHES ignores its errors).

Only pages read through here. Writers (saving, workflow, imports) keep reading the rows
themselves, inside their own transactions.
"""

from __future__ import annotations

import datetime
import hashlib
import inspect
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import cast

from django.core.cache import cache
from django.db.models import CharField, Exists, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat

from . import document as document_module
from . import interchange, rules, sections, template_spec
from .models import Report, ReviewComment

# A deployment that changes how a document is built must not serve documents built by the old
# code from a shared cache.
CODE = hashlib.sha256(
    "".join(inspect.getsource(m) for m in (interchange, template_spec, document_module, rules, sections)).encode()
).hexdigest()[:16]
TIMEOUT = 60 * 60 * 24 * 7


def _templates_hash() -> str:
    """The page templates and the Python that draws them: a deployment that changes any of them
    must not serve fragments drawn by the old ones."""
    package = Path(__file__).resolve().parent
    roots = [package.parent / "templates", package / "templatetags", package / "forms"]
    files = sorted(f for root in roots for f in root.rglob("*") if f.suffix in (".html", ".py"))
    files += [package / "layout.py", package / "formatting.py"]
    digest = hashlib.sha256(CODE.encode())
    for f in files:
        digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


PAGES_CODE = _templates_hash()


def stamp(pk: int, revision: int, updated_at: datetime.datetime) -> str:
    """The version of a saved report: any save bumps the revision, any save at all the time."""
    return f"{pk}.{revision}.{updated_at.timestamp():.6f}"


def stamp_of(report: Report) -> str:
    return stamp(report.pk, report.revision, report.updated_at)


def documents(reports: Iterable[Report]) -> dict[int, dict]:
    """The document of each saved report, by id; the missing ones are built with their rows
    read in bulk (interchange.documents_of) and kept."""
    reports = list(reports)
    keys = {r.pk: f"doc:{CODE}:{stamp_of(r)}" for r in reports}
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
    last = Report.objects.filter(agency_id=OuterRef("agency_id"), year=OuterRef("year") - 1)
    return Report.objects.select_related("agency").annotate(
        previous_stamp=Subquery(last.annotate(stamp=_database_stamp()).values("stamp")[:1]),
        has_open_comments=Exists(ReviewComment.objects.filter(report=OuterRef("pk"), resolved_at__isnull=True)),
    )


def _previous_stamp(report: Report) -> str | None:
    if hasattr(report, "previous_stamp"):  # read with the report (page_reports)
        found = report.previous_stamp
    else:
        found = (
            Report.objects.filter(agency_id=report.agency_id, year=report.year - 1)
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
        f"previous:{CODE}:{last}", lambda: interchange.previous_document(report.agency_id, report.year), TIMEOUT
    )


def overview(report: Report, doc: dict | None = None) -> sections.ReportOverview:
    """sections.overview of the saved report: its document (`doc`, when already read through
    here), last year's, and the rules' findings over both, cached under the two stamps."""
    doc = doc if doc is not None else document(report)
    previous = previous_document(report)
    findings = cache.get_or_set(
        f"findings:{CODE}:{stamp_of(report)}:{_previous_stamp(report) or '-'}",
        lambda: rules.check_document(doc, previous),
        TIMEOUT,
    )
    return sections.overview(report, doc=doc, previous=previous, findings=findings)


def fragment(name: str, key: str, draw: Callable[[], str]) -> str:
    """The HTML `draw` makes for the page part `name` of the version `key` (a stamp plus whatever
    else that part depends on), drawn once and then served from the cache."""
    return cast(str, cache.get_or_set(f"fragment:{PAGES_CODE}:{name}:{key}", draw, TIMEOUT))
