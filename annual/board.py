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
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone
from django_stubs_ext import WithAnnotations

from . import sections
from .formatting import person_name
from .interchange import documents_of
from .models import Agency, AgencyKind, Reminder, Report, ReportState, RoundDeadline, Transition
from .models.county import default_due_dates
from .report_cache import RELEASE, stamp
from .tree import AgencyTree

S = ReportState
NOT_STARTED = "none"  # the board's state of an agency without a report for the year
NOT_STARTED_LABEL = "未建立"
ABSENT = "absent"  # a past year's board: the agency was set up after that year
ABSENT_LABEL = "当年未设立"
# The counts above the table, in this order.
STATE_ORDER = (S.PUBLISHED, S.APPROVED, S.SUBMITTED, S.RETURNED, S.DRAFT, NOT_STARTED, ABSENT)
STATE_LABELS = {**{s.value: s.label for s in S}, NOT_STARTED: NOT_STARTED_LABEL, ABSENT: ABSENT_LABEL}
NOT_SUBMITTED = frozenset({NOT_STARTED, S.DRAFT, S.RETURNED})
# How far along the workflow each state is, for 「进度落后」 (an absent agency owes nothing).
STAGE = {NOT_STARTED: 0, S.DRAFT: 1, S.RETURNED: 1, S.SUBMITTED: 3, S.APPROVED: 4, S.PUBLISHED: 5, ABSENT: 6}
COUNTY_APPROVE, COUNTY_RETURN = "county_approve", "county_return"  # actions of annual.workflow
# Days before the due date from which an unsubmitted report that is not complete and clean is
# 「进度落后」.
BEHIND_WITHIN_DAYS = 14

# The 复核 column and filter: whether the board's agency has a report to review.
REVIEW_PENDING, REVIEW_DONE, REVIEW_NONE, REVIEW_EARLY = "pending", "done", "none", "early"
REVIEW_LABELS = {
    REVIEW_PENDING: "待复核",
    REVIEW_DONE: "已复核",
    REVIEW_NONE: "不需复核",
    REVIEW_EARLY: "未到复核",
}

# The board's columns, in order: the HTML table's header and the XLSX export both draw these.
COLUMNS = (
    ("agency", "机关"),
    ("state", "状态"),
    ("review", "复核"),
    ("filled", "已填"),
    ("checks", "检查"),
    ("last_change", "最后修改"),
    ("deadline", "截止"),
    ("portal", "发布"),
)


def compiling_year(today: datetime.date) -> int:
    """The year being compiled: reports are drafted from the last quarter of the year they
    cover until the deadlines of the next spring."""
    return sections.default_new_year(today, set())


