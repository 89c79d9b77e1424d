"""Published reports taken in: import_report of a published PDF or portal page, import_published
of a county's folder or zip, and the hostile files each refused in Chinese with nothing saved
(tests/data/published; README there names each file's source)."""

import hashlib
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command

from annual import rules
from annual.interchange import report_to_document
from annual.models import Agency, PublishedSource, Report, ReportState, Transition
from annual.published import value_paths
from annual.published_import import IMPORTED_LABEL, state_label
from annual.workflow import IMPORT_PUBLISHED, TransitionError, perform_transition
from tests.cli_runner import run_command

CORPUS = Path(__file__).resolve().parent / "data" / "published"
DEMO = Path(__file__).resolve().parent.parent / "annual" / "demo_data"
COUNTY = "苍南县人民政府"


def _run(*args):
    """`manage.py *args` as a shell runs it (argument parsing, exit code, both streams), in this
    process and on the test's database (tests/cli_runner.py)."""
    result = run_command(*args)
    return result.returncode, result.stdout, result.stderr


@pytest.mark.django_db
def test_import_report_published_pdf_is_published_imported_read_only_with_its_source():
    path = CORPUS / "education-2021-libreoffice.pdf"
    code, out, err = _run("import_report", str(path), "--agency", "苍南县教育局", "--parent", COUNTY)
    assert code == 0, err
    report = Report.objects.get(agency__name="苍南县教育局", year=2021)
    assert report.state == ReportState.PUBLISHED and state_label(report) == IMPORTED_LABEL
    assert not report.is_editable
    source = report.published_source
    raw = path.read_bytes()
    assert bytes(source.data) == raw and source.sha256 == hashlib.sha256(raw).hexdigest()
    assert source.kind == "pdf" and source.cells_read == len(value_paths("2021"))
    expected = json.loads((DEMO / "cangnan-education-2021.json").read_text(encoding="utf-8"))
    doc = report_to_document(report)
    for section in ("proactive", "applications", "review_litigation"):
        assert doc[section] == expected[section]
    (transition,) = Transition.objects.filter(report=report)
    assert transition.action == IMPORT_PUBLISHED and transition.actor is None
    assert source.sha256 in transition.reason
    assert IMPORTED_LABEL in out


@pytest.mark.django_db
def test_import_report_published_keeps_the_printed_errors_for_the_rules():
    code, _, err = _run("import_report", str(CORPUS / "seed-portal.html"), "--agency", "苍南县人民政府办公室")
    assert code == 0, err
    report = Report.objects.get()
    assert report.published_source.kind == "html"
    expected = json.loads((DEMO / "cangnan-2020.json").read_text(encoding="utf-8"))
    found = [f.as_dict() for f in rules.blocking_findings(report_to_document(report))]
    assert found and found == [f.as_dict() for f in rules.blocking_findings(expected)]


@pytest.mark.django_db
def test_import_report_published_over_an_existing_year_needs_replace_and_an_editable_report():
    path = str(CORPUS / "education-2021-portal.html")
    call_command(
        "import_report", str(DEMO / "cangnan-education-2021.json"), agency="苍南县教育局", stdout=io.StringIO()
    )
    code, _, err = _run("import_report", path, "--agency", "苍南县教育局")
    assert code == 1 and "--replace" in err
    assert not PublishedSource.objects.exists()
    code, _, err = _run("import_report", path, "--agency", "苍南县教育局", "--replace")
    assert code == 0, err
    report = Report.objects.get()
    assert report.state == ReportState.PUBLISHED and report.published_source
    # Now published: a second import may not replace it, even with --replace.
    code, _, err = _run("import_report", path, "--agency", "苍南县教育局", "--replace")
    assert code == 1 and "已锁定" in err
    assert Transition.objects.filter(report=report).count() == 1


@pytest.mark.django_db
def test_import_published_transition_is_never_a_button(django_user_model):
    from annual.workflow import TRANSITIONS, allowed_actions

    report = Report.objects.create(agency=Agency.objects.create(name="某局"), year=2022, template="2021")
    assert TRANSITIONS[IMPORT_PUBLISHED].imported
    admin = django_user_model.objects.create_superuser("root", password="x-very-long-password")
    assert IMPORT_PUBLISHED not in [r.action for r in allowed_actions(admin, report)]
    with pytest.raises(TransitionError):
        perform_transition(report, IMPORT_PUBLISHED, user=admin)


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "county"
    (folder / "2021").mkdir(parents=True)
    shutil.copy(CORPUS / "education-2021-libreoffice.pdf", folder / "2021" / "教育局.pdf")
    shutil.copy(CORPUS / "seed-weasyprint.pdf", folder / "办公室2020.pdf")
    (folder / "readme.txt").write_text("not a report", encoding="utf-8")
    return folder


