"""The section services: saving (query count, history, locking), creating a report with
prefill from last year, completeness, and the home page built on them."""

from __future__ import annotations

import copy
import datetime

import pytest
from django.urls import reverse

from annual import sections
from annual import template_spec as spec
from annual.interchange import load_report, report_to_document, write_document
from annual.models import ApplicationRow, Report, ReportState
from tests.entry_fixtures import client_for

pytestmark = pytest.mark.django_db


def _values(report, key):
    report = load_report(report.pk)
    return sections.section_values(report_to_document(report), report, key)


@pytest.mark.parametrize("key", ["applications", "review_litigation", "proactive", "basic", "overview"])
def test_save_section_query_count_does_not_grow_with_changed_rows(
    personas, seed_report, key, django_assert_max_num_queries
):
    values = _values(seed_report, key)
    numeric = [p for p, v in values.items() if isinstance(v, int) and not isinstance(v, bool)]
    one = dict(values)
    if numeric:
        one[numeric[0]] += 1
    elif key == "basic":
        one["meta.index_number"] = "新"
    else:
        one[key] = "新"
    with django_assert_max_num_queries(12):
        sections.save_section(seed_report.pk, key, one, loaded_revision=0, user=personas.preparer_a)
    every = {p: (v + 5 if isinstance(v, int) else v) for p, v in one.items()}
    if key in sections.TABLE_KEYS:
        every = {p: 7 if "amount" not in p else "7.5" for p in one}
    with django_assert_max_num_queries(12):
        result = sections.save_section(seed_report.pk, key, every, loaded_revision=1, user=personas.preparer_a)
    assert result.revision == 2


def test_save_section_records_history_old_to_new_with_user(personas, seed_report):
    values = _values(seed_report, "applications")
    values["applications.withheld_internal_affairs.natural_person"] = 1
    sections.save_section(seed_report.pk, "applications", values, loaded_revision=0, user=personas.preparer_a)
    row = ApplicationRow.objects.get(report=seed_report, key="withheld_internal_affairs")
    new, old = row.history.all()[:2]
    assert (old.natural_person, new.natural_person) == (None, 1)
    assert new.history_user == personas.preparer_a
    delta = new.diff_against(old)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("natural_person", None, 1)]
    assert load_report(seed_report.pk).history.first().history_user == personas.preparer_a


def test_save_section_conflict_carries_current_values_and_writes_nothing(personas, seed_report):
    values = _values(seed_report, "overview")
    sections.save_section(seed_report.pk, "overview", {"overview": "甲"}, loaded_revision=0, user=personas.preparer_a)
    with pytest.raises(sections.SectionConflict) as exc:
        sections.save_section(
            seed_report.pk, "overview", values | {"overview": "乙"}, loaded_revision=0, user=personas.approver_a
        )
    assert exc.value.current == {"overview": "甲"}
    assert exc.value.revision == 1 and exc.value.saved_by == "prep_a"
    assert load_report(seed_report.pk).overview == "甲"


@pytest.mark.parametrize("state", [ReportState.SUBMITTED, ReportState.APPROVED, ReportState.PUBLISHED])
def test_save_section_refuses_locked_reports(personas, seed_report, state):
    Report.objects.filter(pk=seed_report.pk).update(state=state)
    with pytest.raises(sections.NotEditable):
        sections.save_section(
            seed_report.pk,
            "applications",
            _values(seed_report, "applications"),
            loaded_revision=0,
            user=personas.preparer_a,
        )


def test_create_report_2021_prefills_carried_over_from_last_years_carried_forward(personas, seed_report):
    Report.objects.filter(pk=personas.report_a.pk).delete()  # free 2021 for agency A
    report = sections.create_report(personas.agency_a, 2021, personas.preparer_a)
    doc = report_to_document(load_report(report.pk))
    assert doc["template"] == spec.V2021
    assert doc["applications"]["carried_over"] == {
        c.key: (6 if c.key == "total" else None) for c in spec.APPLICATION_COLUMNS
    }
    assert doc["agency"] == "苍南县人民政府办公室"  # the label last year's report used
    assert doc["meta"]["signed_by"] == "苍南县人民政府办公室" and "index_number" not in doc["meta"]
    assert doc["applications"]["received"]["total"] is None


def test_create_report_2019_prefills_previous_projects_from_last_year(personas, seed_doc):
    last = copy.deepcopy(seed_doc)
    last["year"] = 2019
    last["proactive"]["licensing"] = {"previous": 120, "change": -7, "decisions": 3}
    write_document(last, personas.agency_b)
    report = sections.create_report(personas.agency_b, 2020, personas.preparer_b)
    doc = report_to_document(load_report(report.pk))
    assert doc["template"] == spec.V2019
    assert doc["proactive"]["licensing"] == {"previous": 113, "change": None, "decisions": None}
    assert doc["proactive"]["penalty"]["previous"] == 0
    assert doc["proactive"]["procurement"] == {"projects": None, "amount_wan_yuan": None}