@dataclass
class Deadline:
    due: datetime.date
    today: datetime.date
    done: bool  # published: nothing left to count down
    submitted: bool = False  # beyond the preparers: the due date was met or missed already
    submitted_on: datetime.date | None = None  # when it was last submitted, if recorded
    absent: bool = False  # the agency did not exist in the year the report covers

    @property
    def days_left(self) -> int:
        return (self.due - self.today).days

    @property
    def overdue(self) -> bool:
        """「逾期」: only a report not yet submitted (or never started) past its due date."""
        return not (self.done or self.submitted or self.absent) and self.days_left < 0

    @property
    def late_days(self) -> int:
        """Days a submitted report came in after its due date (0 if on time or unknown)."""
        if not (self.done or self.submitted) or self.submitted_on is None:
            return 0
        return max(0, (self.submitted_on - self.due).days)

    @property
    def text(self) -> str:
        if self.absent:
            return ABSENT_LABEL
        if self.late_days:
            return f"逾期 {self.late_days} 天提交"
        if self.done:
            return "已完成"
        if self.submitted:
            return "已提交"
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
        if self.report is None and self.deadline.absent:
            return ABSENT
        return self.report.state if self.report else NOT_STARTED

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def review(self) -> str:
        """The 复核 state: the board's own report (depth 0) is not the board's to review, nor
        is an agency's that did not exist that year; a report published without a county review
        did not need one; one not yet approved has nothing to review yet."""
        if self.depth == 0 or self.state == ABSENT:
            return REVIEW_NONE
        if self.county_reviewed:
            return REVIEW_DONE
        if self.state == S.APPROVED:
            return REVIEW_PENDING
        return REVIEW_NONE if self.state == S.PUBLISHED else REVIEW_EARLY

    @property
    def review_label(self) -> str:
        return REVIEW_LABELS[self.review]

    @property
    def filled_text(self) -> str:
        done, total = self.filled
        return f"{done}/{total}" if self.report else ""

    @property
    def checks_text(self) -> str:
        if self.report is None:
            return ""
        parts = [f"{self.errors} 错误"] * bool(self.errors) + [f"{self.warnings} 提示"] * bool(self.warnings)
        return " ".join(parts) or "通过"

    @property
    def portal_text(self) -> str:
        report = self.report
        if report is None or self.state != S.PUBLISHED or not report.portal_url:
            return ""
        published = report.portal_published_on.isoformat() if report.portal_published_on else ""
        return f"{published} 已发布".strip()

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

    @property
    def progress(self) -> float:
        """How far along the report is, 0 (not started) to 6: the workflow stage, and within
        a draft the share of sections complete (up to 1) less a step for rule errors."""
        stage = STAGE[self.state]
        if self.state not in (S.DRAFT, S.RETURNED):
            return float(stage)
        done, total = self.filled
        share = done / total if total else 0.0
        return stage + 0.8 * share + (0.0 if self.errors else 0.2)

    @property
    def behind(self) -> bool:
        """「进度落后」: not submitted and overdue, or due within two weeks with sections left
        to fill or rule errors left to fix."""
        if self.submitted or self.state == ABSENT:
            return False
        if self.deadline.overdue:
            return True
        done, total = self.filled
        return self.deadline.days_left <= BEHIND_WITHIN_DAYS and (done < total or self.errors > 0)


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
        """(state, label, how many rows) in the order of `STATE_ORDER` (当年未设立 only when any)."""
        return _counts([row.state for row in self.rows])

    @property
    def review_counts(self) -> list[tuple[str, str, int]]:
        reviews = [row.review for row in self.rows]
        return [(r, label, reviews.count(r)) for r, label in REVIEW_LABELS.items()]

    def filtered(
        self,
        *,
        state: str = "",
        level: int | None = None,
        laggards: bool = False,
        review: str = "",
        query: str = "",
    ) -> list[BoardRow]:
        needle = query.strip().casefold()
        rows = [
            r
            for r in self.rows
            if (not state or r.state == state)
            and (level is None or r.depth == level)
            and (not review or r.review == review)
            and (not needle or needle in r.name.casefold())
        ]
        if laggards:
            # Stable: least progress first, then nearest (or most overdue) due date, then tree order.
            rows = sorted(rows, key=lambda r: (not r.behind, r.progress, r.deadline.days_left))
        return rows


def _counts(states: list[str]) -> list[tuple[str, str, int]]:
    counts = [(s, STATE_LABELS[s], states.count(s)) for s in STATE_ORDER]
    return [c for c in counts if c[0] != ABSENT or c[2]]


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


