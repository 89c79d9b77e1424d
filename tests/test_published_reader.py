"""Published reports read from their PDF or portal page (annual/published), against the corpus
in tests/data/published (README there names each file's source and answer)."""

import difflib
import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from annual import rules
from annual.document import value_at
from annual.published import NotReadable, read_published_html, read_published_pdf, value_paths

CORPUS = Path(__file__).resolve().parent / "data" / "published"
DEMO = Path(__file__).resolve().parent.parent / "annual" / "demo_data"
# Each corpus file and the answer it must be read as (the README says how each was made; the
# answers live beside the files or in annual/demo_data). Among them: printed errors, 元 amounts,
# a two-column running header and no justification (LibreOffice); the print HTML through
# Chromium (radical code points in the text layer) with a single-row （六）; and two real
# published reports (WPS) transcribed by hand from their page images: white boxes behind every
# text line, tables cut by the page with no rule at the cut, a single-row （六）, a misprinted
# row label, and (2023) the printed 行政复议 总计 0 beside 10 and 1.
CASES = sorted(json.loads((CORPUS / "answers.json").read_text(encoding="utf-8")).items())


def _answer(name: str) -> dict:
    path = CORPUS / name if (CORPUS / name).exists() else DEMO / name
    return json.loads(path.read_text(encoding="utf-8"))


def _read(name: str):
    raw = (CORPUS / name).read_bytes()
    return read_published_html(raw) if name.endswith(".html") else read_published_pdf(raw)


def _agreement(a: str, b: str) -> float:
    return difflib.SequenceMatcher(a=re.sub(r"\s", "", a), b=re.sub(r"\s", "", b), autojunk=False).ratio()


@pytest.mark.parametrize("name,answer", CASES)
def test_published_reader_reads_every_cell_exactly(name, answer):
    expected = _answer(answer)
    reading = _read(name)
    doc = reading.document
    assert (doc["agency"], doc["year"], doc["template"]) == (expected["agency"], expected["year"], expected["template"])
    paths = value_paths(doc["template"])
    assert [p for p in paths if value_at(doc, p) != value_at(expected, p)] == []
    # A single-row （六） prints no figures for its two other sub-rows: they are not read.
    unprinted = 14 if "other_single_row" in expected["meta"].get("printed_variants", []) else 0
    assert reading.cells_read == reading.cells_expected - unprinted == len(paths) - unprinted
    assert reading.warnings == []
    # The rules find in the reading exactly what they find in the hand transcription.
    assert [f.as_dict() for f in rules.blocking_findings(doc)] == [
        f.as_dict() for f in rules.blocking_findings(expected)
    ]


@pytest.mark.parametrize("name,answer", CASES)
def test_published_reader_narrative_matches_the_text(name, answer):
    expected = _answer(answer)
    doc = _read(name).document
    for key in ("intro", "overview", "problems", "other_matters"):
        assert _agreement(expected[key], doc[key]) >= 0.95, key
    assert doc["meta"].get("signed_on") == expected["meta"].get("signed_on")


def test_published_reader_keeps_where_each_figure_was_printed():
    reading = _read("seed-libreoffice.pdf")
    where = reading.where["applications.withheld_internal_affairs.total"]
    assert where.page == 6  # the table continues on the page after the one it starts on
    x0, top, x1, bottom = where.box
    assert x0 < x1 and top < bottom


def test_published_reader_real_report_keeps_the_printed_errors_and_names_the_misprinted_label():
    reading = _read("real-hongze-2023.pdf")
    review = reading.document["review_litigation"]["review"]
    assert (review["upheld"], review["corrected"], review["total"]) == (10, 1, 0)
    assert {(f.rule, f.cells[0]) for f in rules.blocking_findings(reading.document)} == {
        ("group_total", "review_litigation.review.total"),
        ("group_total", "review_litigation.litigation_after_review.total"),
    }
    # 「2.其他法律行政止公开」 as printed, read by its number inside （三）不予公开, and said so.
    assert reading.document["applications"]["withheld_prohibited_by_law"]["total"] == 0
    assert any("2.其他法律行政止公开" in n and "其他法律行政法规禁止公开" in n for n in reading.notes)
    # The row of a table cut by the page (no rule drawn under it) is read, where it was printed.
    assert reading.where["applications.unavailable_needs_creation.total"].page == 3
    assert reading.where["applications.unavailable_unclear_after_correction.total"].page == 4


@pytest.mark.parametrize("name", ["seed-portal.html", "real-shanghai-office-2019.html"])
def test_published_reader_portal_page_keeps_its_paragraphs(name):
    expected = _answer(dict(CASES)[name])
    doc = _read(name).document
    for key in ("intro", "overview", "problems", "other_matters"):
        # Each block of the page is a paragraph (they were once all run together).
        assert len(doc[key].split("\n\n")) == len(expected[key].split("\n\n")), key


def test_published_reader_portal_publication_date_is_meta_not_text():
    doc = _read("real-shanghai-office-2019.html").document
    assert doc["meta"]["published_on"] == "2020-01-31"
    assert doc["intro"].startswith("本年度报告根据")
    assert (doc["agency"], doc["year"]) == ("上海市人民政府办公厅", 2019)  # title with the year first
    assert doc["proactive"]["procurement"]["amount_wan_yuan"] == "25.1"  # printed 251000元


