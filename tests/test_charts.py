"""图解 chart data and its SVG: the right figures, blanks drawn as no bar, no chart when all blank."""

from __future__ import annotations

import copy

from lxml import etree

from annual.charts import (
    PALETTE,
    agency_chart,
    applicants_chart,
    outcomes_chart,
    report_charts,
    review_chart,
    svg,
    year_chart,
)
from annual.document import blank_document

SVG_NS = "{http://www.w3.org/2000/svg}"


def test_report_charts_of_the_2021_example(doc_2021):
    applicants, outcomes, review = report_charts(doc_2021)
    received = doc_2021["applications"]["received"]
    assert applicants.categories == ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
    assert applicants.series[0].values == tuple(
        received[k]
        for k in ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org")
    )
    assert outcomes.categories == (
        "（一）予以公开",
        "（二）部分公开",
        "（三）不予公开",
        "（四）无法提供",
        "（五）不予处理",
        "（六）其他处理",
    )
    # The group bars are the sums of their rows; all of them together are （七）总计.
    assert sum(outcomes.series[0].values) == doc_2021["applications"]["handled_total"]["total"]
    assert [s.name for s in review.series] == ["行政复议", "行政诉讼·未经复议直接起诉", "行政诉讼·复议后起诉"]
    assert review.series[0].values == tuple(
        doc_2021["review_litigation"]["review"][k] for k in ("upheld", "corrected", "other", "pending")
    )


def test_blank_document_has_no_chart():
    doc = blank_document(agency="某机关", year=2021)
    assert report_charts(doc) == []
    assert agency_chart([doc, doc]) is None and year_chart([doc]) is None


def test_a_blank_group_stays_blank_and_zero_stays_zero(doc_2021):
    doc = copy.deepcopy(doc_2021)
    for key in ("unavailable_not_held", "unavailable_needs_creation", "unavailable_unclear_after_correction"):
        doc["applications"][key]["total"] = None
    doc["applications"]["granted"]["total"] = 0
    values = dict(zip(outcomes_chart(doc).categories, outcomes_chart(doc).series[0].values, strict=True))
    assert values["（四）无法提供"] is None and values["（一）予以公开"] == 0


def test_svg_draws_bars_to_scale_with_labels_and_a_text_alternative(doc_2021):
    doc = copy.deepcopy(doc_2021)
    doc["applications"]["received"]["research"] = None
    chart = applicants_chart(doc)
    tree = etree.fromstring(svg(chart).encode())
    assert tree.get("role") == "img"
    assert tree.find(f"{SVG_NS}title").text == chart.title
    assert "科研机构 空白" in tree.find(f"{SVG_NS}desc").text
    bars = tree.findall(f"{SVG_NS}rect")
    drawn = [v for v in chart.series[0].values if v]
    assert len(bars) == len(drawn)  # no bar for a blank or a zero
    widths = [float(b.get("width")) for b in bars]
    assert abs(widths[0] / widths[1] - drawn[0] / drawn[1]) < 1e-6
    assert {b.get("fill") for b in bars} == {PALETTE[0]} == {chart.as_echarts()["series"][0]["colour"]}
    texts = [t.text for t in tree.iter(f"{SVG_NS}text")]
    assert "自然人" in texts and "空白" in texts and "0" in texts


def test_review_svg_has_a_legend_per_group(doc_2021):
    tree = etree.fromstring(svg(review_chart(doc_2021)).encode())
    texts = [t.text for t in tree.iter(f"{SVG_NS}text")]
    assert {"行政复议", "行政诉讼·未经复议直接起诉", "行政诉讼·复议后起诉"} <= set(texts)


def test_rollup_charts_by_agency_and_by_year(doc_2021, seed_doc):
    other = copy.deepcopy(doc_2021)
    other["agency"] = "苍南县卫生健康局"
    other["applications"]["received"]["total"] = None
    chart = agency_chart([doc_2021, other])
    assert chart.categories == ("苍南县教育局", "苍南县卫生健康局")
    assert chart.series[0].values == (doc_2021["applications"]["received"]["total"], None)
    years = year_chart([doc_2021, seed_doc])
    assert years.categories == ("2020年", "2021年")
    assert years.series[0].values == (
        seed_doc["applications"]["received"]["total"],
        doc_2021["applications"]["received"]["total"],
    )
    etree.fromstring(svg(years).encode())  # well-formed
