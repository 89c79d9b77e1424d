"""The approved PDF as an archival file: PDF/A-3a metadata, the tag tree a screen reader reads,
header cells with their scopes on the right data cells, fonts, the embedded `report.json`, and
reading it back with check_report and import_report."""

import copy
import io
import json
from pathlib import Path

import pikepdf
import pytest
from django.core.management import call_command
from django.urls import reverse

from annual.document import dumps
from annual.imports.xlsx import read_workbook
from annual.interchange import load_report, report_to_document
from annual.models import Agency, Report, ReportSnapshot, ReportState
from annual.pdf import render_archival_pdf, render_pdf
from annual.pdf.archival import EmbeddedFile, read_embedded_document, write_options
from annual.pdf.html import render_html
from annual.pdf.render import html_to_pdf
from annual.pdf.signing import sign_pdf
from annual.pdf.structure import reading_lines, structure_tree
from annual.snapshots import freeze_report
from tests.cli_runner import run_command
from tests.documents import ARCHIVAL_MOMENT

pytestmark = pytest.mark.pdf

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "annual" / "demo_data" / "cangnan-2020.json"
EXAMPLE_2021 = ROOT / "annual" / "demo_data" / "cangnan-education-2021.json"
MOMENT = ARCHIVAL_MOMENT


def _doc(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def archival(archival_pdfs):
    """Both template versions, rendered once a session (conftest.py): {version: (document, pdf bytes)}."""
    return {version: (copy.deepcopy(doc), raw) for version, (doc, raw) in archival_pdfs.items()}


VERSIONS = ("2019", "2021")


def _nodes(node, tag):
    found = [node] if node.tag == tag else []
    for child in node.children:
        found += _nodes(child, tag)
    return found


def _text(node) -> str:
    return node.text + "".join(_text(c) for c in node.children)


@pytest.mark.parametrize("version", VERSIONS)
def test_xmp_declares_pdfa_3a_with_title_and_author(archival, version):
    doc, raw = archival[version]
    with pikepdf.open(io.BytesIO(raw)) as pdf:
        meta = pdf.open_metadata()
        assert meta.get("pdfaid:part") == "3"
        assert meta.get("pdfaid:conformance") == "A"
        assert meta.get("dc:title") == f"{doc['agency']}{doc['year']}年度政府信息公开工作年度报告"
        assert doc["agency"] in str(meta.get("dc:creator"))
        assert pdf.Root.Lang == "zh-CN"
        assert bool(pdf.Root.MarkInfo.Marked) is True
        intent = pdf.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFA1"
        assert len(intent.DestOutputProfile.read_bytes()) > 1000  # the sRGB ICC profile itself
        assert not pdf.is_encrypted
        assert "/Encrypt" not in pdf.trailer


@pytest.mark.parametrize("version", VERSIONS)
def test_every_font_is_embedded(archival, version):
    _, raw = archival[version]
    with pikepdf.open(io.BytesIO(raw)) as pdf:
        fonts = 0
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                for descendant in font.get("/DescendantFonts", [font]):
                    descriptor = descendant.FontDescriptor
                    assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), descriptor
                    fonts += 1
        assert fonts >= 2


@pytest.mark.parametrize("version", VERSIONS)
def test_embedded_report_json_is_the_document_with_source_relationship(archival, version):
    doc, raw = archival[version]
    with pikepdf.open(io.BytesIO(raw)) as pdf:
        associated = list(pdf.Root.AF)
        assert len(associated) == 1
        spec = associated[0]
        assert spec.AFRelationship == "/Source"
        assert str(spec.UF) == "report.json"
        assert spec.EF.F.Subtype == "/application/json"
        assert spec.EF.F.read_bytes() == dumps(doc).encode("utf-8")
    assert read_embedded_document(raw) == doc


@pytest.mark.parametrize("version", VERSIONS)
def test_structure_tree_has_headings_paragraphs_and_tables(archival, version):
    doc, raw = archival[version]
    tree = structure_tree(raw)
    assert tree.tag == "Document"
    (h1,) = _nodes(tree, "H1")
    assert _text(h1) == f"{doc['agency']}{doc['year']}年度政府信息公开工作年度报告"
    assert [_text(h) for h in _nodes(tree, "H2")] == [
        "一、总体情况",
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
    ]
    assert len(_nodes(tree, "P")) >= 5
    tables = _nodes(tree, "Table")
    assert len(tables) >= 3
    for tag in ("TR", "TH", "TD"):
        assert _nodes(tree, tag), tag
    for th in _nodes(tree, "TH"):
        assert th.scope in ("Row", "Column"), _text(th)


