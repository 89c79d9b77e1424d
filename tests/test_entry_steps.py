"""Every entry step over HTTP: what it shows, what it saves, bad input, conflicts, read-only."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from annual import sections
from annual.document import MAX_TEXT_CHARS
from annual.interchange import load_report, report_to_document
from annual.models import ApplicationRow, ReportState
from tests.entry_fixtures import client_for, step_data

pytestmark = pytest.mark.django_db

SLUGS = [s.slug for s in sections.STEPS]


def url(report, slug):
    return reverse("report-step", args=[report.pk, slug])


SHOWN = {
    "basic": ['value="001008003009001/2021-29025"', 'value="2021-01-30"', "灵溪镇人民大道555号"],
    "overview": ["受理依申请公开办件46件"],
    "proactive": ['name="proactive.procurement.amount_wan_yuan"', 'value="271.53"', "第二十条第（九）项", "采购总金额"],
    "applications": [
        'name="applications.received.natural_person" value="46"',
        "属于三类内部事务信息",
        "申请人情况",
        "法人或其他组织",
        "本列数据的勾稽关系为",
        'id="grid-config"',
    ],
    "review-litigation": ['name="review_litigation.litigation_direct.total"', "未经复议直接起诉", "复议后起诉"],
    "problems": ["(一)存在问题"],
    "other-matters": ["无。"],
    "review": [
        "苍南县人民政府办公室2020年度政府信息公开工作年度报告",
        "六类申请人之和为 0，总计填写为 1",
        "#cell-applications.withheld_internal_affairs.total",
    ],
}


@pytest.mark.parametrize("slug", SLUGS)
def test_step_page_shows_saved_values_and_step_list(personas, seed_report, slug):
    response = client_for(personas.preparer_a).get(url(seed_report, slug))
    html = response.content.decode()
    assert response.status_code == 200
    for fragment in SHOWN[slug]:
        assert fragment in html, fragment
    for step in sections.STEPS:  # the step list links every step
        assert url(seed_report, step.slug) in html
    assert 'data-testid="errors-applications">4<' in html


EDITS = {
    "basic": (
        {"meta.index_number": "X-1", "meta.signed_on": "2021-02-01", "meta.contact.phone": ""},
        lambda doc, r: (
            doc["meta"]["index_number"],
            doc["meta"]["signed_on"],
            "phone" in doc["meta"].get("contact", {}),
        ),
        ("X-1", "2021-02-01", False),
    ),
    "overview": (
        {"overview": "（一）主动公开\r\n\r\n全年公开文件28件。"},
        lambda doc, r: doc["overview"],
        "（一）主动公开\n\n全年公开文件28件。",
    ),
    "proactive": (
        {"proactive.procurement.amount_wan_yuan": "１,２７１.５０", "proactive.licensing.change": "-3"},
        lambda doc, r: (doc["proactive"]["procurement"]["amount_wan_yuan"], doc["proactive"]["licensing"]["change"]),
        ("1271.50", -3),
    ),
    "applications": (
        {
            "applications.withheld_internal_affairs.natural_person": "１",
            "applications.carried_forward.natural_person": " 6 ",
        },
        lambda doc, r: (
            doc["applications"]["withheld_internal_affairs"]["natural_person"],
            doc["applications"]["carried_forward"]["natural_person"],
        ),
        (1, 6),
    ),
    "review-litigation": (
        {"review_litigation.review.upheld": "无", "review_litigation.review.total": "—"},
        lambda doc, r: (doc["review_litigation"]["review"]["upheld"], doc["review_litigation"]["review"]["total"]),
        (None, None),
    ),
    "problems": (
        {"problems": "（一）存在问题\n\n解读不够。"},
        lambda doc, r: doc["problems"],
        "（一）存在问题\n\n解读不够。",
    ),
    "other-matters": (
        {"other_matters": "本年度未收取信息处理费。"},
        lambda doc, r: doc["other_matters"],
        "本年度未收取信息处理费。",
    ),
}


@pytest.mark.parametrize("slug", list(EDITS))
def test_step_save_writes_database_normalised_and_bumps_revisions(personas, seed_report, slug):
    changes, read, expected = EDITS[slug]
    data = step_data(seed_report, slug) | changes
    before = load_report(seed_report.pk)
    response = client_for(personas.preparer_a).post(url(seed_report, slug), data)
    assert response.status_code == 302 and response.url == url(seed_report, slug)
    after = load_report(seed_report.pk)
    assert read(report_to_document(after), after) == expected
    key = sections.STEPS_BY_SLUG[slug].key
    assert after.section_revisions[key] == before.section_revisions.get(key, 0) + 1
    assert after.revision == before.revision + 1


def test_save_with_cross_total_errors_is_not_blocked(personas, seed_report):
    data = step_data(seed_report, "applications") | {"applications.received.total": "999"}
    response = client_for(personas.preparer_a).post(url(seed_report, "applications"), data, follow=True)
    assert ApplicationRow.objects.get(report=seed_report, key="received").total == 999
    html = response.content.decode()
    assert "已保存“三、收到和处理政府信息公开申请情况”" in html and "1 处修改" in html
    assert "六类申请人之和为 46，总计填写为 999" in html  # the server re-ran the rules


def test_field_error_keeps_everything_typed_and_saves_nothing(personas, seed_report):
    data = step_data(seed_report, "applications") | {
        "applications.received.natural_person": "4a",
        "applications.granted.natural_person": "18",
    }
    revision = load_report(seed_report.pk).revision
    response = client_for(personas.preparer_a).post(url(seed_report, "applications"), data)
    html = response.content.decode()
    assert response.status_code == 422
    assert "一、本年新收政府信息公开申请数量·自然人：“4a”不能包含字母。按“非负整数”规则" in html
    assert 'class="cell is-invalid" name="applications.received.natural_person" value="4a"' in html
    assert 'name="applications.granted.natural_person" value="18"' in html
    assert 'data-dirty="1"' in html  # leaving now would warn
    assert load_report(seed_report.pk).revision == revision
    assert ApplicationRow.objects.get(report=seed_report, key="granted").natural_person == 17


@pytest.mark.parametrize(
    "slug,field,bad,fragment",
    [
        ("proactive", "proactive.procurement.amount_wan_yuan", "1.23456", "小数超过 4 位"),
        ("proactive", "proactive.rules.made", "-1", "是负数"),
        ("review-litigation", "review_litigation.review.total", "2.5", "不能是小数"),
        ("basic", "meta.published_on", "2021-13-45", "发布日期：输入一个有效的日期"),
        ("basic", "agency", "", "机关名称（标题中的写法）：这个字段是必填项"),
        ("basic", "meta.contact.postcode", "1" * 21, "邮编：确保该变量包含不超过 20 字符"),
        (
            "overview",
            "overview",
            "字" * (MAX_TEXT_CHARS + 1),
            f"一、总体情况：确保该变量包含不超过 {MAX_TEXT_CHARS} 字符",
        ),
    ],
)
def test_bad_input_is_a_chinese_field_error_never_a_500(personas, seed_report, slug, field, bad, fragment):
    data = step_data(seed_report, slug) | {field: bad}
    response = client_for(personas.preparer_a).post(url(seed_report, slug), data)
    assert response.status_code == 422
    assert fragment in response.content.decode()


def test_second_tab_gets_conflict_with_other_values_and_nothing_is_overwritten(personas, seed_report):
    first, second = client_for(personas.preparer_a), client_for(personas.approver_a)
    loaded = step_data(seed_report, "applications")  # both tabs loaded this
    first.post(url(seed_report, "applications"), loaded | {"applications.granted.natural_person": "20"})
    response = second.post(url(seed_report, "applications"), loaded | {"applications.granted.natural_person": "30"})
    html = response.content.decode()
    assert response.status_code == 409
    assert "保存冲突" in html and "prep_a" in html
    assert '<td class="theirs">20</td><td class="mine">30</td>' in html
    assert 'value="30"' in html  # the second user's typing is still on the page
    assert ApplicationRow.objects.get(report=seed_report, key="granted").natural_person == 20
    # Saving again after seeing the conflict knowingly replaces the other values.
    revision = re.search(r'name="revision" value="(\d+)"', html).group(1)
    second.post(
        url(seed_report, "applications"), loaded | {"applications.granted.natural_person": "30", "revision": revision}
    )
    assert ApplicationRow.objects.get(report=seed_report, key="granted").natural_person == 30


def test_other_sections_saved_meanwhile_are_no_conflict(personas, seed_report):
    client = client_for(personas.preparer_a)
    loaded = step_data(seed_report, "applications")
    client.post(url(seed_report, "problems"), step_data(seed_report, "problems") | {"problems": "新的问题"})
    response = client.post(url(seed_report, "applications"), loaded | {"applications.granted.natural_person": "20"})
    assert response.status_code == 302


@pytest.mark.parametrize(
    "action,goto,target",
    [
        ("next", "", "review-litigation"),
        ("prev", "", "proactive"),
        ("save", "review", "review"),
        ("save", "", "applications"),
    ],
)
def test_save_then_navigate(personas, seed_report, action, goto, target):
    data = step_data(seed_report, "applications") | {"action": action, "goto": goto}
    response = client_for(personas.preparer_a).post(url(seed_report, "applications"), data)
    assert response.status_code == 302 and response.url == url(seed_report, target)


def test_county_approver_sees_read_only_and_cannot_save(personas, seed_report):
    client = client_for(personas.county_approver)
    html = client.get(url(seed_report, "applications")).content.decode()
    assert 'data-testid="readonly-badge"' in html
    assert 'data-testid="save"' not in html
    assert re.search(r'name="applications.received.natural_person"[^>]*readonly', html)
    data = step_data(seed_report, "applications") | {"applications.received.natural_person": "1"}
    response = client.post(url(seed_report, "applications"), data, follow=True)
    assert "不能修改" in response.content.decode()
    assert ApplicationRow.objects.get(report=seed_report, key="received").natural_person == 46


def test_submitted_report_is_read_only_in_view_and_service(personas, seed_report):
    type(seed_report).objects.filter(pk=seed_report.pk).update(state=ReportState.SUBMITTED)
    client = client_for(personas.preparer_a)
    html = client.get(url(seed_report, "overview")).content.decode()
    assert "您只能查看" in html and 'data-testid="save"' not in html
    with pytest.raises(sections.NotEditable):
        sections.save_section(
            seed_report.pk, "overview", {"overview": "改"}, loaded_revision=0, user=personas.preparer_a
        )
    assert load_report(seed_report.pk).overview.startswith("2020年")


def test_outsider_gets_404_and_anonymous_goes_to_login(personas, seed_report, client):
    assert client_for(personas.preparer_b).get(url(seed_report, "basic")).status_code == 404
    response = client.get(url(seed_report, "basic"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert client_for(personas.preparer_a).get(f"/reports/{seed_report.pk}/nonsense/").status_code == 404


def test_overview_2021_lists_the_five_aspects(personas):
    html = client_for(personas.preparer_a).get(url(personas.report_a, "overview")).content.decode()
    for aspect in ("主动公开", "依申请公开", "政府信息管理", "政府信息公开平台建设", "监督保障"):
        assert f'data-aspect="{aspect}"' in html
    assert "（一）" in html and 'data-charcount="1"' in html


def test_review_page_groups_findings_by_severity_and_links_cells(personas, seed_report):
    html = client_for(personas.preparer_a).get(url(seed_report, "review")).content.decode()
    assert 'data-testid="review-error-count">4<' in html
    errors = html.split('data-testid="review-errors"')[1].split("</ol>")[0]
    assert errors.count("<li>") == 4
    for cell in (
        "applications.withheld_internal_affairs.total",
        "applications.carried_forward.total",
        "applications.handled_total.natural_person",
    ):
        assert f"{url(seed_report, 'applications')}#cell-{cell}" in errors
    # The whole report in official order.
    doc = html[html.index('data-testid="review-doc"') :]
    order = [
        doc.index(h)
        for h in (
            "一、总体情况",
            "二、主动公开政府信息情况",
            "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况",
            "五、存在的主要问题及改进情况",
            "六、其他需要报告的事项",
        )
    ]
    assert order == sorted(order)
    assert "annual/workflow" not in html  # the partial rendered, not its path


def test_login_page_is_chinese_and_signs_in(personas, client):
    html = client.get(reverse("login")).content.decode()
    assert "用户名" in html and "密码" in html
    personas.preparer_a.set_password("correct-horse-battery-42")
    personas.preparer_a.save()
    response = client.post(reverse("login"), {"username": "prep_a", "password": "correct-horse-battery-42"})
    assert response.status_code == 302 and response.url == reverse("home")


def test_each_step_shows_the_review_comments_that_concern_it(personas):
    from annual.models import ReviewComment

    report = personas.report_a
    for target, text in (
        ("", "整体意见"),
        ("applications", "三的意见"),
        ("applications.granted.total", "单元格意见"),
        ("review_litigation.review.total", "四的意见"),
    ):
        ReviewComment.objects.create(report=report, target=target, text=text, author=personas.approver_a)
    client = client_for(personas.preparer_a)
    applications = client.get(url(report, "applications")).content.decode()
    assert all(t in applications for t in ("整体意见", "三的意见", "单元格意见")) and "四的意见" not in applications
    review_litigation = client.get(url(report, "review-litigation")).content.decode()
    assert "四的意见" in review_litigation and "三的意见" not in review_litigation and "整体意见" in review_litigation
    basic = client.get(url(report, "basic")).content.decode()
    assert "整体意见" in basic and "单元格意见" not in basic