def test_published_reader_refuses_a_scanned_pdf():
    with pytest.raises(NotReadable, match="扫描件，没有可读取的文字"):
        read_published_pdf((CORPUS / "scanned.pdf").read_bytes())


def test_published_reader_refuses_an_encrypted_pdf(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=str(CORPUS / "seed-weasyprint.pdf"))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(NotReadable, match="加密"):
        read_published_pdf(out.getvalue())


def test_published_reader_refuses_something_else(tmp_path):
    html = "<html><body><h1>增值税普通发票</h1><table><tr><td>金额</td><td>100</td></tr></table></body></html>"
    with pytest.raises(NotReadable):
        read_published_html(html.encode("utf-8"))


def test_published_reader_refuses_what_is_not_a_pdf():
    with pytest.raises(NotReadable, match="不是可读取的 PDF"):
        read_published_pdf(b"%PDF-1.7\n garbage")


def test_published_reader_warns_for_an_unreadable_cell_and_leaves_it_blank():
    raw = (CORPUS / "seed-portal.html").read_bytes().decode("utf-8")
    # 本年新收·自然人 printed as something no one can read as a number.
    raw = raw.replace(">46</td>", ">4б</td>", 1)
    reading = read_published_html(raw.encode("utf-8"))
    assert reading.document["applications"]["received"]["natural_person"] is None
    (warning,) = [w for w in reading.warnings if "applications.received.natural_person" in w.cells]
    assert warning.rule == "unreadable" and warning.severity == "warning"
    assert "无法读取为数字" in warning.message


def test_published_reader_single_row_other_in_a_2021_table():
    raw = (CORPUS / "education-2021-portal.html").read_bytes().decode("utf-8")
    # Replace the three （六） rows by one row labelled （六）其他处理, as some offices print it.
    start = raw.index("（六）其他处理")
    row_start = raw.rindex("<tr", 0, start)
    total = raw.index("（七）")
    row_end = raw.rindex("<tr", 0, total)
    single = (
        '<tr><th scope="row" colspan="2">（六）其他处理</th>'
        + "<td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td></tr>"
    )
    page = raw[:row_start] + single + raw[row_end:]
    # The outcome heading spans two rows fewer.
    page = page.replace('rowspan="22" class="label vertical outcomes"', 'rowspan="20" class="label vertical outcomes"')
    reading = read_published_html(page.encode("utf-8"))
    doc = reading.document
    assert doc["meta"]["printed_variants"] == ["other_single_row"]
    assert doc["applications"]["other_misc"]["total"] == 1
    assert doc["applications"]["other_no_correction"]["total"] is None
    assert doc["applications"]["other_unpaid_fee"]["total"] is None
    assert any("一行" in n for n in reading.notes)
    assert reading.warnings == []


def test_published_reader_converts_yuan_to_wan_yuan_with_a_note():
    raw = (CORPUS / "education-2021-portal.html").read_bytes().decode("utf-8")
    raw = raw.replace("本年收费金额（单位：万元）", "本年收费金额（单位：元）").replace(">59.2375<", ">592375<")
    reading = read_published_html(raw.encode("utf-8"))
    assert reading.document["proactive"]["fees"]["amount_wan_yuan"] == "59.2375"
    assert any("万元" in n and "592375" in n for n in reading.notes)


def _run(*args):
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = exc.code
    except CommandError as exc:
        code = exc.returncode
        err.write(str(exc))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_check_report_reads_a_published_pdf_and_finds_the_printed_errors():
    code, out, _ = _run("check_report", str(CORPUS / "seed-libreoffice.pdf"), "--json")
    assert code == 1
    rules_found = [f["rule"] for f in json.loads(out)]
    assert rules_found.count("row_total") == 2 and "balance" in rules_found and "handled_total" in rules_found


@pytest.mark.django_db
def test_check_report_published_portal_page_without_errors_exits_0():
    code, out, _ = _run("check_report", str(CORPUS / "education-2021-portal.html"))
    assert code == 0
    assert out.strip().endswith("共 0 个错误，0 个提示。")


@pytest.mark.django_db
def test_check_report_lists_unreadable_cells_as_warnings(tmp_path):
    raw = (CORPUS / "education-2021-portal.html").read_bytes().decode("utf-8").replace(">24</td>", ">2?4</td>", 1)
    page = tmp_path / "page.html"
    page.write_text(raw, encoding="utf-8")
    code, out, _ = _run("check_report", str(page), "--json")
    unreadable = [f for f in json.loads(out) if f["rule"] == "unreadable"]
    assert unreadable and unreadable[0]["severity"] == "warning"
    assert unreadable[0]["cells"] == ["applications.received.natural_person"]


@pytest.mark.django_db
def test_check_report_scanned_pdf_exits_2_in_chinese():
    code, _, err = _run("check_report", str(CORPUS / "scanned.pdf"))
    assert code == 2
    assert "扫描件，没有可读取的文字" in err