def _cell(tree, row_label: str, headers_include: list[str]):
    """The data cells whose headers name `row_label` and every header in `headers_include`."""
    names = {}
    for th in _nodes(tree, "TH"):
        names[th.ident] = _text(th)
    matches = []
    for td in _nodes(tree, "TD"):
        spoken = [names.get(h, "") for h in td.headers]
        if row_label in spoken and all(h in spoken for h in headers_include):
            matches.append((td, spoken))
    return matches


def test_table_three_cells_name_their_row_and_every_column_header(archival):
    doc, raw = archival["2019"]
    tree = structure_tree(raw)
    ((td, spoken),) = _cell(tree, "一、本年新收政府信息公开申请数量", ["自然人"])
    assert _text(td) == str(doc["applications"]["received"]["natural_person"])
    assert spoken == ["一、本年新收政府信息公开申请数量", "自然人", "申请人情况"]
    # Under the 3×3 corner and the 法人或其他组织 span: WeasyPrint alone names no column here.
    ((td, spoken),) = _cell(tree, "一、本年新收政府信息公开申请数量", ["商业企业"])
    assert spoken == ["一、本年新收政府信息公开申请数量", "商业企业", "法人或其他组织", "申请人情况"]
    ((td, spoken),) = _cell(tree, "5.属于三类内部事务信息", ["总计"])
    assert spoken[:3] == ["5.属于三类内部事务信息", "（三）不予公开", "三、本年度办理结果"]
    assert _text(td) == str(doc["applications"]["withheld_internal_affairs"]["total"])


def test_table_two_blocks_are_headed_by_their_own_caption_only(archival):
    doc, raw = archival["2019"]
    tree = structure_tree(raw)
    ((_, spoken),) = _cell(tree, "行政处罚", ["处理决定数量"])
    assert spoken == ["行政处罚", "处理决定数量", "第二十条第（六）项"]


def test_table_four_cells_name_group_and_result(archival):
    _, raw = archival["2021"]
    tree = structure_tree(raw)
    spoken = [[h for h in td.headers] for td in _nodes(tree, "TD")][-15:]
    names = {th.ident: _text(th) for th in _nodes(tree, "TH")}
    assert [names[h] for h in spoken[0]] == ["结果维持", "行政复议"]
    assert [names[h] for h in spoken[-1]] == ["总计", "复议后起诉", "行政诉讼"]


def test_reading_lines_speak_headings_then_cells_with_headers(archival):
    _, raw = archival["2019"]
    lines = reading_lines(raw)
    assert lines[0] == "Document"
    assert lines[1].strip().startswith("H1 苍南县人民政府办公室")
    assert any(line.strip() == "H2 三、收到和处理政府信息公开申请情况" for line in lines)
    assert any("TD 46 ← 一、本年新收政府信息公开申请数量 / 自然人 / 申请人情况" in line for line in lines)


def test_draft_pdf_stays_plain_and_untagged():
    doc = _doc(SEED)
    with pikepdf.open(io.BytesIO(render_pdf(doc))) as pdf:
        assert "/StructTreeRoot" not in pdf.Root
        assert "/AF" not in pdf.Root


def test_same_snapshot_renders_the_same_archival_file(archival):
    doc, first = archival["2021"]
    assert render_archival_pdf(_doc(EXAMPLE_2021), moment=MOMENT) == first


# --- The approved snapshot, and reading its PDF back --------------------------------------------


@pytest.mark.django_db
def test_approved_snapshot_is_archival_and_its_data_hash_is_shown(personas, client):
    report = personas.report_a
    snapshot = freeze_report(report, user=personas.approver_a)
    Report.objects.filter(pk=report.pk).update(state=ReportState.APPROVED)
    embedded = read_embedded_document(bytes(snapshot.pdf))
    assert embedded == snapshot.document == report_to_document(load_report(report.pk))
    with pikepdf.open(io.BytesIO(bytes(snapshot.pdf))) as pdf:
        files = {str(f.UF): f for f in pdf.Root.AF}
        assert {name: str(f.AFRelationship) for name, f in files.items()} == {
            "report.json": "/Source",
            "report.xlsx": "/Data",
        }
        workbook = files["report.xlsx"].EF.F.read_bytes()
    assert read_workbook(workbook) == embedded
    import hashlib

    assert snapshot.document_sha256 == hashlib.sha256(dumps(embedded).encode("utf-8")).hexdigest()
    client.force_login(personas.preparer_a)
    page = client.get(reverse("report-step", args=[report.pk, "review"])).content.decode()
    assert snapshot.sha256 in page and snapshot.document_sha256 in page


