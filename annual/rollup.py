"""The 汇总 (roll-up) of tables 二, 三 and 四 over an agency's descendants, for one year.

An agency's roll-up is the cell-by-cell sum of its descendant agencies' reports, at every
depth. Its own report is never a part: that report is what the roll-up becomes, so counting it
would count everything twice. By default only approved or published reports take part;
`include_unapproved` admits every state, `include_invalid` admits reports that break a
blocking rule. Every other descendant is listed in `left_out` with its reason.

How cells add up: a cell is the sum of its parts and blank only when every part is blank;
money sums exactly as Decimal; the 2019 本年增/减 sums with its sign. Every blocking rule is a
linear equality between sums of cells, so it holds on the sum whenever it holds on each part
(tests/test_rollup_property.py proves it over random reports of both versions).

The result is a plain interchange document, so the layout, the PDF, the rules and the exports
work on it unchanged. Loading takes a constant number of queries whatever the number of
agencies: the agency tree once, the reports once, and each of the three row tables once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from . import rules
from . import template_spec as spec
from .document import blank_document
from .formatting import default_title, format_count
from .models import Agency, ApplicationRow, ProactiveItem, Report, ReportState, ReviewLitigationGroup
from .money import from_stored

INCLUDED_STATES = frozenset({ReportState.APPROVED, ReportState.PUBLISHED})
TABLE_KEYS = ("proactive", "applications", "review_litigation")

NO_REPORT = "no_report"
NOT_APPROVED = "not_approved"
INVALID = "invalid"
REASON_LABELS = {NO_REPORT: "没有该年度报告", NOT_APPROVED: "未通过审核", INVALID: "有阻断性错误"}


class RollupError(Exception):
    """The roll-up cannot be made as asked (e.g. two template versions in one year)."""


@dataclass(frozen=True)
class Node:
    """An agency in tree order: `depth` 0 is the roll-up's own agency."""

    id: int
    name: str
    depth: int


@dataclass
class Entry:
    """One agency's report for one year as the roll-up sees it (tables only)."""

    report_id: int
    agency_id: int
    year: int
    template: str
    state: str
    revision: int
    document: dict
    error_count: int = 0  # blocking rules broken

    @property
    def state_label(self) -> str:
        return ReportState(self.state).label


@dataclass(frozen=True)
class Part:
    """An included report."""

    node: Node
    entry: Entry


@dataclass(frozen=True)
class LeftOut:
    """A descendant agency whose report is not in the sum, and why."""

    node: Node
    reason: str
    detail: str
    entry: Entry | None = None

    @property
    def reason_label(self) -> str:
        return REASON_LABELS[self.reason]

    @property
    def draft_errors(self) -> int:
        """Blocking rule errors of a report left out as not yet approved: the clerk sees which
        drafts will not pass as they stand (a report left out for its errors says so already)."""
        return self.entry.error_count if self.entry is not None and self.reason == NOT_APPROVED else 0


@dataclass
class Rollup:
    agency: Node
    year: int
    template: str
    document: dict
    parts: list[Part]
    left_out: list[LeftOut]

    @property
    def total(self) -> int:
        return len(self.parts) + len(self.left_out)

    @property
    def left_out_counts(self) -> list[tuple[str, int]]:
        """(reason label, how many agencies) for the summary line."""
        reasons = [x.reason for x in self.left_out]
        return [(REASON_LABELS[r], reasons.count(r)) for r in (NOT_APPROVED, INVALID, NO_REPORT) if r in reasons]

    def contributions(self, path: str) -> list[tuple[Part, object]]:
        """Each included report's value of the cell at `path`, in tree order (blanks included)."""
        return [(p, _value(p.entry.document, path)) for p in self.parts]

    def sources(self) -> set[tuple[int, int]]:
        """(report id, revision) of every part: what a county report generated from it recorded."""
        return {(p.entry.report_id, p.entry.revision) for p in self.parts}


# --- The agency tree -------------------------------------------------------------------------


