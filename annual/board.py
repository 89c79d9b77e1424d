"""The county's round board (年度工作台): every agency under a county and its report of one year.

`build_board` reads everything in a fixed number of queries, whatever the number of agencies:
the tree, the year's reports (with their last change), last year's reports' revisions, the
deadlines, the last reminders, the county reviews and the people named.

Each report's summary (errors, warnings, sections complete) comes from every rule run on its
document and last year's. It is a pure function of the two reports' saved values, so it is
cached under their revisions and save times (and the rules' code): a board load recomputes only
the reports changed since the last load, on documents built in bulk — one query per table
across all of them, never one query per report.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TypedDict

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Exists, OuterRef, Subquery
from django_stubs_ext import WithAnnotations

from . import sections
from .interchange import documents_of
from .models import Agency, PublishedSource, Reminder, Report, ReportState, RoundDeadline, Transition
from .models.county import default_due_dates
from .models.imports import IMPORTED_LABEL
from .report_cache import CODE, stamp
from .tree import AgencyTree

S = ReportState
NOT_STARTED = "none"  # the board's state of an agency without a report for the year
NOT_STARTED_LABEL = "未建立"
# The counts above the table, in this order; sorting "laggards first" follows it backwards.
STATE_ORDER = (S.PUBLISHED, S.APPROVED, S.SUBMITTED, S.RETURNED, S.DRAFT, NOT_STARTED)
STATE_LABELS = {**{s.value: s.label for s in S}, NOT_STARTED: NOT_STARTED_LABEL}
LAGGARD_RANK = {state: -i for i, state in enumerate(STATE_ORDER)}
NOT_SUBMITTED = frozenset({NOT_STARTED, S.DRAFT, S.RETURNED})
COUNTY_APPROVE, COUNTY_RETURN = "county_approve", "county_return"  # actions of annual.workflow


def compiling_year(today: datetime.date) -> int:
    """The year being compiled: reports are drafted from the last quarter of the year they
    cover until the deadlines of the next spring."""
    return sections.default_new_year(today, set())


@dataclass
class Deadline:
    due: datetime.date
    today: datetime.date
    done: bool  # published: nothing left to count down

    @property
    def days_left(self) -> int:
        return (self.due - self.today).days

    @property
    def overdue(self) -> bool:
        return not self.done and self.days_left < 0

    @property
    def text(self) -> str:
        if self.done:
            return "已完成"
        days = self.days_left
        if days < 0:
            return f"逾期 {-days} 天"
        return "今天截止" if days == 0 else f"剩 {days} 天"


@dataclass(frozen=True)
class Summary:
    """What the board shows of a report's values: findings and sections complete."""

    errors: int
    warnings: int
    complete: int
    sections: int


@dataclass
class BoardRow:
    agency_id: int
    name: str
    depth: int
    report: Report | None
    summary: Summary | None
    deadline: Deadline
    last_change_at: datetime.datetime | None = None
    last_change_by: str = ""
    last_reminder: Reminder | None = None
    county_reviewed: bool = False

    @property
    def state(self) -> str:
        return self.report.state if self.report else NOT_STARTED

    @property
    def state_label(self) -> str:
        if self.state == S.PUBLISHED and getattr(self.report, "imported", False):
            return IMPORTED_LABEL
        return STATE_LABELS[self.state]

    @property
    def filled(self) -> tuple[int, int]:
        """(complete sections, sections) over the entry steps."""
        if self.summary is None:
            return 0, len(sections.EDIT_STEPS)
        return self.summary.complete, self.summary.sections

    @property
    def submitted(self) -> bool:
        return self.state not in NOT_SUBMITTED

    @property
    def errors(self) -> int:
        return self.summary.errors if self.summary else 0

    @property
    def warnings(self) -> int:
        return self.summary.warnings if self.summary else 0


