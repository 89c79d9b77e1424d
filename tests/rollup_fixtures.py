"""A county tree with reports in chosen states, for the roll-up tests."""

from __future__ import annotations

import copy

from annual.interchange import write_document
from annual.models import Agency, Report, ReportState


def make_report(agency: Agency, doc: dict, state: str = ReportState.APPROVED, **changes) -> Report:
    """`doc` stored as `agency`'s report, then put in `state` (arrangement only, as in the matrix
    tests: the workflow's own tests cover how a report gets there). `changes` maps dotted
    paths to values."""
    doc = copy.deepcopy(doc)
    doc["agency"] = agency.name
    for path, value in changes.items():
        section, row, col = path.split(".")
        doc[section][row][col] = value
    report = write_document(doc, agency)
    Report.objects.filter(pk=report.pk).update(state=state)
    report.refresh_from_db()
    return report


def make_county(n: int, doc: dict, *, name: str = "苍南县人民政府", state: str = ReportState.APPROVED):
    """A county with `n` departments, each with an approved copy of `doc`."""
    county = Agency.objects.create(name=name)
    agencies = Agency.objects.bulk_create([Agency(name=f"{name}下属机关{i:03d}", parent=county) for i in range(n)])
    for agency in agencies:
        make_report(agency, doc, state)
    return county, agencies