def _subtree(root_id: int) -> list[Node]:
    """The agency `root_id` and all its descendants in tree order (one query).

    Private on purpose: the agency tree will get its own fast query; this is the one place to
    swap. A loop in the parent links (which the admin should refuse anyway) cannot hang it: each
    agency is visited once.
    """
    rows = list(Agency.objects.order_by("name").values_list("id", "parent_id", "name"))
    children: dict[int | None, list[tuple[int, str]]] = {}
    names = {}
    for pk, parent_id, name in rows:
        children.setdefault(parent_id, []).append((pk, name))
        names[pk] = name
    if root_id not in names:
        return []
    result: list[Node] = []
    seen: set[int] = set()
    stack = [(root_id, 0)]
    while stack:
        pk, depth = stack.pop()
        if pk in seen:
            continue
        seen.add(pk)
        result.append(Node(pk, names[pk], depth))
        stack.extend((child, depth + 1) for child, _ in reversed(children.get(pk, [])))
    return result


# --- Loading the reports ------------------------------------------------------------------------


def load_entries(agency_ids: Iterable[int], years: Iterable[int]) -> dict[tuple[int, int], Entry]:
    """The table documents of every report of `agency_ids` in `years`, keyed (agency id, year).

    Four queries whatever the number of reports; rows are read as values, not model instances.
    """
    reports = list(
        Report.objects.filter(agency_id__in=list(agency_ids), year__in=list(years)).values_list(
            "id", "agency_id", "year", "template", "state", "revision"
        )
    )
    by_id: dict[int, Entry] = {}
    for pk, agency_id, year, template, state, revision in reports:
        doc = blank_document(agency="-", year=year, version=template)
        by_id[pk] = Entry(pk, agency_id, year, template, state, revision, doc)
    ids = list(by_id)
    if ids:
        # The one money column keeps the decimals the office wrote (amount_places).
        p_fields = [f for f in spec.PROACTIVE_FIELD_KEYS if f != "amount_wan_yuan"]
        index = {f: i for i, f in enumerate(p_fields)}
        for report_id, key, amount, places, *values in ProactiveItem.objects.filter(report_id__in=ids).values_list(
            "report_id", "key", "amount_wan_yuan", "amount_places", *p_fields
        ):
            item = by_id[report_id].document["proactive"].get(key)
            if item is None:
                continue
            for f in item:
                item[f] = from_stored(amount, places) if f == "amount_wan_yuan" else values[index[f]]
        columns = [c.key for c in spec.APPLICATION_COLUMNS]
        for report_id, key, *values in ApplicationRow.objects.filter(report_id__in=ids).values_list(
            "report_id", "key", *columns
        ):
            apps = by_id[report_id].document["applications"]
            if key in apps:
                apps[key] = dict(zip(columns, values, strict=True))
        fields = [f.key for f in spec.REVIEW_FIELDS]
        for report_id, key, *values in ReviewLitigationGroup.objects.filter(report_id__in=ids).values_list(
            "report_id", "key", *fields
        ):
            by_id[report_id].document["review_litigation"][key] = dict(zip(fields, values, strict=True))
    for entry in by_id.values():
        entry.error_count = blocking_error_count(entry.document)
    return {(e.agency_id, e.year): e for e in by_id.values()}


@cache
def _split_checks(version: str) -> tuple[tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]], ...]:
    return tuple(
        (tuple(tuple(p.split(".")) for p in c.parts), tuple(tuple(p.split(".")) for p in c.targets))
        for c in rules.blocking_checks(version)
    )


def blocking_error_count(doc: dict) -> int:
    """len(rules.blocking_findings(doc)), without building the findings' messages.

    The same checks (`rules.blocking_checks`, the one definition of the rules) with the paths
    split once per version: for a county's hundreds of reports this is what keeps the roll-up
    fast. tests/test_rollup_property.py checks it against the rule engine.
    """
    count = 0
    for parts, targets in _split_checks(doc["template"]):
        expected = actual = 0
        for section, row, col in parts:
            value = doc[section].get(row, {}).get(col)
            if type(value) is int:
                expected += value
        for section, row, col in targets:
            value = doc[section].get(row, {}).get(col)
            if type(value) is int:
                actual += value
        count += expected != actual
    return count