def _reports(ids: list[int], year: int) -> dict[int, WithAnnotations[Report, _LastChange]]:
    """Each agency's report of `year`, by agency id, with who last changed it and when."""
    history = Report.history.model.objects.filter(id=OuterRef("pk")).order_by("-history_date", "-history_id")
    qs = (
        Report.objects.filter(agency_id__in=ids, year=year)
        .only(*BOARD_FIELDS)
        .annotate(
            last_at=Subquery(history.values("history_date")[:1]),
            last_user_id=Subquery(history.values("history_user_id")[:1]),
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
            # The summaries depend on the rules' code as much as on the values (report_cache.RELEASE).
            [RELEASE, stamp(report.pk, report.revision, report.updated_at), stamp(*before) if before else "-"]
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
    """(subordinates' due date, own due date) that `agency_id` sets for `year` as a board: what it
    saved, or the legal defaults (1月31日 and 3月31日 of the next year)."""
    sub_default, own_default = default_due_dates(year)
    if agency_id in deadlines:
        return deadlines[agency_id].subordinates_due, deadlines[agency_id].own_due
    return sub_default, own_default


def report_due(agency_id: int, year: int, tree: AgencyTree, deadlines: dict[int, RoundDeadline]) -> datetime.date:
    """The one rule (条例第五十条) for when `agency_id`'s report of `year` is due.

    A people's government's own report: 3月31日, or the earlier date it set for its own report.
    A department or township: 1月31日, or the earlier date set by the nearest agency above it
    that set one (and its own board's date for its own report when that is earlier still).
    The agency's kind decides, never whether it has sub-units. `deadlines` must hold the
    RoundDeadline rows of the agency and its ancestors for `year`.
    """
    sub_default, own_default = default_due_dates(year)
    own = deadlines[agency_id].own_due if agency_id in deadlines else None
    if tree.kinds.get(agency_id) == AgencyKind.GOVERNMENT:
        return own or own_default
    due = sub_default
    for ancestor in tree.ancestor_ids(agency_id):
        if ancestor in deadlines:
            due = deadlines[ancestor].subordinates_due
            break
    return min(due, own) if own else due


def load_deadlines(ids: list[int], year: int, tree: AgencyTree) -> dict[int, RoundDeadline]:
    """The RoundDeadline rows `report_due` needs for the agencies `ids` (one query)."""
    wanted = set(ids)
    for pk in ids:
        wanted.update(tree.ancestor_ids(pk))
    return {d.agency_id: d for d in RoundDeadline.objects.filter(agency_id__in=wanted, year=year)}


def agency_due(agency_id: int, year: int, tree: AgencyTree | None = None) -> datetime.date:
    """The date `agency_id`'s report of `year` is due (two queries at most)."""
    tree = tree or AgencyTree.load()
    return report_due(agency_id, year, tree, load_deadlines([agency_id], year, tree))


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
    deadlines = load_deadlines(ids, year, tree)
    reminders: dict[int, Reminder] = {}
    for reminder in Reminder.objects.filter(agency_id__in=ids, year=year).select_related("sender"):
        reminders.setdefault(reminder.agency_id, reminder)  # newest first
    reviewed = _county_reviewed([r for r in reports.values() if r.state in (S.APPROVED, S.PUBLISHED)])
    submitted_on = _submitted_on([r for r in reports.values() if r.state not in NOT_SUBMITTED])
    absent = _set_up_after(year, [pk for pk in ids if pk not in reports])
    users = get_user_model().objects.in_bulk({r.last_user_id for r in reports.values() if r.last_user_id})

    rows = []
    for pk, depth in walk:
        report = reports.get(pk)
        state = report.state if report else NOT_STARTED
        row = BoardRow(
            pk,
            tree.name(pk),
            depth,
            report,
            summaries.get(report.pk) if report else None,
            Deadline(
                report_due(pk, year, tree, deadlines),
                today,
                done=state == S.PUBLISHED,
                submitted=state not in NOT_SUBMITTED,
                submitted_on=submitted_on.get(report.pk) if report else None,
                absent=pk in absent,
            ),
            last_reminder=reminders.get(pk),
        )
        if report is not None:
            row.last_change_at = report.last_at
            user = users.get(report.last_user_id)
            row.last_change_by = person_name(user) if user else ""
            row.county_reviewed = report.pk in reviewed
        rows.append(row)
    own = deadlines.get(agency.pk)
    subordinates_due, _ = due_dates(agency.pk, year, tree, deadlines)
    return Board(
        agency,
        year,
        today,
        rows,
        own,
        subordinates_due,
        report_due(agency.pk, year, tree, deadlines),
        levels=sorted({d for _, d in walk}),
    )


def _submitted_on(reports: list[Report]) -> dict[int, datetime.date]:
    """When each report was last submitted (its latest 提交审核), by report id. Imported
    reports that were never submitted here have none."""
    if not reports:
        return {}
    found = (
        Transition.objects.filter(report__in=reports, to_state=S.SUBMITTED)
        .values("report_id")
        .annotate(last=Max("at"))
        .values_list("report_id", "last")
    )
    return {pk: timezone.localdate(at) for pk, at in found}


def _set_up_after(year: int, ids: list[int]) -> set[int]:
    """Of the agencies `ids` (those without a report of `year`), the ones set up after the end of
    `year` (their 设立日期): they did not exist in the year the report covers and owe no report."""
    if not ids:
        return set()
    later = Agency.objects.filter(pk__in=ids, established_on__gt=datetime.date(year, 12, 31))
    return set(later.values_list("pk", flat=True))


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
    return _counts([states.get(pk, NOT_STARTED) for pk in ids])
