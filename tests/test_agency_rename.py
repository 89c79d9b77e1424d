"""Last year's report is the same agency's, across a rename (曾用名): the carry-over check, the
board's 检查 column and the 汇总's year-on-year column still pair the two years. And an approved
PDF re-renders to the same bytes whatever happens to last year's report afterwards."""

from __future__ import annotations

import copy
import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from annual import board, report_cache
from annual.interchange import load_report, previous_document, report_to_document, write_document
from annual.models import Agency, AgencyFormerName, Report, ReportState, Role
from annual.rollup import county_year
from annual.rules import WARNING, check_document
from annual.sections import new_document
from annual.snapshots import freeze_report, render_final_pdf
from tests.personas import make_user

pytestmark = pytest.mark.django_db

OLD, NEW = "洪泽区人民政府", "淮安市洪泽区人民政府"
CITY = "淮安市人民政府"


def _import(tmp_path, doc: dict, *args: str) -> tuple[str, str]:
    path = tmp_path / f"{doc['agency']}-{doc['year']}.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_report", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _carry_over(findings) -> list:
    return [f for f in findings if f.rule == "carry_over_continuity"]


@pytest.fixture
def renamed(tmp_path, doc_2021):
    """洪泽区人民政府 reported 2023 under its old name; renamed, it reports 2024 under the new one.

    Both years carry the demo figures: 2024's 上年结转 (2) is not 2023's 结转下年度 (1), so a
    carry-over warning appears exactly when the two years are paired."""
    this_year = copy.deepcopy(doc_2021) | {"agency": NEW, "year": 2024}
    last_year = copy.deepcopy(doc_2021) | {"agency": OLD, "year": 2023}
    _import(tmp_path, last_year, "--agency", OLD, "--parent", CITY)
    agency = Agency.objects.get(name=OLD)
    agency.name = NEW
    agency.save()
    AgencyFormerName.objects.create(agency=agency, name=OLD, until_year=2023)
    _import(tmp_path, this_year, "--agency", NEW)
    Report.objects.filter(agency=agency).update(state=ReportState.APPROVED)
    return agency


def test_renamed_agency_import_under_a_former_name_attaches_to_the_agency(tmp_path, doc_2021, renamed):
    earlier = copy.deepcopy(doc_2021) | {"agency": OLD, "year": 2022}
    out, err = _import(tmp_path, earlier, "--agency", OLD)
    assert f"“{OLD}”是“{NEW}”的曾用名（使用至 2023 年），报告归入现名“{NEW}”" in err
    assert "已新建机关" not in out
    assert Agency.objects.filter(name__in=[OLD, NEW]).count() == 1
    assert sorted(renamed.reports.values_list("year", flat=True)) == [2022, 2023, 2024]
    # A report prints the name it was published under, and either name finds it.
    assert report_to_document(load_report(renamed.reports.get(year=2023).pk))["agency"] == OLD
    for name in (OLD, NEW):
        exported = io.StringIO()
        call_command("export_report", "--agency", name, "--year", "2023", stdout=exported)
        assert json.loads(exported.getvalue())["agency"] == OLD


def test_renamed_agency_carry_over_check_pairs_the_two_years(renamed):
    report = Report.objects.get(agency=renamed, year=2024)
    previous = previous_document(renamed.pk, 2024)
    assert previous is not None and previous["agency"] == OLD and previous["year"] == 2023
    (finding,) = [
        f
        for f in _carry_over(report_cache.overview(report).findings)
        if f.cells == ("applications.carried_over.natural_person",)
    ]
    assert "1" in finding.message


def test_renamed_agency_board_check_column_pairs_the_two_years(renamed):
    county = Agency.objects.get(name=CITY)
    (row,) = [r for r in board.build_board(county, 2024, today=datetime.date(2025, 1, 10)).rows if r.report]
    assert row.report is not None
    doc = report_to_document(load_report(row.report.pk))
    alone = [f for f in check_document(doc) if f.severity == WARNING]
    paired = [f for f in check_document(doc, previous_document(renamed.pk, 2024)) if f.severity == WARNING]
    assert _carry_over(paired) and not _carry_over(alone)
    assert row.warnings == len(paired)