@dataclass
class Board:
    agency: Agency
    year: int
    today: datetime.date
    rows: list[BoardRow]
    deadline: RoundDeadline | None
    subordinates_due: datetime.date
    own_due: datetime.date
    levels: list[int] = field(default_factory=list)

    @property
    def counts(self) -> list[tuple[str, str, int]]:
        """(state, label, how many rows) in the order of `STATE_ORDER`."""
        states = [row.state for row in self.rows]
        return [(s, STATE_LABELS[s], states.count(s)) for s in STATE_ORDER]

    def filtered(self, *, state: str = "", level: int | None = None, laggards: bool = False) -> list[BoardRow]:
        rows = [r for r in self.rows if (not state or r.state == state) and (level is None or r.depth == level)]
        if laggards:
            # Stable: within a state, overdue first, then tree order.
            rows = sorted(rows, key=lambda r: (LAGGARD_RANK[r.state], r.deadline.days_left))
        return rows


SUMMARY_TIMEOUT = 60 * 60 * 24 * 7
# Only what the board draws; the values are read (in bulk) for the reports whose summary is not cached.
BOARD_FIELDS = (
    "id",
    "agency_id",
    "year",
    "template",
    "state",
    "revision",
    "updated_at",
    "portal_url",
    "portal_published_on",
)


class _LastChange(TypedDict):
    last_at: datetime.datetime | None
    last_user_id: int | None
    imported: bool


def _reports(ids: list[int], year: int) -> dict[int, WithAnnotations[Report, _LastChange]]:
    """Each agency's report of `year`, by agency id, with who last changed it and when."""
    history = Report.history.model.objects.filter(id=OuterRef("pk")).order_by("-history_date", "-history_id")
    qs = (
        Report.objects.filter(agency_id__in=ids, year=year)
        .only(*BOARD_FIELDS)
        .annotate(
            last_at=Subquery(history.values("history_date")[:1]),
            last_user_id=Subquery(history.values("history_user_id")[:1]),
            imported=Exists(PublishedSource.objects.filter(report=OuterRef("pk"))),
        )
    )
    return {r.agency_id: r for r in qs}


def summarize(reports: list[Report], previous: dict[int, tuple[int, int, datetime.datetime]]) -> dict[int, Summary]:
    """Each report's `Summary`, by report id. `previous` maps an agency id to last year's report
    (id, revision, updated_at) of that agency. Cached; only the missing ones are computed."""
    keys = {}
    for report in reports:
        before = previous.get(report.agency_id)
        keys[report.pk] = "board-summary:" + ":".join(
            # The summaries depend on the rules' code as much as on the values (report_cache.CODE).
            [CODE, stamp(report.pk, report.revision, report.updated_at), stamp(*before) if before else "-"]
        )
    found = cache.get_many(list(keys.values()))
    result = {pk: found[key] for pk, key in keys.items() if key in found}
    missing = [r for r in reports if r.pk not in result]
    if missing:
        before_ids = {previous[r.agency_id][0]: r.pk for r in missing if r.agency_id in previous}
        full = {r.pk: r for r in Report.objects.filter(pk__in=[r.pk for r in missing] + list(before_ids))}
        docs = documents_of(full.values())
        computed = {}
        for report in missing:
            before = previous.get(report.agency_id)
            last_year = docs[before[0]] if before else None
            overview = sections.overview(full[report.pk], doc=docs[report.pk], previous=last_year)
            steps = [s.completeness for s in overview.steps if s.completeness is not None]
            computed[report.pk] = Summary(
                len(overview.errors),
                len(overview.warnings),
                sum(1 for c in steps if c.status == sections.COMPLETE),
                len(steps),
            )
        cache.set_many({keys[pk]: summary for pk, summary in computed.items()}, SUMMARY_TIMEOUT)
        result.update(computed)
    return result


def due_dates(
    agency_id: int, year: int, tree: AgencyTree, deadlines: dict[int, RoundDeadline]
) -> tuple[datetime.date, datetime.date]:
    """(subordinates' due date, own due date) that apply to `agency_id`'s report of `year`.

    An agency with subordinates is due on its own date (default 3月31日); one without is due on
    the subordinates' date set by the nearest agency above it (default 1月31日).
    """
    sub_default, own_default = default_due_dates(year)
    own = deadlines[agency_id].own_due if agency_id in deadlines else own_default
    for ancestor in tree.ancestor_ids(agency_id):
        if ancestor in deadlines:
            return deadlines[ancestor].subordinates_due, own
    return sub_default, own