# --- Summing ---------------------------------------------------------------------------------------


def _value(doc: dict, path: str):
    section, row, col = path.split(".")
    return doc[section].get(row, {}).get(col)


def sum_documents(docs: list[dict], *, agency: str, year: int, version: str) -> dict:
    """The document whose every table cell is the sum of `docs`' cells (all of `version`).

    A cell is blank only when it is blank in every document; money adds as Decimal and keeps
    the most decimals any part wrote; texts are empty and `meta` is {}.
    """
    result = blank_document(agency=agency, year=year, version=version)
    money = {path for path, kind in spec.value_cells(version) if kind == spec.MONEY}
    for section in TABLE_KEYS:
        for row_key, cells in result[section].items():
            rows = [d[section].get(row_key) or {} for d in docs]
            for col in cells:
                values = [v for r in rows if (v := r.get(col)) is not None]
                if not values:
                    continue
                if f"{section}.{row_key}.{col}" in money:
                    cells[col] = f"{sum((Decimal(v) for v in values), Decimal(0)):f}"
                else:
                    cells[col] = sum(values)
    return result


def _classify(node: Node, entry: Entry | None, include_unapproved: bool, include_invalid: bool) -> LeftOut | None:
    if entry is None:
        return LeftOut(node, NO_REPORT, REASON_LABELS[NO_REPORT])
    if not include_unapproved and entry.state not in INCLUDED_STATES:
        return LeftOut(node, NOT_APPROVED, f"{REASON_LABELS[NOT_APPROVED]}（状态：{entry.state_label}）", entry)
    if not include_invalid and entry.error_count:
        return LeftOut(node, INVALID, f"{REASON_LABELS[INVALID]}（{entry.error_count} 个）", entry)
    return None


def rollup_from(
    tree: list[Node],
    entries: dict[tuple[int, int], Entry],
    year: int,
    *,
    include_unapproved: bool = False,
    include_invalid: bool = False,
) -> Rollup:
    """The roll-up of `tree[0]`'s descendants for `year` from already loaded entries."""
    root, descendants = tree[0], tree[1:]
    parts, left_out = [], []
    for node in descendants:
        entry = entries.get((node.id, year))
        excluded = _classify(node, entry, include_unapproved, include_invalid)
        if excluded is None:
            assert entry is not None  # _classify leaves out a missing report
            parts.append(Part(node, entry))
        else:
            left_out.append(excluded)
    versions = sorted({p.entry.template for p in parts})
    if len(versions) > 1:
        by_version = {v: [p.node.name for p in parts if p.entry.template == v] for v in versions}
        detail = "；".join(
            f"{v} 年版：{'、'.join(names[:5])}{'等' if len(names) > 5 else ''}（{len(names)} 个）"
            for v, names in by_version.items()
        )
        raise RollupError(
            f"{year} 年度的报告使用了两个模板版本，不能汇总：{detail}。请先把这些报告统一为同一模板版本。"
        )
    version = versions[0] if versions else spec.version_for_year(year)
    document = sum_documents([p.entry.document for p in parts], agency=root.name, year=year, version=version)
    return Rollup(root, year, version, document, parts, left_out)


def agency_tree(agency: Agency) -> list[Node]:
    return _subtree(agency.pk)


def build_rollup(
    agency: Agency, year: int, *, include_unapproved: bool = False, include_invalid: bool = False
) -> Rollup:
    """The roll-up of `agency`'s descendants' reports for `year` (five queries).

    Raises RollupError when the included reports use two template versions.
    """
    tree = agency_tree(agency)
    entries = load_entries([n.id for n in tree[1:]], [year])
    return rollup_from(tree, entries, year, include_unapproved=include_unapproved, include_invalid=include_invalid)


# --- The narrative scaffold ------------------------------------------------------------------------