def test_create_report_without_last_year_is_blank_and_refuses_duplicates(personas):
    report = sections.create_report(personas.agency_b, 2030, personas.preparer_b)
    doc = report_to_document(load_report(report.pk))
    assert doc["agency"] == personas.agency_b.name and doc["meta"] == {}
    assert all(v is None for v in doc["applications"]["carried_over"].values())
    with pytest.raises(sections.ReportExists):
        sections.create_report(personas.agency_b, 2030, personas.preparer_b)


def test_new_report_view_creates_and_reports_bad_years(personas):
    client = client_for(personas.preparer_b)
    response = client.post(reverse("report-new"), {"year": "2031"})
    report = Report.objects.get(agency=personas.agency_b, year=2031)
    assert response.url == reverse("report-step", args=[report.pk, "basic"])
    for year, message in (("2031", "已存在"), ("1999", "2000 至 2100"), ("abc", "新建报告失败")):
        html = client.post(reverse("report-new"), {"year": year}, follow=True).content.decode()
        assert message in html
    admin = client_for(personas.admin).post(reverse("report-new"), {"year": "2031"}, follow=True)
    assert Report.objects.filter(year=2031).count() == 1
    assert "您没有为本机关新建报告的权限" in admin.content.decode()


def test_completeness_of_each_step(personas, seed_report):
    report = load_report(seed_report.pk)
    doc = report_to_document(report)
    status = {
        key: sections.completeness(doc, report, key).status
        for key in ("basic", "overview", "proactive", "applications", "review_litigation", "other_matters")
    }
    assert set(status.values()) == {sections.COMPLETE}
    blank = sections.new_document(personas.agency_b, 2030, None)
    assert sections.completeness(blank, report, "applications").status == sections.EMPTY
    blank["applications"]["granted"]["natural_person"] = 3
    assert sections.completeness(blank, report, "applications").status == sections.PARTIAL


def test_overview_counts_findings_per_step(personas, seed_report):
    ov = sections.overview(load_report(seed_report.pk))
    counts = {s.step.slug: (s.errors, s.warnings) for s in ov.steps}
    assert counts["applications"] == (4, 0)
    assert counts["review"] == (4, 0)
    assert counts["review-litigation"] == (0, 0)


def test_home_lists_own_reports_and_approver_reaches_subordinates_on_the_board(personas, seed_report):
    html = client_for(personas.preparer_a).get(reverse("home")).content.decode()
    assert f'data-report="{seed_report.pk}"' in html and f'data-report="{personas.report_a.pk}"' in html
    assert f'data-report="{personas.report_b.pk}"' not in html
    assert "4 错误" in html and "草稿" in html and "已填写" in html
    # Subordinates' reports are on the round board, which the county approver's home links to.
    county = client_for(personas.county_approver).get(reverse("home")).content.decode()
    assert 'data-link="county-board"' in county and f'data-report="{personas.report_b.pk}"' not in county
    board = client_for(personas.county_approver).get(reverse("county-board", args=[personas.county.pk, 2021]))
    assert f'data-report="{personas.report_b.pk}"' in board.content.decode()
    assert ">填报</a>" not in board.content.decode()  # read-only: no 填报 button


@pytest.mark.parametrize(
    "today,taken,expected",
    [
        (datetime.date(2026, 11, 27), set(), 2026),
        (datetime.date(2027, 1, 10), set(), 2026),
        (datetime.date(2027, 1, 10), {2026}, 2027),
        (datetime.date(2026, 9, 30), set(), 2025),
    ],
)
def test_default_new_year_follows_the_reporting_season(today, taken, expected):
    assert sections.default_new_year(today, taken) == expected


def test_revised_sections_are_the_entry_steps():
    from annual.interchange import REVISED_SECTIONS

    assert REVISED_SECTIONS == tuple(s.key for s in sections.EDIT_STEPS)


@pytest.mark.django_db
def test_import_over_a_report_makes_an_open_page_conflict(tmp_path, personas, seed_report):
    """A page loaded before `import_report --replace` must not silently overwrite the import."""
    import io
    import json

    from django.core.management import call_command

    loaded = sections.section_revision(seed_report, "applications")
    doc = report_to_document(load_report(seed_report.pk))
    doc["applications"]["received"]["natural_person"] = 99
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    call_command("import_report", str(path), agency=seed_report.agency.name, replace=True, stdout=io.StringIO())
    with pytest.raises(sections.SectionConflict) as exc:
        sections.save_section(
            seed_report.pk,
            "applications",
            {"applications.received.natural_person": 1},
            loaded_revision=loaded,
            user=personas.preparer_a,
        )
    assert exc.value.current["applications.received.natural_person"] == 99
