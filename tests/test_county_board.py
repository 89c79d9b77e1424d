"""The round board (年度工作台) and the home page: rows, counts, filters, deadlines, and a
constant number of queries whatever the number of agencies."""

from __future__ import annotations

import datetime
import importlib.util
import io
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from annual import board
from annual.models import Agency, AgencyKind, Job, Report, ReportState, RoundDeadline, Transition
from tests.county_fixtures import county_states, make_county

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
    assert [r.agency_id for r in rows] == [pk for pk, _ in Agency.objects.tree().walk(county.county.pk)]
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
    # 2021's deadlines are past: every unsubmitted row is behind and comes first, least progress first.
    behind = [r for r in rows if r.behind]
    assert {r.state for r in behind} == {"none", S.DRAFT, S.RETURNED} and rows[: len(behind)] == behind
    assert [r.progress for r in rows] == sorted(r.progress for r in rows)


@pytest.mark.django_db
def test_board_deadline_countdown_defaults_and_overdue(client, doc_2021):
    county = make_county(6, doc_2021)
    rows = {r.agency_id: r for r in _board(client, county).context["rows"]}
    sub_default, own_default = datetime.date(county.year + 1, 1, 31), datetime.date(county.year + 1, 3, 31)
    assert rows[county.county.pk].deadline.due == own_default
    assert rows[county.agencies[1].pk].deadline.due == sub_default
    # 2021's deadlines are long past: only reports not yet submitted are overdue.
    for agency, state in zip(county.agencies, county_states(6), strict=True):
        row = rows[agency.pk]
        assert row.deadline.overdue == (state in (None, S.DRAFT, S.RETURNED)), (state, row.deadline.text)
    assert rows[county.agencies[0].pk].deadline.text == "已完成"
    assert rows[county.agencies[1].pk].deadline.text == "已提交"


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
    assert not Agency.objects.tree().has_children(leaf.pk)


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


def _rows(client, county, **params):
    return {r.agency_id: r for r in _board(client, county, **params).context["rows"]}


@pytest.mark.django_db
def test_a_department_with_a_sub_unit_keeps_the_department_deadline(client, doc_2021):
    """Under 条例第五十条 a department reports by 1-31 whether or not it has sub-units; only a
    people's government's own report is due 3-31."""
    county = make_county(3, doc_2021)
    finance = county.agencies[1]
    Agency.objects.create(name="测试县财政局下属中心", parent=finance)
    rows = _rows(client, county)
    assert rows[finance.pk].deadline.due == datetime.date(2022, 1, 31)
    assert rows[county.county.pk].deadline.due == datetime.date(2022, 3, 31)
    Agency.objects.filter(pk=finance.pk).update(kind=AgencyKind.GOVERNMENT)
    assert _rows(client, county)[finance.pk].deadline.due == datetime.date(2022, 3, 31)
    assert board.agency_due(finance.pk, 2021) == datetime.date(2022, 3, 31)


@pytest.mark.django_db
def test_county_may_set_earlier_dates_but_not_later_than_the_law(client, doc_2021):
    county = make_county(3, doc_2021)
    client.force_login(county.approver)
    url = reverse("county-deadlines", args=[county.county.pk, county.year])
    response = client.post(url, {"subordinates_due": "2022-02-15", "own_due": "2022-03-01"}, follow=True)
    assert "不能晚于法定期限 2022年01月31日" in response.content.decode()
    client.post(url, {"subordinates_due": "2022-01-10", "own_due": "2022-03-01"})
    rows = _rows(client, county)
    assert rows[county.agencies[1].pk].deadline.due == datetime.date(2022, 1, 10)
    assert rows[county.county.pk].deadline.due == datetime.date(2022, 3, 1)


@pytest.mark.django_db
def test_a_late_submission_is_shown_neutrally_and_not_as_overdue(client, doc_2021):
    county = make_county(3, doc_2021)
    submitted = Report.objects.get(agency=county.agencies[2], year=2021)  # state: submitted
    transition = Transition.objects.create(report=submitted, from_state=S.DRAFT, to_state=S.SUBMITTED, action="submit")
    late = timezone.make_aware(datetime.datetime(2022, 2, 10, 10))
    Transition.objects.filter(pk=transition.pk).update(at=late)
    response = _board(client, county)
    row = {r.agency_id: r for r in response.context["rows"]}[county.agencies[2].pk]
    assert row.deadline.text == "逾期 10 天提交" and not row.deadline.overdue and not row.behind
    html = response.content.decode()
    cell = html[html.index(f'data-agency="{county.agencies[2].pk}"') :].split("</tr>")[0]
    assert "逾期 10 天提交" in cell and "text-danger" not in cell


