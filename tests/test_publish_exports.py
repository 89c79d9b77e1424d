"""DOCX, accessible HTML, plain text, the publication package and `export_report -o OUT.ext`.

The DOCX is opened by a second real client: LibreOffice (Debian's libreoffice-writer-nogui)
converts it to PDF, and every figure of the report must be in that PDF's text.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from docx import Document
from docx.oxml.ns import qn
from lxml import etree
from lxml import html as lxml_html

from annual.exports.docx import (
    BODY_FONT,
    FALLBACKS,
    HEADING_FONT,
    STYLE_BODY,
    STYLE_TABLE,
    STYLE_TITLE,
    SUBHEADING_FONT,
    TITLE_FONT,
    document_bytes,
    pdf_page_breaks,
    table_parts,
)
from annual.exports.html import page_html
from annual.exports.package import MANIFEST, snapshot_package
from annual.exports.text import BLANK, page_text
from annual.imports.xlsx import read_workbook
from annual.interchange import write_document
from annual.layout import TABLE_BUILDERS, build_table, build_tables
from annual.models import Agency, ApplicationRow, Report, ReportState
from annual.pdf.archival import embedded_files
from annual.snapshots import freeze_report
from tests.cli_runner import run_command
from tests.pdf_cases import libreoffice_pdf

ROOT = Path(__file__).resolve().parent.parent

MANAGE = [sys.executable, "manage.py"]

NUMBER_RE = re.compile(r"-?\d+(?:\.\d+)?")


LARGEST = 1808595  # a city's 行政许可 decisions: real counts reach the millions


@pytest.fixture(params=["2019", "2021", "largest"])
def doc(request, seed_doc, doc_2021) -> dict:
    """The two examples, and the 2021 one with every count of 三 and 四 in the millions."""
    doc = copy.deepcopy(seed_doc if request.param == "2019" else doc_2021)
    if request.param == "largest":
        for section in ("applications", "review_litigation"):
            for row in doc[section].values():
                for key in row:
                    row[key] = LARGEST
        doc["proactive"]["licensing"]["decisions"] = LARGEST
        doc["proactive"]["fees"]["amount_wan_yuan"] = "59237.2449"
    return doc


def figures(doc: dict) -> list[str]:
    """Every printed figure of the three tables (blank cells print nothing), unit stripped."""
    return [NUMBER_RE.search(c.text).group() for t in build_tables(doc).values() for c in t.value_cells() if c.text]


def missing_figures(doc: dict, text: str) -> Counter:
    """Figures of `doc` not found in `text`, counted: each figure must occur as often as printed
    in the tables at least (narratives may add more)."""
    return Counter(figures(doc)) - Counter(NUMBER_RE.findall(text.replace(",", "")))


# --- HTML ------------------------------------------------------------------------------------


def test_html_page_has_every_figure_in_an_accessible_table(doc):
    tree = lxml_html.fromstring(page_html(doc))
    assert tree.get("lang") == "zh-CN"
    assert not tree.xpath("//script") and not tree.xpath("//link")
    assert [h.text_content() for h in tree.xpath("//h2")][:6] == [
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ]
    tables = tree.xpath("//table")
    assert len(tables) == 3
    printed = []
    layouts = [build_table(doc, key, printed=True) for key in TABLE_BUILDERS]  # as the PDF prints them
    for table, layout in zip(tables, layouts, strict=True):
        assert table.xpath("caption")[0].text_content()
        ids = set(table.xpath(".//th/@id"))
        assert all(th.get("scope") in ("col", "colgroup", "row", "rowgroup") for th in table.xpath(".//th"))
        cells = [td for td in table.xpath(".//td") if td.get("class") != "corner"]
        assert [td.text_content() for td in cells] == [c.text for c in layout.value_cells()]
        for td, cell in zip(cells, layout.value_cells(), strict=True):
            headers = td.get("headers").split()
            assert headers and set(headers) <= ids
            # The headers name the cell: the row's own label and the column's are among them.
            names = " ".join(table.xpath(f".//th[@id='{h}']")[0].text_content() for h in headers)
            assert cell.label.split("·")[-1] in names
        printed += [td.text_content() for td in cells]
    assert not missing_figures(doc, " ".join(printed))


def test_html_escapes_markup_in_texts(doc):
    doc["overview"] = "<script>alert(1)</script>（一）<b>加粗</b>标题。正文"
    page = page_html(doc)
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_text_version_names_every_figure(doc):
    text = page_text(doc)
    for layout in build_tables(doc).values():
        for cell in layout.value_cells():
            assert f"{cell.label}：{cell.text or BLANK}\n" in text
    assert not missing_figures(doc, text)
    assert doc["agency"] in text.splitlines()[0]


# --- DOCX ------------------------------------------------------------------------------------


@pytest.mark.pdf  # the tables are cut where the real PDF pages break
def test_docx_layout_fonts_merges_and_page_numbers(doc):
    word = Document(io.BytesIO(document_bytes(doc)))
    section = word.sections[0]
    assert [
        round(m.mm)
        for m in (
            section.page_width,
            section.page_height,
            section.top_margin,
            section.bottom_margin,
            section.left_margin,
            section.right_margin,
        )
    ] == [210, 297, 37, 35, 28, 26]
    east_asian = {el.get(qn("w:eastAsia")) for el in word.element.body.iter(qn("w:rFonts"))}
    east_asian |= {
        s.element.rPr.rFonts.get(qn("w:eastAsia"))
        for s in word.styles
        if getattr(s, "element", None) is not None and s.element.rPr is not None and s.element.rPr.rFonts is not None
    }
    assert {TITLE_FONT, HEADING_FONT, SUBHEADING_FONT, BODY_FONT} <= east_asian
    font_table = next(p for p in word.part.package.iter_parts() if p.partname == "/word/fontTable.xml")
    declared = {
        f.get(qn("w:name")): f.find(qn("w:altName")).get(qn("w:val"))
        for f in etree.fromstring(font_table.blob)
        if f.find(qn("w:altName")) is not None
    }
    assert declared == {name: alt for name, (alt, _) in FALLBACKS.items()}
    assert word.settings.odd_and_even_pages_header_footer
    for footer in (section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]):
        assert footer.text.startswith("— ") and footer.text.endswith(" —")
        assert "PAGE" in "".join(t.text for t in footer._p.iter(qn("w:instrText")))
    # Each official face carries its embedded stand-in (for LibreOffice), East Asian text is zh-CN.
    embedded = {
        f.get(qn("w:name")) for f in etree.fromstring(font_table.blob) if f.find(qn("w:embedRegular")) is not None
    }
    assert {TITLE_FONT, HEADING_FONT, SUBHEADING_FONT, BODY_FONT} <= embedded
    assert word.styles.element.find(f".//{qn('w:docDefaults')}//{qn('w:lang')}").get(qn("w:eastAsia")) == "zh-CN"
    # The tables as the PDF prints them, cut where the PDF's pages break: one Word table a page.
    breaks = pdf_page_breaks(doc, None)
    printed = []
    for key in TABLE_BUILDERS:
        layout = build_table(doc, key, printed=True)
        for index in breaks.get(key, []):
            layout = layout.split_at(index)
        printed += table_parts(layout)
    tables = word.tables
    assert len(tables) == len(printed) >= 3
    for table, layout in zip(tables, printed, strict=True):
        assert len(table._tbl.tr_lst) == len(layout.head) + len(layout.rows)
        for r in range(len(layout.head)):
            assert table.rows[r]._tr.trPr.find(qn("w:tblHeader")) is not None
        # Each layout cell is one Word cell (continuations of a vertical merge aside), in order,
        # with its text, its column span and a vertical merge exactly where it spans rows.
        expected = [(c.text, c.colspan, c.rowspan > 1) for row in layout.head + layout.rows for c in row.cells]
        seen = []
        for tr in table._tbl.tr_lst:
            for tc in tr.tc_lst:
                vmerge = tc.tcPr.find(qn("w:vMerge"))
                if vmerge is not None and vmerge.get(qn("w:val")) != "restart":
                    continue
                seen.append(("".join(t.text for t in tc.iter(qn("w:t"))), tc.grid_span, vmerge is not None))
        assert seen == expected


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (libreoffice-writer-nogui) is not installed")
def test_docx_keeps_the_22_line_grid_and_28_characters_a_line(seed_doc):
    """文档网格 of 22 lines (linePitch 579 twips = 28.95 pt) and body characters 0.25 pt narrower
    than 3号, so 28 fit the 156 mm 版心 and 29 do not; the title and table text stay off the grid."""
    word = Document(io.BytesIO(document_bytes(seed_doc)))
    grid = word.sections[0]._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines" and int(
        grid.get(qn("w:linePitch"))
    ) * 22 / 20 * 25.4 / 72 == pytest.approx(225, abs=0.5)
    body = word.styles[STYLE_BODY].element.rPr.find(qn("w:spacing"))
    pitch = 16 + int(body.get(qn("w:val"))) / 20
    assert 28 * pitch <= 156 * 72 / 25.4 < 29 * pitch
    for name in (STYLE_TITLE, STYLE_TABLE):
        assert word.styles[name].element.pPr.find(qn("w:snapToGrid")).get(qn("w:val")) == "0"


def test_libreoffice_opens_docx_and_prints_every_figure(doc, tmp_path):
    source = tmp_path / "report.docx"
    source.write_bytes(document_bytes(doc))
    pdf = libreoffice_pdf(source)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert not missing_figures(doc, text)
    assert "一、本年新收政府信息公开申请数量" in text.replace(" ", "")
    pages = int(
        re.search(
            r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        ).group(1)
    )
    # The PAGE field, as LibreOffice numbers it: 「— N —」 on every page, in order.
    assert [int(n) for n in re.findall(r"—\s*(\d+)\s*—", text)] == list(range(1, pages + 1))


# --- The publication package -----------------------------------------------------------------


@pytest.fixture
def approved(db, doc_2021):
    agency = Agency.objects.create(name=doc_2021["agency"])
    report = write_document(copy.deepcopy(doc_2021), agency)
    snapshot = freeze_report(report, user=None)
    Report.objects.filter(pk=report.pk).update(state=ReportState.APPROVED)
    report.refresh_from_db()
    return report, snapshot


@pytest.mark.pdf
def test_package_holds_the_snapshot_and_a_manifest_of_hashes(approved, doc_2021):
    report, snapshot = approved
    # A later change of the rows (as if reopened) must not leak into the package.
    ApplicationRow.objects.filter(report=report, key="received").update(natural_person=999)
    data = snapshot_package(snapshot, title=report.display_title)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        members = {n: zf.read(n) for n in names}
    manifest = json.loads(members[MANIFEST])
    assert manifest["approved_pdf_sha256"] == snapshot.sha256
    assert (manifest["agency"], manifest["year"]) == (doc_2021["agency"], doc_2021["year"])
    listed = {f["name"]: f for f in manifest["files"]}
    assert set(listed) == set(names) - {MANIFEST}
    for name, entry in listed.items():
        assert entry["sha256"] == hashlib.sha256(members[name]).hexdigest()
        assert entry["bytes"] == len(members[name])
    assert members["report.pdf"] == bytes(snapshot.pdf)
    assert json.loads(members["report.json"]) == snapshot.document == doc_2021
    assert b"999" not in members["report.txt"] and b"999" not in members["report.html"]
    assert not missing_figures(doc_2021, members["report.txt"].decode())
    assert b"<svg" in members["report.html"]  # the 图解
    # The JSON and workbook are the ones the approved PDF carries, byte for byte.
    carried = embedded_files(members["report.pdf"])
    assert members["report.json"] == carried["report.json"] and members["report.xlsx"] == carried["report.xlsx"]
    assert read_workbook(members["report.xlsx"]) == snapshot.document
    # Deterministic: the same snapshot gives the same bytes.
    assert snapshot_package(snapshot, title=report.display_title) == data


# --- export_report -o OUT.ext ----------------------------------------------------------------


@pytest.mark.django_db
def test_export_report_zip_of_never_approved_report_exits_2(tmp_path, doc_2021):
    write_document(copy.deepcopy(doc_2021), Agency.objects.create(name="某机关"))
    out = tmp_path / "out.zip"
    with pytest.raises(CommandError) as err:
        call_command("export_report", agency="某机关", year=2021, output=str(out), stderr=io.StringIO())
    assert err.value.returncode == 2 and "尚未审核通过" in str(err.value)
    assert not out.exists()


@pytest.mark.django_db
def test_export_report_unknown_extension_exits_2(tmp_path, doc_2021):
    write_document(copy.deepcopy(doc_2021), Agency.objects.create(name="某机关"))
    with pytest.raises(CommandError) as err:
        call_command("export_report", agency="某机关", year=2021, output=str(tmp_path / "out.odt"))
    assert err.value.returncode == 2 and ".docx" in str(err.value)


@pytest.mark.django_db
@pytest.mark.parametrize("ext", [".docx", ".html"])
def test_export_report_writes_docx_and_html(tmp_path, doc_2021, ext):
    write_document(copy.deepcopy(doc_2021), Agency.objects.create(name="某机关"))
    out = tmp_path / f"out{ext}"
    call_command("export_report", agency="某机关", year=2021, output=str(out), stderr=io.StringIO())
    data = out.read_bytes()
    if ext == ".docx":
        assert Document(io.BytesIO(data)).paragraphs[0].text == doc_2021["agency"]
    else:
        page = lxml_html.fromstring(data)
        assert not missing_figures(doc_2021, page.text_content())
        assert "草稿" in page.xpath("//p[@role='note']")[0].text_content()  # not approved yet


def test_export_report_zip_of_approved_report(tmp_path, approved, doc_2021):
    report, snapshot = approved
    out = tmp_path / "pkg.zip"
    call_command("export_report", agency=report.agency.name, year=2021, output=str(out), stderr=io.StringIO())
    with zipfile.ZipFile(out) as zf:
        assert zf.read("report.pdf") == bytes(snapshot.pdf)


def test_export_report_zip_of_reopened_report_exits_2_as_the_web_refuses(tmp_path, approved, client):
    report, _ = approved
    Report.objects.filter(pk=report.pk).update(state=ReportState.DRAFT)  # reopened: the snapshot is superseded
    out = tmp_path / "pkg.zip"
    with pytest.raises(CommandError) as err:
        call_command("export_report", agency=report.agency.name, year=2021, output=str(out), stderr=io.StringIO())
    assert err.value.returncode == 2 and "已重新打开" in str(err.value) and "已失效" in str(err.value)
    assert not out.exists() and not (tmp_path / "pkg.zip.partial").exists()


@pytest.fixture(scope="module")
def imported_db(tmp_path_factory) -> Path:
    """A database file holding 某机关's 2021 report, for the module's real processes: one process
    migrates it and imports the report."""
    db = tmp_path_factory.mktemp("cli") / "imported.sqlite3"
    source = ROOT / "annual" / "demo_data" / "cangnan-education-2021.json"
    prepare = (
        "from django.core.management import call_command; call_command('migrate', verbosity=0); "
        f"call_command('import_report', {str(source)!r}, agency='某机关')"
    )
    subprocess.run([*MANAGE, "shell", "-c", prepare], cwd=ROOT, env=cli_env(db), check=True, timeout=300)
    return db


def cli_env(db: Path) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "PYTHONIOENCODING": "utf-8"}


def test_export_report_to_a_full_stdout_exits_1_in_chinese(imported_db):
    # Why a process: a full disk behind standard output (/dev/full) is a property of the process's
    # file descriptor 1, and what is still buffered there must not fail again at the exit.
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [*MANAGE, "export_report", "--agency", "某机关", "--year", "2021"],
            cwd=ROOT,
            env=cli_env(imported_db),
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    assert result.returncode == 1, result.stderr
    assert "无法写入标准输出：磁盘空间已满" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.django_db
def test_export_report_to_a_missing_folder_exits_1_in_chinese(tmp_path, doc_2021):
    write_document(copy.deepcopy(doc_2021), Agency.objects.create(name="某机关"))
    unwritable = run_command("export_report", "--agency", "某机关", "--year", "2021", "-o", tmp_path / "no" / "x.json")
    assert unwritable.returncode == 1 and "文件不存在" in unwritable.stderr
    assert "No such file" not in unwritable.stderr


def test_a_document_with_tables_only_exports_without_texts_or_charts(doc):
    """A 汇总 document carries tables and header facts, no narrative: every writer still works,
    and a blank document draws no chart."""
    from annual.document import blank_document

    for key in ("intro", "overview", "problems", "other_matters"):
        doc[key] = ""
    doc["meta"] = {}
    word = Document(io.BytesIO(document_bytes(doc, title="苍南县2020年度政府信息公开工作年度报告汇总")))
    assert word.paragraphs[0].text.startswith("苍南县")
    assert not missing_figures(doc, page_text(doc))
    blank = blank_document(agency=doc["agency"], year=doc["year"], version=doc["template"])
    page = page_html(blank)
    assert "<svg" not in page and "图解" not in page
    assert "图解" not in page_text(blank)
    assert len(Document(io.BytesIO(document_bytes(blank))).tables) == 3
