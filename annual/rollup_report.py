"""The county government's own report from its 汇总: generate, record provenance, detect staleness.

「从汇总生成本级报告」 creates the agency's own report for the year from the roll-up, or
refreshes it while it is editable: tables 二, 三 and 四 take the roll-up's values, 一、总体情况
gets the narrative scaffold only when it is still empty (the preparer's text is never
overwritten), and `RollupBasis`/`RollupSource` record the roll-up document and which reports, at
which revisions, it came from. All writes go through `interchange.write_document`, so the
revision, the section revisions and the audit history move as for any other change.

Once any contributing report changes (reopened, approved again, a new approval elsewhere), the
recorded sources differ from today's roll-up: `basis_status` reports 「汇总已过期」 with the
agencies concerned and the cell-by-cell difference.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from .audit import Change, document_changes
from .document import blank_document
from .interchange import load_report, previous_document, report_to_document, write_document
from .models import Agency, Report, RollupBasis, RollupSource
from .rollup import TABLE_KEYS, Rollup, RollupError, build_rollup, narrative_draft
from .sections import new_document


class NotEditable(Exception):
    """The agency's own report is locked (submitted, approved or published)."""


@transaction.atomic
def generate_county_report(agency: Agency, year: int, *, user) -> tuple[Report, bool]:
    """Create or refresh `agency`'s own report for `year` from its roll-up; (report, created).

    Raises RollupError when there is nothing to sum or the versions differ, NotEditable when the
    report exists and is locked.
    """
    rollup = build_rollup(agency, year)
    if not rollup.parts:
        raise RollupError(f"{agency.name} 的下级机关还没有可汇总的 {year} 年度报告（已通过或已发布）。")
    report = Report.objects.select_for_update().filter(agency=agency, year=year).first()
    if report is not None and not report.is_editable:
        raise NotEditable(
            f"本级 {year} 年度报告状态为“{report.get_state_display()}”，已锁定；"
            f"请先由审核人退回或重新打开，再从汇总更新。"
        )
    if report is not None:
        doc = report_to_document(load_report(report.pk))
        if doc["template"] != rollup.template:
            raise RollupError(
                f"本级报告使用 {doc['template']} 年版模板，下级报告使用 {rollup.template} 年版，不能填入。"
            )
    else:
        doc = new_document(agency, year, previous_document(agency.pk, year))
        if doc["template"] != rollup.template:
            base = blank_document(agency=doc["agency"], year=year, version=rollup.template)
            doc = dict(base, meta=doc["meta"])
    for key in TABLE_KEYS:
        doc[key] = copy.deepcopy(rollup.document[key])
    if not doc["overview"].strip():
        doc["overview"] = narrative_draft(rollup.document)
    created = report is None
    if report is None:
        report = Report(agency=agency)  # unsaved: write_document creates it
    # simple_history: why, on the history row of this write (write_document records who).
    report._change_reason = f"从汇总{'生成' if created else '更新'}（{len(rollup.parts)} 份下级报告）"
    try:
        with transaction.atomic():
            report = write_document(doc, agency, report=report, user=user)
    except IntegrityError:
        # Someone created the report at the same moment: theirs stands; this press did nothing.
        raise RollupError(f"{agency.name} {year} 年度报告刚刚由他人新建，请刷新页面后再从汇总更新。") from None
    _record(report, rollup, user)
    return report, created


def _record(report: Report, rollup: Rollup, user) -> None:
    basis, _ = RollupBasis.objects.update_or_create(
        report=report, defaults={"document": rollup.document, "generated_by": user}
    )
    basis.sources.all().delete()
    RollupSource.objects.bulk_create(
        [
            RollupSource(
                basis=basis,
                agency_id=p.node.id,
                source_id=p.entry.report_id,
                revision=p.entry.revision,
                state=p.entry.state,
            )
            for p in rollup.parts
        ]
    )


@dataclass
class BasisStatus:
    """How a county report generated from a roll-up stands against today's roll-up."""

    basis: RollupBasis
    current: Rollup | None  # None when today's roll-up cannot be made (two versions)
    problem: str = ""
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    revised: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    source_count: int = 0  # how many reports it was generated from

    @property
    def stale(self) -> bool:
        return bool(self.problem or self.added or self.removed or self.revised or self.changes)


def basis_status(report: Report, current: Rollup | None = None) -> BasisStatus | None:
    """None if `report` was not generated from a roll-up; else how it compares with today's
    roll-up (`current`, when the caller has already built it with the default options)."""
    basis = RollupBasis.objects.filter(report=report).select_related("generated_by").first()
    if basis is None:
        return None
    recorded = {s.agency_id: s for s in basis.sources.select_related("agency")}
    count = len(recorded)
    if current is None:
        try:
            current = build_rollup(report.agency, report.year)
        except RollupError as exc:
            return BasisStatus(basis, None, problem=str(exc), source_count=count)
    status = BasisStatus(basis, current, source_count=count)
    now = {p.node.id: p for p in current.parts}
    for agency_id, part in now.items():
        before = recorded.get(agency_id)
        if before is None:
            status.added.append(part.node.name)
        elif before.source_id != part.entry.report_id or before.revision != part.entry.revision:
            status.revised.append(part.node.name)
    status.removed = [s.agency.name for agency_id, s in recorded.items() if agency_id not in now]
    status.changes = [
        c for c in document_changes(basis.document, current.document) if c.path.split(".")[0] in TABLE_KEYS
    ]
    return status