@pytest.mark.django_db
def test_past_board_shows_agencies_set_up_later_as_such(client, doc_2021):
    county = make_county(6, doc_2021)
    unstarted = county.agencies[5]
    Agency.objects.filter(pk=unstarted.pk).update(established_on=datetime.date(2026, 3, 1))
    response = _board(client, county)
    row = {r.agency_id: r for r in response.context["rows"]}[unstarted.pk]
    assert row.state == board.ABSENT and row.deadline.text == "当年未设立"
    assert not row.deadline.overdue and not row.behind
    assert "逾期" not in response.content.decode().split(f'data-agency="{unstarted.pk}"')[1].split("</tr>")[0]
    assert (board.ABSENT, "当年未设立", 1) in response.context["board"].counts


@pytest.mark.django_db
def test_review_column_and_filter(client, doc_2021):
    county = make_county(12, doc_2021)  # approved: agencies[1] and agencies[7]
    reviewed = Report.objects.get(agency=county.agencies[1], year=2021)
    Transition.objects.create(
        report=reviewed, from_state=S.APPROVED, to_state=S.APPROVED, action="county_approve", actor=county.approver
    )
    rows = _rows(client, county)
    assert rows[county.agencies[1].pk].review == board.REVIEW_DONE
    assert rows[county.agencies[7].pk].review == board.REVIEW_PENDING
    assert rows[county.agencies[0].pk].review == board.REVIEW_NONE  # published without review
    assert rows[county.county.pk].review == board.REVIEW_NONE  # the board's own report
    assert [r.agency_id for r in _board(client, county, review="pending").context["rows"]] == [county.agencies[7].pk]
    assert [r.agency_id for r in _board(client, county, review="done").context["rows"]] == [county.agencies[1].pk]
    text = _board(client, county).content.decode()
    assert 'data-review="pending" title="待复核">待复核' in text and 'data-review="done" title="已复核">已复核' in text
    assert '<option value="none">不需复核' in text


@pytest.mark.django_db
def test_board_searches_by_name(client, doc_2021):
    county = make_county(12, doc_2021)
    rows = _board(client, county, q=" 第07 ").context["rows"]
    assert [r.agency_id for r in rows] == [county.agencies[6].pk]
    assert _board(client, county, q="不存在的机关").content.decode().count("没有符合条件的机关") == 1


@pytest.mark.django_db
def test_siblings_in_official_order_order_field_then_pinyin_townships_last(db):
    county = Agency.objects.create(name="某县人民政府", kind=AgencyKind.GOVERNMENT)
    names = ["钱库镇人民政府", "财政局", "灵溪镇人民政府", "安监局", "民政局", "北关街道"]
    made = {name: Agency.objects.create(name=name, parent=county) for name in names}

    def order():
        tree = Agency.objects.tree()
        return [tree.name(pk) for pk in tree.descendant_ids(county.pk)]

    assert order() == ["安监局", "财政局", "民政局", "北关街道", "灵溪镇人民政府", "钱库镇人民政府"]
    Agency.objects.filter(pk=made["民政局"].pk).update(order=1)
    Agency.objects.filter(pk=made["钱库镇人民政府"].pk).update(order=2)
    assert order()[:3] == ["民政局", "钱库镇人民政府", "安监局"]


@pytest.mark.django_db
def test_behind_weighs_unfilled_sections_and_errors(client, doc_2021):
    county = make_county(6, doc_2021)
    rows = _rows(client, county, sort="laggards")
    draft, unstarted, published = (rows[county.agencies[i].pk] for i in (4, 5, 0))
    assert unstarted.behind and draft.behind and not published.behind
    assert unstarted.progress < draft.progress < published.progress
    clean_complete = board.BoardRow(0, "x", 1, draft.report, board.Summary(0, 0, 5, 5), draft.deadline)
    with_errors = board.BoardRow(0, "x", 1, draft.report, board.Summary(2, 0, 5, 5), draft.deadline)
    half = board.BoardRow(0, "x", 1, draft.report, board.Summary(0, 0, 2, 5), draft.deadline)
    assert half.progress < with_errors.progress < clean_complete.progress
    assert 'data-behind title="' in _board(client, county).content.decode()


