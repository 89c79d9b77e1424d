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


def scaled(doc: dict, k: int) -> dict:
    """`doc` with every count and amount multiplied by `k`: every blocking rule is a linear
    equality, so a valid report stays valid, and each agency gets figures of its own."""
    from decimal import Decimal

    doc = copy.deepcopy(doc)
    for section in ("proactive", "applications", "review_litigation"):
        for values in doc[section].values():
            for key, value in values.items():
                if isinstance(value, int):
                    values[key] = value * k
                elif isinstance(value, str):
                    values[key] = f"{Decimal(value) * k:f}"
    return doc


def fixed_seed(seed_doc: dict) -> dict:
    """The 2020 seed report with its four published errors corrected."""
    doc = copy.deepcopy(seed_doc)
    doc["applications"]["withheld_internal_affairs"]["natural_person"] = 1
    doc["applications"]["carried_forward"]["natural_person"] = 6
    return doc


def make_big_county(
    n: int, docs_by_year: dict[int, dict], *, name: str = "苍南县人民政府", townships: int = 0
) -> tuple[Agency, list[Agency]]:
    """A county of `n` agencies (the first `townships` of them with two offices each below them),
    each with a published report per year, scaled differently per agency."""
    county = Agency.objects.create(name=name)
    agencies = []
    for i in range(n):
        agency = Agency.objects.create(name=f"{name}第{i + 1:03d}单位", parent=county)
        agencies.append(agency)
        if i < townships:
            agencies += [Agency.objects.create(name=f"{agency.name}·{j}办", parent=agency) for j in (1, 2)]
    for index, agency in enumerate(agencies):
        for year, doc in docs_by_year.items():
            make_report(agency, scaled(doc, 1 + (index + year) % 5), ReportState.PUBLISHED)
    return county, agencies
