"""The round board (年度工作台) and the home page: rows, counts, filters, deadlines, and a
constant number of queries whatever the number of agencies."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from annual import board
from annual.models import Agency, ReportState, RoundDeadline
from annual.tree import AgencyTree
from tests.county_fixtures import make_county

S = ReportState


def _board(client, county, **params):
    client.force_login(county.approver)
    return client.get(reverse("county-board", args=[county.county.pk, county.year]), params)


@pytest.mark.postgres  # each row's last change is a subquery annotation
@pytest.mark.django_db
def test_board_has_a_row_per_agency_in_tree_order_including_unstarted(client, doc_2021):
    county = make_county(12, doc_2021)
    response = _board(client, county)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r.agency_id for r in rows] == [pk for pk, _ in AgencyTree.load().walk(county.county.pk)]
    assert rows[0].agency_id == county.county.pk and rows[0].state == board.NOT_STARTED
    nested = [r for r in rows if r.depth == 2]
    assert nested and all(r.name.startswith("测试县") for r in nested)
    counts = {s: n for s, _, n in response.context["board"].counts}
    assert counts == {S.PUBLISHED: 2, S.APPROVED: 2, S.SUBMITTED: 2, S.RETURNED: 2, S.DRAFT: 2, "none": 3}
    text = response.content.decode()
    assert "未建立" in text and "https://www.example.gov.cn/art/1.html" in text
    assert "SHA-256" not in text


@pytest.mark.django_db
def test_board_filters_by_state_and_level_and_sorts_laggards_first(client, doc_2021):
    county = make_county(12, doc_2021)
    rows = _board(client, county, state="none").context["rows"]
    assert rows and {r.state for r in rows} == {"none"}
    rows = _board(client, county, level="2").context["rows"]
    assert rows and {r.depth for r in rows} == {2}
    rows = _board(client, county, sort="laggards").context["rows"]
    order = [board.STATE_ORDER.index(r.state) for r in rows]
    assert order == sorted(order, reverse=True)


@pytest.mark.django_db
def test_board_deadline_countdown_defaults_and_overdue(client, doc_2021):
    county = make_county(3, doc_2021)
    rows = {r.agency_id: r for r in _board(client, county).context["rows"]}
    sub_default, own_default = datetime.date(county.year + 1, 1, 31), datetime.date(county.year + 1, 3, 31)
    assert rows[county.county.pk].deadline.due == own_default
    assert rows[county.agencies[1].pk].deadline.due == sub_default
    # 2021's deadlines are long past: every unpublished report is overdue, a published one done.
    assert rows[county.agencies[1].pk].deadline.overdue
    assert rows[county.agencies[0].pk].deadline.done and not rows[county.agencies[0].pk].deadline.overdue


@pytest.mark.django_db
def test_deadlines_are_set_per_county_and_year(client, doc_2021):
    county = make_county(3, doc_2021)
    client.force_login(county.approver)
    url = reverse("county-deadlines", args=[county.county.pk, county.year])
    response = client.post(url, {"subordinates_due": "2022-01-15", "own_due": "2022-03-01"})
    assert response.status_code == 302
    deadline = RoundDeadline.objects.get(agency=county.county, year=county.year)
    assert (deadline.subordinates_due, deadline.own_due) == (datetime.date(2022, 1, 15), datetime.date(2022, 3, 1))
    rows = {r.agency_id: r for r in _board(client, county).context["rows"]}
    assert rows[county.agencies[1].pk].deadline.due == datetime.date(2022, 1, 15)
    # The subordinates' date may not come after the county's own.
    response = client.post(url, {"subordinates_due": "2022-04-15", "own_due": "2022-03-01"}, follow=True)
    assert "下级机关报告的截止日期不能晚于本级报告的截止日期" in response.content.decode()
    assert RoundDeadline.objects.get(agency=county.county, year=county.year).subordinates_due.month == 1


@pytest.mark.django_db
def test_agency_home_page_shows_its_countdown(client, doc_2021):
    county = make_county(3, doc_2021)
    client.force_login(county.preparer)
    text = client.get(reverse("home")).content.decode()
    assert 'data-testid="own-deadline"' in text


@pytest.mark.django_db
@pytest.mark.parametrize("size", [3, 30])
def test_board_queries_do_not_grow_with_agencies(client, doc_2021, django_assert_max_num_queries, size):
    county = make_county(size, doc_2021)
    client.force_login(county.approver)
    url = reverse("county-board", args=[county.county.pk, county.year])
    # 14 today (session, user, tree, rows in bulk, …); the bound leaves room, not growth.
    with django_assert_max_num_queries(18):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["rows"]) == size + 1


@pytest.mark.django_db
@pytest.mark.parametrize("years", [1, 8])
def test_home_queries_do_not_grow_with_reports(client, doc_2021, django_assert_max_num_queries, years):
    """A county approver over 30 agencies, with `years` reports of the county's own."""
    import copy

    from annual.interchange import write_document

    county = make_county(30, doc_2021)
    for year in range(2021 - years + 1, 2022):
        own = copy.deepcopy(doc_2021)
        own.update(agency=county.county.name, year=year)
        if year < 2021:
            own["template"] = "2021"
        write_document(own, county.county)
    client.force_login(county.approver)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert 'data-link="county-board"' in response.content.decode()


@pytest.mark.django_db
def test_board_is_404_for_an_agency_without_subordinates_or_outside(client, doc_2021):
    county = make_county(3, doc_2021)
    other = make_county(3, doc_2021, name="另一县人民政府")
    client.force_login(county.approver)
    assert client.get(reverse("county-board", args=[other.county.pk, 2021])).status_code == 404
    assert client.get(reverse("county-board", args=[county.agencies[0].pk, 2021])).status_code == 404
    assert client.get(reverse("county-home")).status_code == 302
    leaf = Agency.objects.get(pk=county.agencies[1].pk)
    assert not AgencyTree.load().has_children(leaf.pk)


@pytest.mark.django_db
def test_board_summary_follows_a_changed_report(client, doc_2021):
    """Summaries are cached per saved version: a change shows on the next load."""
    import copy

    from annual.interchange import write_document
    from annual.models import Report

    county = make_county(5, doc_2021)
    draft_agency = county.agencies[4]
    rows = {r.agency_id: r for r in _board(client, county).context["rows"]}
    assert rows[draft_agency.pk].errors == 0
    broken = copy.deepcopy(doc_2021)
    broken["agency"] = draft_agency.name
    broken["applications"]["received"]["natural_person"] = (
        broken["applications"]["received"]["natural_person"] or 0
    ) + 5
    write_document(broken, draft_agency, report=Report.objects.get(agency=draft_agency, year=county.year))
    rows = {r.agency_id: r for r in _board(client, county).context["rows"]}
    assert rows[draft_agency.pk].errors > 0
