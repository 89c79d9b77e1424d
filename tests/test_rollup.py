"""The 汇总: who is included, how cells add up, and a constant number of queries."""

from __future__ import annotations

from decimal import Decimal

import pytest

from annual import rules
from annual.document import validate
from annual.models import Agency, ReportState
from annual.rollup import INVALID, NO_REPORT, NOT_APPROVED, RollupError, build_rollup, narrative_draft
from tests.rollup_fixtures import make_county, make_report

S = ReportState


@pytest.fixture
def tree(db, doc_2021):
    """county ─ a (approved) ─ a1 (published, grandchild); b (draft); c (no report); county's own report."""
    county = Agency.objects.create(name="苍南县人民政府")
    a = Agency.objects.create(name="苍南县教育局", parent=county)
    a1 = Agency.objects.create(name="苍南县第一中学", parent=a)
    b = Agency.objects.create(name="苍南县卫生健康局", parent=county)
    c = Agency.objects.create(name="灵溪镇人民政府", parent=county)
    reports = {
        "a": make_report(a, doc_2021, S.APPROVED),
        "a1": make_report(a1, doc_2021, S.PUBLISHED),
        "b": make_report(b, doc_2021, S.DRAFT),
        "county": make_report(county, doc_2021, S.APPROVED, **{"applications.received.total": 999999}),
    }
    return county, {"a": a, "a1": a1, "b": b, "c": c}, reports


def test_included_are_approved_descendants_at_every_depth_never_the_own_report(tree, doc_2021):
    county, _agencies, _ = tree
    rollup = build_rollup(county, 2021)
    assert [p.node.name for p in rollup.parts] == ["苍南县教育局", "苍南县第一中学"]
    assert [p.node.depth for p in rollup.parts] == [1, 2]
    assert {(x.node.name, x.reason) for x in rollup.left_out} == {
        ("苍南县卫生健康局", NOT_APPROVED),
        ("灵溪镇人民政府", NO_REPORT),
    }
    assert rollup.total == 4
    received = doc_2021["applications"]["received"]["total"]
    assert rollup.document["applications"]["received"]["total"] == 2 * received
    # The document is of the interchange format, named after the county, texts empty, meta {}.
    validate(rollup.document)
    assert rollup.document["agency"] == "苍南县人民政府" and rollup.document["meta"] == {}
    assert rollup.document["overview"] == "" and rollup.template == "2021"


def test_options_admit_unapproved_and_invalid_reports(tree, doc_2021):
    county, _agencies, _reports = tree
    d = Agency.objects.create(name="矾山镇人民政府", parent=county)
    make_report(d, doc_2021, S.APPROVED, **{"applications.received.natural_person": 10**6})  # breaks row_total
    rollup = build_rollup(county, 2021)
    assert {x.node.name: x.reason for x in rollup.left_out}["矾山镇人民政府"] == INVALID
    assert "有阻断性错误" in {x.node.name: x.detail for x in rollup.left_out}["矾山镇人民政府"]
    assert len(build_rollup(county, 2021, include_unapproved=True).parts) == 3
    everything = build_rollup(county, 2021, include_unapproved=True, include_invalid=True)
    assert {p.node.name for p in everything.parts} == {
        "苍南县教育局",
        "苍南县第一中学",
        "苍南县卫生健康局",
        "矾山镇人民政府",
    }
    assert [x.reason for x in everything.left_out] == [NO_REPORT]


def test_blank_only_when_every_part_is_blank_and_money_sums_exactly(db, doc_2021):
    county = Agency.objects.create(name="县")
    x = Agency.objects.create(name="甲", parent=county)
    y = Agency.objects.create(name="乙", parent=county)
    make_report(
        x,
        doc_2021,
        **{
            "proactive.fees.amount_wan_yuan": "271.53",
            "proactive.licensing.decisions": None,
            "proactive.penalty.decisions": None,
        },
    )
    make_report(
        y,
        doc_2021,
        **{
            "proactive.fees.amount_wan_yuan": "0.4700",
            "proactive.licensing.decisions": 7,
            "proactive.penalty.decisions": None,
        },
    )
    doc = build_rollup(county, 2021).document
    assert doc["proactive"]["fees"]["amount_wan_yuan"] == "272.0000"
    assert Decimal(doc["proactive"]["fees"]["amount_wan_yuan"]) == Decimal("271.53") + Decimal("0.47")
    assert doc["proactive"]["licensing"]["decisions"] == 7
    assert doc["proactive"]["penalty"]["decisions"] is None


def test_2019_change_sums_with_its_sign(db, seed_doc):
    county = Agency.objects.create(name="县")
    x = Agency.objects.create(name="甲", parent=county)
    y = Agency.objects.create(name="乙", parent=county)
    make_report(x, seed_doc, **{"proactive.licensing.change": -12})
    make_report(y, seed_doc, **{"proactive.licensing.change": 5})
    rollup = build_rollup(county, 2020, include_invalid=True)  # the seed has its four published errors
    assert rollup.template == "2019"
    assert rollup.document["proactive"]["licensing"]["change"] == -7
    validate(rollup.document)


def test_two_template_versions_in_one_year_are_refused(db, doc_2021, seed_doc):
    county = Agency.objects.create(name="县")
    x = Agency.objects.create(name="甲", parent=county)
    y = Agency.objects.create(name="乙", parent=county)
    make_report(x, doc_2021)
    old = dict(seed_doc, year=2021)
    make_report(y, old)
    with pytest.raises(RollupError, match="两个模板版本") as exc:
        build_rollup(county, 2021, include_invalid=True)
    assert "甲" in str(exc.value) and "乙" in str(exc.value)


def test_nothing_to_sum_gives_a_blank_document_of_the_years_template(db):
    county = Agency.objects.create(name="县")
    rollup = build_rollup(county, 2020)
    assert rollup.parts == [] and rollup.template == "2019"
    assert rollup.document["applications"]["received"]["total"] is None


def test_drill_down_lists_each_contribution(tree, doc_2021):
    county, _, _ = tree
    rollup = build_rollup(county, 2021)
    path = "applications.received.total"
    rows = [(p.node.name, v) for p, v in rollup.contributions(path)]
    assert rows == [
        ("苍南县教育局", doc_2021["applications"]["received"]["total"]),
        ("苍南县第一中学", doc_2021["applications"]["received"]["total"]),
    ]


@pytest.mark.parametrize("n", [3, 30])
def test_constant_number_of_queries(db, doc_2021, n, django_assert_max_num_queries):
    county, _ = make_county(n, doc_2021)
    with django_assert_max_num_queries(5):
        rollup = build_rollup(county, 2021)
    assert len(rollup.parts) == n


def test_narrative_draft_passes_narrative_numbers_by_construction(tree):
    county, _, _ = tree
    doc = build_rollup(county, 2021).document
    doc["overview"] = narrative_draft(doc)
    assert rules.narrative_findings(doc) == []
    received = doc["applications"]["received"]["total"]
    assert f"申请 {received} 件" in doc["overview"]
    # Every figure the check reads is really stated (a changed table makes it disagree).
    doc["review_litigation"]["review"]["total"] = (doc["review_litigation"]["review"]["total"] or 0) + 1
    assert [f.rule for f in rules.narrative_findings(doc)] == ["narrative_numbers"]
