"""The print HTML and its context: structure, merges, blank vs 0, escaping, watermark.

Most PDF assertions live here, on the exact HTML handed to WeasyPrint; test_pdf_render.py
checks a few real renders.
"""

import copy
import datetime

import cssselect2
import pytest
import tinyhtml5

from annual import template_spec as spec
from annual.document import blank_document
from annual.formatting import ZERO_WIDTH_SPACE, format_date, paragraphs
from annual.pdf import DraftMark, build_context, render_html
from annual.pdf.html import STYLESHEET

DRAFT = DraftMark(
    state="待审核", printed_at=datetime.datetime(2021, 1, 30, 9, 5), changed_at=datetime.datetime(2021, 1, 29, 17, 40)
)


def parse(html: str) -> cssselect2.ElementWrapper:
    return cssselect2.ElementWrapper.from_html_root(tinyhtml5.parse(html))


def text(element: cssselect2.ElementWrapper) -> str:
    return "".join(element.etree_element.itertext())


def cells(root, selector: str) -> list[tuple[str, int, int]]:
    """(text, rowspan, colspan) of every th/td matched, in document order."""
    return [
        (text(e), int(e.etree_element.get("rowspan", 1)), int(e.etree_element.get("colspan", 1)))
        for e in root.query_all(selector)
    ]


def body_rows(root, table: str) -> list[list[tuple[str, int, int]]]:
    return [cells(tr, "td, th") for tr in root.query_all(f"table.{table} tbody tr")]


@pytest.mark.parametrize("version", spec.VERSIONS)
def test_applications_table_row_labels_in_official_order(version):
    root = parse(
        render_html(blank_document(agency="某机关", year=2020 if version == "2019" else 2021, version=version))
    )
    rows = body_rows(root, "applications")
    assert len(rows) == len(spec.application_rows(version))
    for row, label_cells, tr in zip(spec.application_rows(version), spec.application_label_cells(version), rows):
        labels = tr[: len(label_cells)]
        assert labels == [(c.text, c.rowspan, c.colspan) for c in label_cells]
        assert labels[-1][0] == row.numbered_label
        assert len(tr) == len(label_cells) + len(spec.APPLICATION_COLUMNS)


def test_applications_table_merges_2019_and_2021():
    for version, outcome_rows in (("2019", 20), ("2021", 22)):
        root = parse(render_html(blank_document(agency="某机关", year=2021, version=version)))
        # Row labels are header cells (scope="row"), so the tagged PDF heads each figure with them.
        assert {th.etree_element.get("scope") for th in root.query_all("table.applications tbody th")} == {"row"}
        outcome = [c for c in cells(root, "table.applications tbody th") if c[0] == spec.OUTCOMES_HEADING]
        assert outcome == [(spec.OUTCOMES_HEADING, outcome_rows, 1)]
        groups = {c[0]: c[1] for c in cells(root, "table.applications tbody th") if c[1] > 1}
        assert groups["（三）不予公开"] == 8
        assert groups["（四）无法提供"] == 3
        assert groups["（五）不予处理"] == 5
        assert ("（六）其他处理" in groups) == (version == "2021")
        level1 = [c for c in cells(root, "table.applications tbody th") if c[2] == 3]
        assert [c[0] for c in level1] == [
            "一、本年新收政府信息公开申请数量",
            "二、上年结转政府信息公开申请数量",
            "四、结转下年度继续办理",
        ]


def test_applications_header_has_three_rows_and_official_spans(seed_doc):
    root = parse(render_html(seed_doc))
    head = [cells(tr, "th") for tr in root.query_all("table.applications thead tr")]
    assert head == [
        [(spec.BALANCE_NOTE, 3, 3), ("申请人情况", 1, 7)],
        [("自然人", 2, 1), ("法人或其他组织", 1, 5), ("总计", 2, 1)],
        [(c.label, 1, 1) for c in spec.APPLICANT_COLUMNS if c.legal_person],
    ]
    # Every header row spans the same ten columns the body rows do.
    body_width = sum(c[2] for c in body_rows(root, "applications")[0])
    assert body_width == 10 == len(root.query("table.applications colgroup").etree_element)


def test_balance_note_sits_in_the_corner_of_the_applications_table(seed_doc):
    html = render_html(seed_doc)
    assert html.count(spec.BALANCE_NOTE) == 1
    assert html.index('class="grid applications"') < html.index(spec.BALANCE_NOTE) < html.index("申请人情况")


def test_review_table_two_level_header(seed_doc):
    root = parse(render_html(seed_doc))
    head = [cells(tr, "th") for tr in root.query_all("table.review thead tr")]
    assert head[0] == [("行政复议", 1, 5), ("行政诉讼", 1, 10)]
    assert head[1] == [(f.label, 2, 1) for f in spec.REVIEW_FIELDS] + [("未经复议直接起诉", 1, 5), ("复议后起诉", 1, 5)]
    assert head[2] == [(f.label, 1, 1) for f in spec.REVIEW_FIELDS] * 2
    values = [c[0] for c in cells(root, "table.review tbody td")]
    expected = [seed_doc["review_litigation"][g.key][f.key] for g in spec.REVIEW_GROUPS for f in spec.REVIEW_FIELDS]
    assert values == [str(v) for v in expected]


