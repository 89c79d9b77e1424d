"""A generated county for the round board's tests: a county government, N subordinate agencies
(every fifth one with a township office below it), their reports in every state, and people.

`make_county(n, doc)` is a plain function so browser tests (transactional) and database tests
share it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from annual.interchange import write_document
from annual.models import Agency, AgencyKind, Report, ReportState, Role
from tests.personas import make_user

S = ReportState
# Cycled over the agencies; None means the agency has not started (no report).
STATES = (S.PUBLISHED, S.APPROVED, S.SUBMITTED, S.RETURNED, S.DRAFT, None)


def county_states(n: int) -> list:
    """The state `make_county(n, …)` gives each agency's report, in the order of `County.agencies`."""
    return [STATES[i % len(STATES)] for i in range(n)]


@dataclass
class County:
    county: Agency
    agencies: list[Agency]  # every agency below the county, direct ones and nested ones
    approver: object
    preparer: object  # the preparer of agencies[0]
    year: int


def make_county(n: int, doc: dict, *, name: str = "测试县人民政府", password: str | None = None) -> County:
    county = Agency.objects.create(name=name, kind=AgencyKind.GOVERNMENT)
    approver = make_user(f"appr_{county.pk}", county, Role.APPROVER, password=password)
    agencies = []
    for i in range(n):
        parent = county
        if i % 5 == 4:  # nested one level below the previous agency
            parent = agencies[-1]
        agency = Agency.objects.create(
            name=f"{name.removesuffix('人民政府')}第{i + 1:02d}机关（测试用较长的机关名称）", parent=parent
        )
        agencies.append(agency)
        state = STATES[i % len(STATES)]
        make_user(f"prep_{agency.pk}", agency, Role.PREPARER, password=password)
        if state is None:
            continue
        report_doc = copy.deepcopy(doc)
        report_doc["agency"] = agency.name
        report = write_document(report_doc, agency)
        Report.objects.filter(pk=report.pk).update(
            state=state, portal_url="https://www.example.gov.cn/art/1.html" if state == S.PUBLISHED else ""
        )
    preparer = agencies[0].members.get().user
    return County(county, agencies, approver, preparer, doc["year"])