def test_renamed_agency_rollup_compares_with_last_year(client, renamed):
    county = Agency.objects.get(name=CITY)
    data = county_year(county, 2024)
    assert data.previous is not None
    assert [p.node.id for p in data.previous.parts] == [renamed.pk]
    (continuity,) = [c for c in data.continuity if c.node.id == renamed.pk]
    assert continuity.status == "不一致" and continuity.last_year and continuity.last_year.year == 2023
    client.force_login(make_user("city_approver", county, Role.APPROVER))
    page = client.get(reverse("county-rollup", args=[county.pk, 2024])).content.decode()
    assert "上年 27" in page  # 三、本年新收政府信息公开申请数量 合计, 2023 against 2024


@pytest.mark.pdf
def test_approved_pdf_rerenders_the_same_bytes_after_last_years_report_changed(doc_2021, seed_doc):
    agency = Agency.objects.create(name="苍南县教育局")
    last_year = write_document(copy.deepcopy(seed_doc), agency)
    report = write_document(copy.deepcopy(doc_2021), agency)
    approver = make_user("appr", agency, Role.APPROVER)
    snapshot = freeze_report(report, user=approver)
    first, _ = render_final_pdf(snapshot, title=report.display_title)

    changed = report_to_document(load_report(last_year.pk))
    changed["applications"]["carried_forward"]["natural_person"] = 5
    changed["applications"]["carried_forward"]["total"] = 5
    write_document(changed, agency, report=last_year)
    live = check_document(snapshot.document, previous_document(agency.pk, report.year))
    frozen = check_document(snapshot.document, snapshot.last_year)
    assert [f.message for f in _carry_over(live)] != [f.message for f in _carry_over(frozen)]

    snapshot.refresh_from_db()
    again, _ = render_final_pdf(snapshot, title=report.display_title)
    # The document is the same bytes. The PAdES signature appended to it records a new signing
    # time, and its compressed update may differ in length by a byte or so, so only the rendered
    # revision is compared (the job keeps the first file it stored anyway).
    assert _document_revision(again) == _document_revision(first)


def _document_revision(pdf: bytes) -> bytes:
    """The PDF as rendered, before the incremental update that signs it."""
    end = pdf.index(b"%%EOF") + len(b"%%EOF")
    assert end < len(pdf), "the approved PDF is signed in an incremental update"
    return pdf[:end]


def test_former_names_are_edited_in_the_agency_admin(client, db):
    agency = Agency.objects.create(name=NEW)
    client.force_login(make_user("root", None, None, is_staff=True, is_superuser=True))
    url = reverse("admin:annual_agency_change", args=[agency.pk])
    form = {
        "name": NEW,
        "kind": "department",
        "children-TOTAL_FORMS": "0",
        "children-INITIAL_FORMS": "0",
        "former_names-TOTAL_FORMS": "1",
        "former_names-INITIAL_FORMS": "0",
        "former_names-0-name": f" {OLD} ",
        "former_names-0-until_year": "2023",
    }
    assert client.post(url, form).status_code == 302
    assert [(f.name, f.until_year) for f in agency.former_names.all()] == [(OLD, 2023)]
    refused = client.post(url, form | {"former_names-0-name": NEW})
    assert "是该机关的现用名称，不是曾用名" in refused.content.decode()
    assert Agency.objects.named(OLD) == (agency, agency.former_names.get())


def test_new_report_of_a_renamed_agency_takes_the_new_name(renamed):
    found = previous_document(renamed.pk, 2024)
    assert found is not None
    last_year = found | {"agency": OLD}
    last_year["meta"]["signed_by"] = OLD
    doc = new_document(renamed, 2024, last_year)
    assert doc["agency"] == NEW and doc["meta"]["signed_by"] == NEW
    kept = new_document(renamed, 2024, last_year | {"agency": "洪泽区政府"})  # a label, not a former name
    assert kept["agency"] == "洪泽区政府"