@pytest.mark.parametrize("version", spec.VERSIONS)
def test_proactive_table_blocks_labels_and_spans(version):
    root = parse(render_html(blank_document(agency="某机关", year=2021, version=version)))
    rows = body_rows(root, "proactive")
    expected = []
    for block in spec.PROACTIVE_BLOCKS[version]:
        # Six value columns, each block's fields in even shares: 2019's (八) and (九) print 1:1.
        spans = [6 // len(block.fields)] * len(block.fields)
        spans[-1] += 6 % len(block.fields)
        expected.append([(block.basis, 1, 7)])
        expected.append([("信息内容", 1, 1)] + [(f.label, 1, s) for f, s in zip(block.fields, spans)])
        for item in block.items:
            expected.append([(item.label, 1, 1)] + [("", 1, s) for s in spans])
    assert rows == expected
    assert len(list(root.query_all("table.proactive tbody"))) == len(spec.PROACTIVE_BLOCKS[version])


def test_seed_figures_in_their_cells(seed_doc):
    root = parse(render_html(seed_doc))
    rows = body_rows(root, "applications")
    for row, tr in zip(spec.application_rows("2019"), rows):
        values = [c[0] for c in tr[-len(spec.APPLICATION_COLUMNS) :]]
        assert values == [
            "" if seed_doc["applications"][row.key][c.key] is None else str(seed_doc["applications"][row.key][c.key])
            for c in spec.APPLICATION_COLUMNS
        ]
    proactive = body_rows(root, "proactive")
    assert ("规范性文件", 1, 1) in [r[0] for r in proactive]
    normative = next(r for r in proactive if r[0][0] == "规范性文件")
    assert [c[0] for c in normative[1:]] == ["28", "28", "226"]
    procurement = next(r for r in proactive if r[0][0] == "政府集中采购")
    # 2019's header 采购总金额 carries no unit, so the cell does, as the published seed prints it.
    assert [c[0] for c in procurement[1:]] == ["15", "271.53万元"]


def test_money_2021_keeps_decimals_and_unit_stays_in_header(doc_2021):
    doc_2021["proactive"]["fees"]["amount_wan_yuan"] = "271.50"
    root = parse(render_html(doc_2021))
    fees = next(r for r in body_rows(root, "proactive") if r[0][0] == "行政事业性收费")
    assert fees[1] == ("271.50", 1, 6)  # the one field spans the six value columns
    assert "本年收费金额（单位：万元）" in [c[0] for c in cells(root, "table.proactive th")]


def test_blank_prints_blank_and_zero_prints_zero(seed_doc):
    doc = copy.deepcopy(seed_doc)
    doc["applications"]["received"].update(commercial=None, research=0)
    doc["proactive"]["licensing"].update(previous=None, change=-3, decisions=0)
    doc["review_litigation"]["review"].update(upheld=None, corrected=0)
    root = parse(render_html(doc))
    received = body_rows(root, "applications")[0]
    assert [c[0] for c in received[1:4]] == ["46", "", "0"]
    licensing = next(r for r in body_rows(root, "proactive") if r[0][0] == "行政许可")
    assert [c[0] for c in licensing[1:]] == ["", "-3", "0"]
    review = [c[0] for c in cells(root, "table.review tbody td")]
    assert review[:2] == ["", "0"]


def test_sections_and_title_in_official_order(seed_doc):
    root = parse(render_html(seed_doc))
    assert text(root.query("h1.title")) == "苍南县人民政府办公室2020年度政府信息公开工作年度报告"
    assert [text(h) for h in root.query_all("h2")] == [s.heading for s in spec.SECTIONS]


def test_title_override_and_signature_block(seed_doc):
    root = parse(render_html(seed_doc, title="苍南县人民政府办公室2020年政府信息公开工作年度报告"))
    assert text(root.query("h1.title")) == "苍南县人民政府办公室2020年政府信息公开工作年度报告"
    assert text(root.query(".signature .signed-by")) == "苍南县人民政府办公室"
    assert text(root.query(".signature .signed-on")) == "2021年1月29日"


def test_signature_without_meta_falls_back_to_agency():
    doc = blank_document(agency="某县某局", year=2021)
    root = parse(render_html(doc))
    assert text(root.query(".signature .signed-by")) == "某县某局"
    assert root.query(".signature .signed-on") is None


def test_paragraphs_split_and_subheadings_detected():
    parsed = paragraphs(
        "第一段。\n\n（一）围绕重点工作加强主动公开。\n\n 正文\u3000\n(二)改进措施\n（三）小标题。后面是正文。"
    )
    assert parsed[0].heading == "" and parsed[0].text == "第一段。"
    assert parsed[1].heading == "（一）围绕重点工作加强主动公开。" and parsed[1].text == ""
    assert parsed[2].text == "正文"
    assert parsed[3].heading == "(二)改进措施"
    assert (parsed[4].heading, parsed[4].text) == ("（三）小标题。", "后面是正文。")


def test_seed_subheadings_printed_as_kai_spans(seed_doc):
    root = parse(render_html(seed_doc))
    headings = [text(e) for e in root.query_all(".sub-heading")]
    assert headings[:2] == ["(一)围绕重点工作加强主动公开。", "(二)进一步优化依申请公开服务。"]
    assert "(一)存在问题" in headings and "(二)改进措施" in headings


def test_markup_in_narrative_prints_as_text(seed_doc):
    doc = copy.deepcopy(seed_doc)
    doc["overview"] = '<img src="file:///etc/passwd"><script>alert(1)</script>\n\n<b>粗体</b>&amp;'
    doc["agency"] = "<i>某机关</i>"
    # The print marks break opportunities in long Latin runs (formatting.breakable).
    html = render_html(doc).replace(ZERO_WIDTH_SPACE, "")
    root = parse(html)
    assert root.query("img") is None and root.query("script") is None and root.query("b") is None
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    overview = next(root.query_all("section.section")).query("p")
    assert text(overview).startswith('<img src="file:///etc/passwd"><script>')
    assert text(root.query("h1.title")).startswith("<i>某机关</i>")
    # The only URL in the page is our own stylesheet.
    links = [e.etree_element.get("href") for e in root.query_all("[href]")] + [
        e.etree_element.get("src") for e in root.query_all("[src]")
    ]
    assert len(links) == 1 and links[0].startswith("file://") and links[0].endswith("/annual/pdf/assets/report.css")


def test_html_for_weasyprint_has_no_url_at_all(seed_doc):
    # render_pdf applies the stylesheet itself (parsed once per thread), so its HTML names nothing.
    html = render_html(seed_doc, link_stylesheet=False)
    root = parse(html)
    assert root.query("[href]") is None and root.query("[src]") is None
    assert html.replace("\n", "") == render_html(seed_doc).replace(
        f'<link rel="stylesheet" href="{STYLESHEET.resolve().as_uri()}">', ""
    ).replace("\n", "")


def test_watermark_and_footer_on_drafts_only(seed_doc):
    draft = parse(render_html(seed_doc, draft=DRAFT))
    assert text(draft.query(".watermark")) == "草稿"
    footer = text(draft.query(".draft-footer"))
    assert "待审核" in footer and "2021-01-29 17:40" in footer and "2021-01-30 09:05" in footer
    final = parse(render_html(seed_doc))
    assert final.query(".watermark") is None and final.query(".draft-footer") is None


def test_context_is_pure_function_of_document(seed_doc):
    before = copy.deepcopy(seed_doc)
    first = build_context(seed_doc, draft=DRAFT)
    assert seed_doc == before
    assert build_context(seed_doc, draft=DRAFT) == first
    assert first["title"] == "苍南县人民政府办公室2020年度政府信息公开工作年度报告"


def test_format_date_has_no_leading_zeros():
    assert format_date("2021-01-29") == "2021年1月29日"
    assert format_date(None) == ""


def test_stylesheet_fonts_chains_end_in_cjk_faces():
    from annual.pdf.html import STYLESHEET

    css = STYLESHEET.read_text(encoding="utf-8")
    chains = [
        line.split(":", 1)[1]
        for line in css.replace("\n    ", " ").splitlines()
        if line.strip().startswith("font-family:")
    ]
    assert len(chains) >= 6
    for chain in chains:
        last = chain.rsplit(",", 1)[-1].strip(' ;"')
        assert last in {"Noto Serif CJK SC", "Noto Sans CJK SC", "AR PL UKai CN"}, chain
    assert '"仿宋_GB2312"' in css and '"方正小标宋简体"' in css and '"黑体"' in css and '"楷体_GB2312"' in css


def test_long_title_breaks_after_agency_short_title_stays_whole(seed_doc):
    root = parse(render_html(seed_doc))
    lines = [text(e) for e in root.query_all("h1.title .title-line")]
    assert lines == ["苍南县人民政府办公室", "2020年度政府信息公开工作年度报告"]
    short = parse(render_html(seed_doc, title="二〇二〇年年度报告"))
    assert [text(e) for e in short.query_all("h1.title .title-line")] == ["二〇二〇年年度报告"]


def test_print_assets_are_not_static_files():
    # The 9 MB of print fonts are the renderer's, read from its own folder: no static finder
    # (hence neither collectstatic nor the web server) sees them.
    from django.contrib.staticfiles import finders

    from annual.pdf.build_fonts import FONT_DIR

    assert STYLESHEET.is_file() and (FONT_DIR / "report-serif-sc.otf").is_file()
    assert FONT_DIR.parent == STYLESHEET.parent
    listed = [path for finder in finders.get_finders() for path, _ in finder.list([])]
    assert listed and not any(p.endswith((".otf", ".ttf")) or "report.css" in p for p in listed)