def _n(doc: dict, path: str) -> int:
    value = _value(doc, path)
    return value if isinstance(value, int) else 0


def narrative_draft(doc: dict) -> str:
    """A draft paragraph for 一、总体情况 stating the roll-up's key figures.

    Each figure is phrased the way `rules.narrative_numbers` reads it, with the table's own
    number, so the check passes by construction; the preparer edits it from there.
    """
    received = _n(doc, "applications.received.total")
    carried = _n(doc, "applications.carried_over.total")
    handled = _n(doc, "applications.handled_total.total")
    forward = _n(doc, "applications.carried_forward.total")
    granted = _n(doc, "applications.granted.total")
    review = _n(doc, "review_litigation.review.total")
    lawsuits = _n(doc, "review_litigation.litigation_direct.total") + _n(
        doc, "review_litigation.litigation_after_review.total"
    )
    return (
        f"{doc['year']}年，{doc['agency']}所辖各地区、各部门共收到政府信息公开申请 {received} 件，"
        f"上年结转 {carried} 件；本年度办结 {handled} 件，其中予以公开 {granted} 件，"
        f"结转下年度继续办理 {forward} 件。"
        f"全年发生政府信息公开行政复议 {review} 件，行政诉讼 {lawsuits} 件。"
    )


# --- Printing ----------------------------------------------------------------------------------------


def rollup_title(rollup: Rollup) -> str:
    """「…年度报告汇总」: short enough that the line after the agency's name stays whole."""
    return f"{default_title(rollup.agency.name, rollup.year)}汇总"


def rollup_mark(rollup: Rollup, *, printed_at):
    """What marks a printed roll-up as one: the header line stating its basis (pdf.RollupMark)."""
    from .pdf.context import RollupMark  # noqa: PLC0415 - the PDF package only when a PDF is asked for

    return RollupMark(
        state="汇总",
        printed_at=printed_at,
        included=len(rollup.parts),
        total=rollup.total,
        unapproved=sum(p.entry.state not in INCLUDED_STATES for p in rollup.parts),
    )


def render_rollup_pdf(rollup: Rollup, *, printed_at) -> bytes:
    """The roll-up document in the official layout, a clean print for circulation."""
    from .pdf.render import render_pdf  # noqa: PLC0415 - WeasyPrint only when a PDF is asked for

    return render_pdf(rollup.document, title=rollup_title(rollup), draft=rollup_mark(rollup, printed_at=printed_at))


# --- Year against year, and carry-over continuity ----------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """A cell's value last year, and the change to this year (texts ready to print)."""

    previous: str
    change: str
    percent: str
    direction: str  # "up", "down", "same" or "" when there is nothing to compare
    exists: bool = True
    # This year's sum over the matched agencies only, when it differs from the cell's total:
    # the change is between like and like, and says so.
    matched_now: str = ""

    @property
    def text(self) -> str:
        """One line under the cell: 上年 1700 −476 (−28.0%), or 同口径本年 1224 上年 1700 …."""
        if not self.exists:
            return "上年无此项"
        parts = [
            f"同口径本年 {self.matched_now}" if self.matched_now else "",
            f"上年 {self.previous}" if self.previous else "",
            self.change,
            f"({self.percent})" if self.percent else "",
        ]
        return " ".join(p for p in parts if p)


def compare(now, before, kind: str, *, exists: bool = True, total=None) -> Comparison:
    """Year Y's cell against year Y−1's: blank counts as 0 for the change, a percentage needs a
    non-zero last year. `exists` is False when last year's template has no such cell. `total`
    is the cell's shown value when `now` is the matched agencies' part of it."""
    if not exists:
        return Comparison("", "", "", "", exists=False)
    shown_now = ""
    if total is not None and now != total:
        shown_now = format_count(now) if kind != spec.MONEY else (now or "0")
    if now is None and before is None:
        return Comparison("", "", "", "")
    to_number = Decimal if kind == spec.MONEY else int
    a = to_number(now) if now is not None else to_number(0)
    b = to_number(before) if before is not None else to_number(0)
    delta = a - b
    previous = format_count(before) if kind != spec.MONEY else (before or "")
    change = f"{delta:+f}" if kind == spec.MONEY else f"{delta:+d}"
    percent = f"{(Decimal(delta) * 100 / Decimal(b)):+.1f}%" if b else ""
    direction = "up" if delta > 0 else "down" if delta < 0 else "same"
    return Comparison(previous, "±0" if direction == "same" else change, percent, direction, matched_now=shown_now)