@pytest.mark.django_db
def test_import_published_folder_imports_each_under_its_agency_and_exits_1_for_printed_errors(tmp_path):
    code, out, err = _run("import_published", str(_folder(tmp_path)), "--parent", COUNTY)
    assert code == 1, err  # the seed prints four arithmetic errors, kept as published
    lines = out.splitlines()
    assert lines[0].split("\t") == ["文件", "机关", "年度", "页数", "读出格数", "警告", "勾稽错误", "结果"]
    rows = {line.split("\t")[0]: line.split("\t") for line in lines[1:3]}
    assert rows["2021/教育局.pdf"][1:3] == ["苍南县教育局", "2021"]
    assert rows["2021/教育局.pdf"][6:] == ["0", "已导入"]
    assert rows["办公室2020.pdf"][1:3] == ["苍南县人民政府办公室", "2020"]
    assert rows["办公室2020.pdf"][6] == "4" and rows["办公室2020.pdf"][7] == "已导入（勾稽不符）"
    county = Agency.objects.get(name=COUNTY)
    assert set(Agency.objects.filter(parent=county).values_list("name", flat=True)) == {
        "苍南县教育局",
        "苍南县人民政府办公室",
    }
    assert Report.objects.filter(state=ReportState.PUBLISHED, published_source__isnull=False).count() == 2
    # The same folder again: nothing new, nothing refused.
    code, out, _ = _run("import_published", str(_folder(tmp_path / "again")), "--parent", COUNTY)
    assert code == 1 and out.count("已导入过（同一文件）") == 2
    assert Report.objects.count() == 2


@pytest.mark.django_db
def test_import_published_zip_with_an_unreadable_file_exits_2_and_saves_only_the_good_ones(tmp_path):
    archive = tmp_path / "county.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(CORPUS / "education-2021-portal.html", "教育局.html")
        zf.write(CORPUS / "scanned.pdf", "扫描.pdf")
        zf.writestr("../escape.pdf", b"%PDF-1.7")
    code, out, err = _run("import_published", str(archive), "--parent", COUNTY)
    assert code == 2
    assert "扫描件，没有可读取的文字" in out and "路径不安全" in out
    assert "扫描.pdf" in err
    assert list(Report.objects.values_list("agency__name", flat=True)) == ["苍南县教育局"]


@pytest.mark.django_db
def test_import_published_refuses_a_zip_with_too_many_members(tmp_path, monkeypatch):
    from annual import published_folder

    monkeypatch.setattr(published_folder, "MAX_MEMBERS", 3)
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for n in range(4):
            zf.writestr(f"{n}.html", b"<html></html>")
    code, _, err = _run("import_published", str(archive), "--parent", COUNTY)
    assert code == 2 and "超过 3 个" in err
    assert not Agency.objects.exists()


HOSTILE = [
    ("long-300.pdf", "300 页"),
    ("bomb.pdf", "解压后超过"),
    ("invoice.pdf", "不是政府信息公开工作年度报告"),
    ("unknown-template.pdf", "统计表"),
    ("unknown-template.html", "统计表"),
    ("scanned.pdf", "扫描件，没有可读取的文字"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("name,message", HOSTILE)
def test_import_report_hostile_file_exits_2_in_chinese_and_saves_nothing(name, message):
    code, _, err = _run("import_report", str(CORPUS / name), "--agency", "某局", "--parent", COUNTY)
    assert code == 2
    assert message in err and "Traceback" not in err
    assert not Agency.objects.exists() and not Report.objects.exists()


@pytest.mark.django_db
def test_import_published_lists_each_hostile_file_with_its_reason(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    for name, _ in HOSTILE:
        shutil.copy(CORPUS / name, folder / name)
    code, out, _ = _run("import_published", str(folder), "--parent", COUNTY)
    assert code == 2
    for name, message in HOSTILE:
        (line,) = [ln for ln in out.splitlines() if ln.startswith(name + "\t")]
        assert "无法读取" in line and message in line
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_imported_report_counts_in_the_rollup_and_says_it_was_read_from_a_published_file():
    from annual.rollup import build_rollup

    _run("import_report", str(CORPUS / "education-2021-portal.html"), "--agency", "苍南县教育局", "--parent", COUNTY)
    county = Agency.objects.get(name=COUNTY)
    rollup = build_rollup(county, 2021)
    (part,) = rollup.parts
    assert part.entry.state_label == IMPORTED_LABEL
    expected = json.loads((DEMO / "cangnan-education-2021.json").read_text(encoding="utf-8"))
    assert rollup.document["applications"] == expected["applications"]


@pytest.mark.django_db
def test_import_published_reads_in_worker_processes_with_the_same_outcome(tmp_path, monkeypatch):
    from annual import published_folder

    monkeypatch.setattr(published_folder, "POOL_FROM", 2)
    folder = _folder(tmp_path)
    shutil.copy(CORPUS / "scanned.pdf", folder / "扫描.pdf")
    outcomes = list(published_folder.import_folder(str(folder), COUNTY, workers=2))
    assert [(o.file, o.outcome) for o in outcomes] == [
        ("办公室2020.pdf", published_folder.IMPORTED_WITH_ERRORS),
        ("扫描.pdf", published_folder.NOT_READ),
        ("2021/教育局.pdf", published_folder.IMPORTED),
    ]
    assert Report.objects.count() == 2
