"""Cross-year warnings compare with last year's approved report, or say what they compared
with (item 13): an unfinished draft must not be taken for the final figures."""

from __future__ import annotations

import pytest

from annual.interchange import load_report, previous_document, report_to_document
from annual.models import Report, ReportSnapshot, ReportState
from annual.rules import check_document

pytestmark = pytest.mark.django_db


def _carry(findings):
    return [f for f in findings if f.rule == "carry_over_continuity"]


def _this_year(personas, carried_over: int) -> dict:
    doc = report_to_document(load_report(personas.report_a.pk))
    doc["applications"]["carried_over"]["natural_person"] = carried_over
    return doc


def test_compares_with_last_years_approved_values_not_its_later_draft(personas, seed_report):
    approved = report_to_document(load_report(seed_report.pk))
    approved["applications"]["carried_forward"]["natural_person"] = 7
    ReportSnapshot.objects.create(report=seed_report, document=approved, sha256="0" * 64)
    # Reopened since and changed to 9 in the draft: the approved 7 is still what counts.
    Report.objects.filter(pk=seed_report.pk).update(state=ReportState.RETURNED)
    row = seed_report.application_rows.get(key="carried_forward")
    row.natural_person = 9
    row.save()
    previous = previous_document(personas.agency_a.pk, 2021)
    assert previous["applications"]["carried_forward"]["natural_person"] == 7
    assert not [
        f
        for f in _carry(check_document(_this_year(personas, 7), previous))
        if f.cells == ("applications.carried_over.natural_person",)
    ]
    (finding,) = [
        f
        for f in _carry(check_document(_this_year(personas, 9), previous))
        if f.cells == ("applications.carried_over.natural_person",)
    ]
    assert "已审核通过" in finding.message and "7" in finding.message


def test_unapproved_last_year_is_named_in_the_warning(personas, seed_report):
    previous = previous_document(personas.agency_a.pk, 2021)
    (finding,) = [
        f
        for f in _carry(check_document(_this_year(personas, 12345), previous))
        if f.cells == ("applications.carried_over.natural_person",)
    ]
    assert "尚未审核通过" in finding.message and "草稿" in finding.message