@dataclass(frozen=True)
class Continuity:
    """One agency's 二、上年结转 against its own last year's 四、结转下年度继续办理."""

    node: Node
    this_year: Entry | None
    last_year: Entry | None
    findings: list[rules.Finding]

    @property
    def status(self) -> str:
        if self.this_year is None:
            return "本年无报告"
        if self.last_year is None:
            return "上年无报告"
        return "不一致" if self.findings else "一致"


def continuity(tree: list[Node], entries: dict[tuple[int, int], Entry], year: int) -> list[Continuity]:
    """Carry-over continuity for every agency of the tree (the county itself first)."""
    rows = []
    for node in tree:
        now, last = entries.get((node.id, year)), entries.get((node.id, year - 1))
        findings = rules.carry_over_findings(now.document, last.document) if now and last else []
        rows.append(Continuity(node, now, last, findings))
    return rows


@dataclass(frozen=True)
class YearOnYear:
    """Year against year over matched pairs: the agencies included in both years' roll-ups.
    Comparing 18 agencies this year with 3 last year printed "+2145.9%"."""

    included: int  # agencies in this year's roll-up
    matched: int  # of those, the ones also in last year's
    now: dict  # this year's sum over the matched agencies
    before: dict  # last year's sum over the same agencies

    @property
    def text(self) -> str:
        return f"同比：{self.included} 个机关中两年都有报告的 {self.matched} 个"


def year_on_year(rollup: Rollup, previous: Rollup | None) -> YearOnYear | None:
    """The matched-pairs comparison of `rollup` with last year's, or None when no agency is in
    both (nothing to compare)."""
    if previous is None:
        return None
    before_ids = {p.node.id: p for p in previous.parts}
    matched = [p for p in rollup.parts if p.node.id in before_ids]
    if not matched:
        return None
    root = rollup.agency.name
    return YearOnYear(
        len(rollup.parts),
        len(matched),
        sum_documents([p.entry.document for p in matched], agency=root, year=rollup.year, version=rollup.template),
        sum_documents(
            [before_ids[p.node.id].entry.document for p in matched],
            agency=root,
            year=previous.year,
            version=previous.template,
        ),
    )


@dataclass
class CountyYear:
    """Everything the roll-up page shows for an agency and a year, loaded in five queries."""

    tree: list[Node]
    rollup: Rollup | None
    previous: Rollup | None
    error: str
    continuity: list[Continuity]
    own: Entry | None  # the agency's own report this year, if any

    @property
    def year_on_year(self) -> YearOnYear | None:
        return year_on_year(self.rollup, self.previous) if self.rollup else None

    @property
    def continuity_counts(self) -> list[tuple[str, int]]:
        """(status, how many agencies) in a fixed order, for the summary line."""
        statuses = [c.status for c in self.continuity]
        return [(s, statuses.count(s)) for s in ("一致", "不一致", "上年无报告", "本年无报告") if s in statuses]


def county_year(agency: Agency, year: int) -> CountyYear:
    tree = agency_tree(agency)
    entries = load_entries([n.id for n in tree], [year - 1, year])
    try:
        rollup, error = rollup_from(tree, entries, year), ""
    except RollupError as exc:
        rollup, error = None, str(exc)
    try:
        previous = rollup_from(tree, entries, year - 1)
    except RollupError:
        previous = None
    return CountyYear(tree, rollup, previous, error, continuity(tree, entries, year), entries.get((agency.pk, year)))