@pytest.mark.django_db
def test_approve_download_import_pdf_export_round_trip(personas, client, tmp_path):
    report = personas.report_a
    freeze_report(report, user=personas.approver_a)
    Report.objects.filter(pk=report.pk).update(state=ReportState.APPROVED)
    client.force_login(personas.preparer_a)
    response = client.get(reverse("report-pdf", args=[report.pk]))
    pdf = b"".join(response.streaming_content) if response.streaming else response.content
    path = tmp_path / "approved.pdf"
    path.write_bytes(pdf)
    call_command("import_report", str(path), "--agency", "另一个机关", stdout=io.StringIO())
    copy_report = Report.objects.get(agency__name="另一个机关", year=report.year)
    exported = report_to_document(load_report(copy_report.pk))
    snapshot = ReportSnapshot.objects.get(report=report)
    expected = copy.deepcopy(snapshot.document)
    assert exported == expected
    assert Agency.objects.get(name="另一个机关").parent is None


# --- The command line on PDFs --------------------------------------------------------------------


# The commands run in this process (tests/cli_runner.py), on the test's database and with the
# session's deployment key (settings.STATE_DIR), which signed the PDFs below.


@pytest.mark.django_db
def test_check_report_reads_the_pdf_like_the_json(archival, tmp_path):
    _, raw = archival["2019"]
    path = tmp_path / "seed.pdf"
    path.write_bytes(sign_pdf(raw))  # as approved: signed by this deployment
    from_pdf = run_command("check_report", path, "--json")
    from_json = run_command("check_report", SEED, "--json")
    assert from_pdf.returncode == from_json.returncode == 1
    assert json.loads(from_pdf.stdout) == json.loads(from_json.stdout)


@pytest.mark.django_db
def test_import_report_pdf_then_export_equals_the_document(archival, tmp_path):
    doc, raw = archival["2021"]
    path = tmp_path / "edu.pdf"
    path.write_bytes(sign_pdf(raw))
    imported = run_command("import_report", path, "--agency", "教育局副本")
    assert imported.returncode == 0, imported.stderr
    exported = run_command("export_report", "--agency", "教育局副本", "--year", doc["year"])
    assert json.loads(exported.stdout) == doc


@pytest.fixture(scope="module")
def bad_pdfs(archival_pdfs, tmp_path_factory) -> dict[str, Path]:
    """Archival PDFs whose embedded document is cut off, breaks a rule or is not JSON: rendered
    once for the module."""
    folder = tmp_path_factory.mktemp("bad-pdfs")
    doc, raw = archival_pdfs["2021"]
    truncated = folder / "truncated.pdf"
    truncated.write_bytes(raw[: len(raw) // 3])
    broken = copy.deepcopy(doc)
    broken["applications"]["received"]["total"] = -5
    invalid = folder / "invalid.pdf"
    invalid.write_bytes(
        html_to_pdf(
            render_html(doc, link_stylesheet=False),
            **write_options([EmbeddedFile("report.json", dumps(broken).encode(), "Source", "bad")], moment=MOMENT),
        )
    )
    not_json = folder / "not-json.pdf"
    not_json.write_bytes(
        html_to_pdf(
            render_html(doc, link_stylesheet=False),
            **write_options([EmbeddedFile("report.json", b"{not json", "Source", "bad")], moment=MOMENT),
        )
    )
    return {"truncated": truncated, "invalid": invalid, "not_json": not_json}


@pytest.mark.django_db
@pytest.mark.parametrize("command", ["check_report", "import_report"])
def test_pdfs_without_a_valid_embedded_document_exit_2(bad_pdfs, command):
    # A PDF without embedded data is read as a published report (tests/test_published_reader.py).
    expected = {
        "truncated": "",  # truncated: either unreadable or missing its attachment; both exit 2
        "invalid": "report.json:applications.received.total",
        "not_json": "report.json",
    }
    for name, path in bad_pdfs.items():
        args = [command, str(path)] + (["--agency", "某机关"] if command == "import_report" else [])
        result = run_command(*args)
        assert result.returncode == 2, (name, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        assert "不是有效的年度报告文档" in result.stderr, result.stderr
        assert expected[name] in result.stderr, (name, result.stderr)
    assert not Agency.objects.filter(name="某机关").exists()