@pytest.mark.django_db
def test_board_xlsx_has_the_rows_shown_under_the_same_labels(client, doc_2021):

    from openpyxl import load_workbook

    county = make_county(12, doc_2021)
    client.force_login(county.approver)
    url = reverse("county-board-xlsx", args=[county.county.pk, county.year])
    response = client.get(url, {"state": "none"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert values[0] == [label for _, label in board.COLUMNS]
    shown = _board(client, county, state="none").context["rows"]
    assert [v[0] for v in values[1:]] == [r.name for r in shown]
    deadline = [label for _, label in board.COLUMNS].index("截止")
    assert all(v[1] == "未建立" and v[deadline].startswith("逾期") for v in values[1:])
    html = _board(client, county).content.decode()
    for _, label in board.COLUMNS:
        # A sortable column's label is a link inside its header cell.
        assert f">{label}</th>" in html or f">{label}</a></th>" in html


@pytest.mark.django_db
def test_board_prints_on_a4_landscape_with_a_repeated_header(client, doc_2021):
    from django.contrib.staticfiles import finders

    county = make_county(3, doc_2021)
    html = _board(client, county).content.decode()
    assert 'board-print.css" media="print"' in html
    css = Path(finders.find("annual/board-print.css")).read_text(encoding="utf-8")
    assert "size: A4 landscape" in css and "display: table-header-group" in css


@pytest.mark.django_db
def test_bulk_job_buttons_start_show_progress_and_download(client, doc_2021):
    county = make_county(6, doc_2021)
    client.force_login(county.approver)
    html = _board(client, county).content.decode()
    assert 'data-action="bulk-county_pdfs"' in html and 'data-action="bulk-county_packages"' in html
    start = reverse("county-bulk-start", args=[county.county.pk, county.year, "county_pdfs"])
    response = client.post(start, follow=True)
    assert "已开始生成“全部已通过报告的 PDF”" in response.content.decode()
    job = Job.objects.get(kind="county_pdfs", agency=county.county)
    status = client.get(reverse("county-bulk-status", args=[county.county.pk, county.year, job.pk])).json()
    assert status["finished"] and status["download"] and "已完成：2 份报告" in status["progress"]
    download = client.get(status["download"])
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert b"".join(download.streaming_content)[:2] == b"PK"
    assert "下载 ZIP" in _board(client, county).content.decode()
    # Another county's job is not reachable through this board.
    other = make_county(1, doc_2021, name="另一县人民政府")
    assert client.get(reverse("county-bulk-status", args=[other.county.pk, 2021, job.pk])).status_code == 404


@pytest.mark.django_db
def test_import_report_kind_sets_a_new_agencys_deadline(doc_2021, tmp_path):
    import json

    from django.core.management import call_command

    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc_2021, ensure_ascii=False), encoding="utf-8")
    call_command("import_report", str(path), "--agency", "某县人民政府", "--kind", "government")
    call_command("import_report", str(path), "--agency", "某县教育局", "--parent", "某县人民政府")
    government, department = Agency.objects.get(name="某县人民政府"), Agency.objects.get(name="某县教育局")
    assert (government.kind, department.kind) == (AgencyKind.GOVERNMENT, AgencyKind.DEPARTMENT)
    assert board.agency_due(government.pk, 2021) == datetime.date(2022, 3, 31)
    assert board.agency_due(department.pk, 2021) == datetime.date(2022, 1, 31)
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--kind 的值“county”无效"):
        call_command("import_report", str(path), "--agency", "另一机关", "--kind", "county")


@pytest.mark.django_db
def test_board_world_has_sixty_agencies_in_every_state(client):
    """The acceptance world (bench/board_world.py), signed in through the login form as its county
    approver: 60 rows this round; last round's board shows lateness, overdue rows and the office
    set up this year."""
    spec = importlib.util.spec_from_file_location(
        "board_world", Path(__file__).resolve().parent.parent / "bench/board_world.py"
    )
    assert spec is not None and spec.loader is not None
    board_world = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(board_world)
    said: list[str] = []
    board_world.World(say=said.append).load("demo12345")
    assert "示范县就绪：60 个机关" in said[0]
    response = client.post(reverse("login"), {"username": "world_county", "password": "demo12345"})
    assert response.status_code == 302
    this_round = client.get(reverse("county-home"), follow=True).context
    assert len(this_round["rows"]) == 60
    county = this_round["board"].agency
    assert county.kind == AgencyKind.GOVERNMENT
    last = client.get(reverse("county-board", args=[county.pk, this_round["board"].year - 1])).context["rows"]
    texts = [r.deadline.text for r in last]
    assert "当年未设立" in texts and "逾期 12 天提交" in texts and any(t.startswith("逾期 3") for t in texts)
    townships = [i for i, r in enumerate(last) if r.name.endswith(("镇", "乡"))]
    assert townships == list(range(len(last) - len(townships), len(last)))  # grouped after the departments