def agency_due(agency_id: int, year: int, tree: AgencyTree | None = None) -> datetime.date:
    """The date `agency_id`'s report of `year` is due (two queries at most)."""
    tree = tree or AgencyTree.load()
    ids = [agency_id, *tree.ancestor_ids(agency_id)]
    deadlines = {d.agency_id: d for d in RoundDeadline.objects.filter(agency_id__in=ids, year=year)}
    subordinates_due, own_due = due_dates(agency_id, year, tree, deadlines)
    return own_due if tree.has_children(agency_id) else subordinates_due


def build_board(agency: Agency, year: int, *, today: datetime.date, tree: AgencyTree | None = None) -> Board:
    tree = tree or AgencyTree.load()
    walk = tree.walk(agency.pk)
    ids = [pk for pk, _ in walk]
    reports = _reports(ids, year)
    previous = {
        agency_id: (pk, revision, updated_at)
        for pk, agency_id, revision, updated_at in Report.objects.filter(agency_id__in=ids, year=year - 1).values_list(
            "pk", "agency_id", "revision", "updated_at"
        )
    }
    summaries = summarize(list(reports.values()), previous)
    deadlines = {
        d.agency_id: d
        for d in RoundDeadline.objects.filter(agency_id__in=[*ids, *tree.ancestor_ids(agency.pk)], year=year)
    }
    reminders: dict[int, Reminder] = {}
    for reminder in Reminder.objects.filter(agency_id__in=ids, year=year).select_related("sender"):
        reminders.setdefault(reminder.agency_id, reminder)  # newest first
    reviewed = _county_reviewed([r for r in reports.values() if r.state in (S.APPROVED, S.PUBLISHED)])
    users = get_user_model().objects.in_bulk({r.last_user_id for r in reports.values() if r.last_user_id})

    rows = []
    for pk, depth in walk:
        report = reports.get(pk)
        subordinates_due, own_due = due_dates(pk, year, tree, deadlines)
        due = own_due if tree.has_children(pk) else subordinates_due
        row = BoardRow(
            pk,
            tree.name(pk),
            depth,
            report,
            summaries.get(report.pk) if report else None,
            Deadline(due, today, done=report is not None and report.state == S.PUBLISHED),
            last_reminder=reminders.get(pk),
        )
        if report is not None:
            row.last_change_at = report.last_at
            user = users.get(report.last_user_id)
            row.last_change_by = (user.get_full_name() or user.get_username()) if user else ""
            row.county_reviewed = report.pk in reviewed
        rows.append(row)
    own = deadlines.get(agency.pk)
    sub_default, own_default = default_due_dates(year)
    return Board(
        agency,
        year,
        today,
        rows,
        own,
        own.subordinates_due if own else sub_default,
        own.own_due if own else own_default,
        levels=sorted({d for _, d in walk}),
    )


def _county_reviewed(reports: list[Report]) -> set[int]:
    """Ids of the reports whose latest approval has been followed by a county 复核通过."""
    if not reports:
        return set()
    latest: dict[int, str] = {}
    for t in (
        Transition.objects.filter(report__in=reports)
        .filter(to_state=S.APPROVED)
        .order_by("report_id", "at", "pk")
        .values("report_id", "action")
    ):
        # Every approval (own or county) is seen in order: the last one decides.
        latest[t["report_id"]] = t["action"]
    return {pk for pk, action in latest.items() if action == COUNTY_APPROVE}


def round_counts(agency: Agency, year: int, tree: AgencyTree) -> list[tuple[str, str, int]]:
    """The board's counts above the table, in one query (for the home page)."""
    ids = [pk for pk, _ in tree.walk(agency.pk)]
    states = dict(Report.objects.filter(agency_id__in=ids, year=year).values_list("agency_id", "state"))
    found = [states.get(pk, NOT_STARTED) for pk in ids]
    return [(s, STATE_LABELS[s], found.count(s)) for s in STATE_ORDER]
