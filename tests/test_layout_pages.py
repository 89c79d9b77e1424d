"""The entry grid and the review page draw their tables from annual.layout and their
paragraphs from formatting.paragraphs: they show what prints."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from annual.formatting import paragraphs
from annual.layout import build_table
from annual.models import Report
from annual.pdf.context import build_context
from annual.pdf.html import render_html
from tests.entry_fixtures import client_for

pytestmark = pytest.mark.django_db

TRICKY = "（一）主动公开情况。本年度共公开信息100条。\n第二行正文\n\n(二)依申请公开\n　　全角空格开头的段落"


def url(report, slug):
    return reverse("report-step", args=[report.pk, slug])


def test_review_page_splits_paragraphs_exactly_as_the_print(personas, seed_report):
    Report.objects.filter(pk=seed_report.pk).update(overview=TRICKY)
    html = client_for(personas.preparer_a).get(url(seed_report, "review")).content.decode()
    shown = re.findall(r'<p class="para">(?:<span class="sub-h">(.*?)</span>)?(.*?)</p>', html)
    expected = [(p.heading, p.text) for p in paragraphs(TRICKY)]
    assert expected == [
        ("（一）主动公开情况。", "本年度共公开信息100条。"),
        ("", "第二行正文"),
        ("(二)依申请公开", ""),
        ("", "全角空格开头的段落"),
    ]
    for pair in expected:
        assert pair in shown
    printed = render_html(_doc(seed_report))
    assert '<span class="sub-heading">（一）主动公开情况。</span>本年度共公开信息100条。' in printed


def _doc(report):
    from annual.interchange import load_report, report_to_document

    return report_to_document(load_report(report.pk))


def test_review_page_prints_money_with_its_unit_like_the_pdf(personas, seed_report):
    html = client_for(personas.preparer_a).get(url(seed_report, "review")).content.decode()
    assert re.search(r'<td class="num"[^>]*>271.53万元</td>', html)
    context = build_context(_doc(seed_report))
    assert context["title_lines"] == ["苍南县人民政府办公室", "2020年度政府信息公开工作年度报告"]
    assert all(f'<span class="title-line">{line}</span>' in html for line in context["title_lines"])


def test_entry_grid_has_one_input_per_layout_value_cell_in_layout_order(personas, seed_report):
    for slug, key in (
        ("proactive", "proactive"),
        ("applications", "applications"),
        ("review-litigation", "review_litigation"),
    ):
        html = client_for(personas.preparer_a).get(url(seed_report, slug)).content.decode()
        names = re.findall(r'<input class="cell[^"]*" name="([^"]+)"', html)
        assert names == [c.path for c in build_table(_doc(seed_report), key).value_cells()]


def test_money_unit_follows_the_print_in_the_entry_grid(personas, seed_report):
    html = client_for(personas.preparer_a).get(url(seed_report, "proactive")).content.decode()
    # 2019 采购总金额 has no unit in its header: the value carries it, in the grid as on paper.
    assert re.search(r"<th[^>]*>采购总金额</th>", html) and "（万元）" not in html
    assert 'name="proactive.procurement.amount_wan_yuan" value="271.53"' in html
    assert re.search(r'name="proactive.procurement.amount_wan_yuan"[^>]*><span class="unit">万元</span>', html)
