"""Named personas for workflow, permission and security tests.

A county (苍南县人民政府) with two subordinate agencies A and B, each with a preparer and an
approver and a 2021 report that passes every rule; a county approver; an administrator; and
another county (平阳县人民政府) with one department, whose approver is an outsider to all of it.
The `personas` fixture (tests/conftest.py) builds them once per test module and rolls each
test's writes back; `build_personas` is the plain builder behind it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from annual.interchange import write_document
from annual.models import Agency, AgencyKind, Membership, Report, Role
from annual.workflow import APPROVE, SUBMIT, perform_transition

PASSWORD = "correct-horse-battery-42"


@dataclass
class Personas:
    county: Agency
    agency_a: Agency
    agency_b: Agency
    preparer_a: object
    approver_a: object
    preparer_b: object
    approver_b: object
    county_approver: object
    admin: object
    other_county: Agency
    other_county_approver: object
    report_a: Report
    report_b: Report

    def user(self, name: str):
        return getattr(self, name)


def make_user(username: str, agency: Agency | None, role: str | None, *, password: str | None = None, **extra):
    """A user of `agency` in `role`. Without `password` the user cannot sign in with one (tests
    use `force_login`), which keeps the many persona fixtures free of slow password hashing."""
    user = get_user_model().objects.create_user(
        username, email=f"{username}@example.gov.cn", password=password, **extra
    )
    if agency is not None:
        Membership.objects.create(user=user, agency=agency, role=role)
    return user


def build_personas(doc_2021: dict) -> Personas:
    county = Agency.objects.create(name="苍南县人民政府", kind=AgencyKind.GOVERNMENT)
    agency_a = Agency.objects.create(name="苍南县教育局", parent=county)
    agency_b = Agency.objects.create(name="苍南县卫生健康局", parent=county)
    other_county = Agency.objects.create(name="平阳县人民政府", kind=AgencyKind.GOVERNMENT)
    Agency.objects.create(name="平阳县教育局", parent=other_county)
    doc_b = copy.deepcopy(doc_2021)
    doc_b["agency"] = agency_b.name
    return Personas(
        county=county,
        agency_a=agency_a,
        agency_b=agency_b,
        preparer_a=make_user("prep_a", agency_a, Role.PREPARER),
        approver_a=make_user("appr_a", agency_a, Role.APPROVER),
        preparer_b=make_user("prep_b", agency_b, Role.PREPARER),
        approver_b=make_user("appr_b", agency_b, Role.APPROVER),
        county_approver=make_user("county", county, Role.APPROVER),
        admin=make_user("admin", county, Role.ADMIN, is_staff=True, is_superuser=True),
        other_county=other_county,
        other_county_approver=make_user("other_county", other_county, Role.APPROVER),
        report_a=write_document(copy.deepcopy(doc_2021), agency_a),
        report_b=write_document(doc_b, agency_b),
    )


def submit_and_approve(p: Personas, report: Report | None = None, *, capture=None) -> Report:
    """`report` (A's by default) submitted by A's preparer and approved by A's approver through
    the workflow; with `capture` (pytest-django's `django_capture_on_commit_callbacks`) the
    approval's on-commit work (the final PDF job, the notification) runs as after a real commit."""
    report = report or p.report_a
    perform_transition(report, SUBMIT, user=p.preparer_a)
    if capture is None:
        perform_transition(report, APPROVE, user=p.approver_a)
    else:
        with capture(execute=True):
            perform_transition(report, APPROVE, user=p.approver_a)
    report.refresh_from_db()
    return report
