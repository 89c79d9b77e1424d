"""The second-round command-line contract: rollup, import_report --parent, render_report --out-dir.
Each exit code is exercised, in the test's process (tests/cli_runner.py: Django's own argv path,
exit codes and streams, on the test's database); one real process per command family checks that
`manage.py` itself starts and exits right."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from annual.document import validate
from annual.models import Agency, Report, ReportState
from tests.cli_runner import run_command

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "annual" / "demo_data"
SEED = DEMO / "cangnan-2020.json"
EXAMPLE_2021 = DEMO / "cangnan-education-2021.json"


def write(tmp_path: Path, doc: dict, name: str) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def publish_all() -> None:
    # Arrangement: the reports stand as published, as the acceptance reports do.
    Report.objects.update(state=ReportState.PUBLISHED)


def parents() -> dict[str, str | None]:
    return dict(Agency.objects.values_list("name", "parent__name"))


# --- import_report --parent --------------------------------------------------------------------------


def test_import_with_parent_creates_the_parent_and_trims_names(db):
    result = run_command("import_report", EXAMPLE_2021, "--agency", "  苍南县教育局 ", "--parent", " 苍南县人民政府  ")
    assert result.returncode == 0, result.stderr
    assert "已新建上级机关：苍南县人民政府" in result.stdout
    assert parents() == {"苍南县人民政府": None, "苍南县教育局": "苍南县人民政府"}
    # Importing again under the same parent is fine (with --replace for the existing report).
    again = run_command(
        "import_report", EXAMPLE_2021, "--agency", "苍南县教育局", "--parent", "苍南县人民政府", "--replace"
    )
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (("--agency", "   "), "机关名称不能为空"),
        (("--agency", "苍南县教育局", "--parent", "  "), "--parent：机关名称不能为空"),
        (("--agency", "苍南县教育局", "--parent", "温州市人民政府"), "已隶属于“苍南县人民政府”"),
        (("--agency", "苍南县人民政府", "--parent", "苍南县教育局"), "成为自己的上级"),
        (("--agency", "苍南县人民政府", "--parent", "苍南县人民政府"), "不能作为自己的上级机关"),
    ],
)
def test_import_refusals_exit_2_and_write_nothing(db, args, message):
    placed = run_command("import_report", EXAMPLE_2021, "--agency", "苍南县教育局", "--parent", "苍南县人民政府")
    assert placed.returncode == 0, placed.stderr
    before = parents()
    result = run_command("import_report", SEED, *args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert message in result.stderr and "Traceback" not in result.stderr
    assert parents() == before


# --- rollup ---------------------------------------------------------------------------------------------


def import_under(path: Path, name: str, parent: str) -> None:
    result = run_command("import_report", path, "--agency", name, "--parent", parent)
    assert result.returncode == 0, result.stderr


@pytest.fixture
def county(db, tmp_path, doc_2021):
    """苍南县人民政府 with two departments and a township's office below a township (2021, valid)."""
    placements = [
        ("苍南县教育局", "苍南县人民政府"),
        ("苍南县卫生健康局", "苍南县人民政府"),
        ("灵溪镇人民政府", "苍南县人民政府"),
        ("灵溪镇人民政府党政办", "灵溪镇人民政府"),
    ]
    for i, (name, parent) in enumerate(placements):
        doc = copy.deepcopy(doc_2021)
        doc["proactive"]["fees"]["amount_wan_yuan"] = ["1.25", "0.005", None, "10"][i]
        import_under(write(tmp_path, doc, f"r{i}.json"), name, parent)
    publish_all()
    return doc_2021


def test_rollup_json_sums_every_descendant_and_names_each_on_stderr(county, tmp_path):
    out = tmp_path / "sum.json"
    result = run_command("rollup", "--agency", "苍南县人民政府", "--year", "2021", "-o", out)
    assert result.returncode == 0, result.stderr
    doc = validate(json.loads(out.read_text(encoding="utf-8")))
    assert doc["agency"] == "苍南县人民政府" and doc["year"] == 2021 and doc["template"] == "2021"
    assert doc["meta"] == {} and doc["overview"] == doc["intro"] == doc["problems"] == doc["other_matters"] == ""
    assert doc["applications"]["received"]["total"] == 4 * county["applications"]["received"]["total"]
    assert doc["proactive"]["fees"]["amount_wan_yuan"] == "11.255"
    for name in ("苍南县教育局", "苍南县卫生健康局", "灵溪镇人民政府", "灵溪镇人民政府党政办"):
        assert f"已纳入：{name}" in result.stderr
    # The sum of valid reports is itself a valid report: check_report finds no error in it.
    assert run_command("check_report", out).returncode == 0
    # A township's own roll-up covers its office only.
    sub = run_command("rollup", "--agency", "灵溪镇人民政府", "--year", "2021", "-o", tmp_path / "town.json")
    assert sub.returncode == 0 and "已纳入：灵溪镇人民政府党政办" in sub.stderr


def test_rollup_lists_left_out_agencies_with_reasons(county, tmp_path, doc_2021):
    broken = copy.deepcopy(doc_2021)
    broken["applications"]["received"]["natural_person"] += 1
    import_under(write(tmp_path, broken, "b.json"), "矾山镇人民政府", "苍南县人民政府")
    import_under(write(tmp_path, doc_2021, "d.json"), "马站镇人民政府", "苍南县人民政府")
    Report.objects.filter(agency__name="矾山镇人民政府").update(state=ReportState.APPROVED)
    # An agency with no report at all, made through the model like the admin would.
    Agency.objects.create(name="桥墩镇人民政府", parent=Agency.objects.get(name="苍南县人民政府"))
    result = run_command("rollup", "--agency", "苍南县人民政府", "--year", "2021", "-o", tmp_path / "sum.json")
    assert result.returncode == 0, result.stderr
    assert "未纳入：矾山镇人民政府（有阻断性错误" in result.stderr
    assert "未纳入：马站镇人民政府（未通过审核（状态：草稿））" in result.stderr
    assert "未纳入：桥墩镇人民政府（没有该年度报告）" in result.stderr
    both = run_command(
        "rollup",
        "--agency",
        "苍南县人民政府",
        "--year",
        "2021",
        "--include-unapproved",
        "--include-invalid",
        "-o",
        tmp_path / "all.json",
    )
    assert both.returncode == 0 and "已纳入：矾山镇人民政府" in both.stderr and "已纳入：马站镇人民政府" in both.stderr


@pytest.mark.pdf
def test_rollup_pdf_is_the_official_layout_a_clean_print_stating_its_basis_on_every_page(county, tmp_path):
    # One real render serves both looks at the PDF: the official layout, and the basis it states.
    out = tmp_path / "sum.pdf"
    result = run_command("rollup", "--agency", "苍南县人民政府", "--year", "2021", "-o", out)
    assert result.returncode == 0, result.stderr
    pages = [page.extract_text() or "" for page in pypdf.PdfReader(out).pages]
    text = "\n".join(pages)
    assert "三、收到和处理政府信息公开申请情况" in text and "汇总" in text
    included = result.stderr.count("已纳入：")
    total = included + result.stderr.count("未纳入：")
    assert len(pages) >= 2
    for text in pages:
        assert "草稿" not in text  # no watermark, no draft footer
        assert "汇总数，非经审核的年度报告" in text
        assert f"纳入 {included} 个下级机关（共 {total} 个" in text
        assert re.search(r"数据截至 \d{4}-\d{2}-\d{2} \d{2}:\d{2}", text)


def test_rollup_exit_1_when_nothing_to_sum(db, tmp_path):
    import_under(EXAMPLE_2021, "苍南县教育局", "苍南县人民政府")
    out = tmp_path / "sum.json"
    result = run_command("rollup", "--agency", "苍南县人民政府", "--year", "2021", "-o", out)
    assert result.returncode == 1, result.stderr
    assert "未纳入：苍南县教育局（未通过审核" in result.stderr and not out.exists()
    assert (
        run_command(
            "rollup", "--agency", "苍南县人民政府", "--year", "2021", "--include-unapproved", "-o", out
        ).returncode
        == 0
    )


def test_rollup_exit_2_on_bad_arguments(county, tmp_path, seed_doc):
    unknown = run_command("rollup", "--agency", "不存在的机关", "--year", "2021", "-o", tmp_path / "x.json")
    assert unknown.returncode == 2 and "没有名为“不存在的机关”的机关" in unknown.stderr
    assert (
        run_command("rollup", "--agency", "苍南县人民政府", "--year", "2021", "-o", tmp_path / "x.docx").returncode == 2
    )
    assert (
        run_command("rollup", "--agency", "苍南县人民政府", "--year", "二〇二一", "-o", tmp_path / "x.json").returncode
        == 2
    )
    # A 2021 report kept in the 2019 template: import_report refuses such a file (the template
    # follows the year), so the row is made as an older database might hold it.
    import_under(write(tmp_path, seed_doc, "old.json"), "矾山镇人民政府", "苍南县人民政府")
    Report.objects.filter(agency__name="矾山镇人民政府").update(year=2021)
    mixed = run_command(
        "rollup",
        "--agency",
        "苍南县人民政府",
        "--year",
        "2021",
        "--include-unapproved",
        "--include-invalid",
        "-o",
        tmp_path / "x.json",
    )
    assert mixed.returncode == 2 and "两个模板版本" in mixed.stderr and "Traceback" not in mixed.stderr
    assert not (tmp_path / "x.json").exists()


# --- render_report --out-dir ------------------------------------------------------------------------


def test_render_out_dir_renders_each_document_in_one_process(tmp_path):
    out = tmp_path / "pdfs"
    result = run_command("render_report", SEED, EXAMPLE_2021, "--out-dir", out)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["cangnan-2020.pdf", "cangnan-education-2021.pdf"]
    for pdf in out.iterdir():
        assert pdf.read_bytes().startswith(b"%PDF-")


def test_render_out_dir_exit_2_writes_nothing_for_an_invalid_input(tmp_path, seed_doc):
    bad = copy.deepcopy(seed_doc)
    bad["applications"]["received"]["total"] = -1
    out = tmp_path / "pdfs"
    result = run_command("render_report", SEED, write(tmp_path, bad, "bad.json"), "--out-dir", out)
    assert result.returncode == 2
    assert "applications.received.total：数量不能为负数" in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["cangnan-2020.pdf"]


def test_render_needs_exactly_one_of_output_and_out_dir(tmp_path):
    assert run_command("render_report", SEED).returncode == 2
    assert run_command("render_report", SEED, EXAMPLE_2021, "-o", tmp_path / "x.pdf").returncode == 2
    assert run_command("render_report", SEED, SEED, "--out-dir", tmp_path).returncode == 2  # same output name


# --- As real processes ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """One migrated database file for the module's real processes (each works on a copy)."""
    db = tmp_path_factory.mktemp("cli") / "migrated.sqlite3"
    result = manage(db, "migrate", "--noinput")
    assert result.returncode == 0, result.stderr
    return db


def manage(db: Path, *args) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{db}", PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "manage.py", *map(str, args)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )


def test_import_and_rollup_run_as_processes_on_a_database_file(migrated, tmp_path):
    # Why a process: `manage.py` itself must start, find both commands, reach the database named by
    # DATABASE_URL, write its Chinese lines to real streams and exit with the contract's codes;
    # the in-process tests above cover every case of each command.
    db = tmp_path / "db.sqlite3"
    shutil.copy(migrated, db)
    imported = manage(db, "import_report", EXAMPLE_2021, "--agency", "苍南县教育局", "--parent", "苍南县人民政府")
    assert imported.returncode == 0, imported.stderr
    assert "已新建上级机关：苍南县人民政府" in imported.stdout
    out = tmp_path / "sum.json"
    nothing = manage(db, "rollup", "--agency", "苍南县人民政府", "--year", "2021", "-o", out)
    assert nothing.returncode == 1 and "未纳入：苍南县教育局（未通过审核" in nothing.stderr and not out.exists()
    summed = manage(db, "rollup", "--agency", "苍南县人民政府", "--year", "2021", "--include-unapproved", "-o", out)
    assert summed.returncode == 0, summed.stderr
    assert "已纳入：苍南县教育局" in summed.stderr and validate(json.loads(out.read_text(encoding="utf-8")))
    unknown = manage(db, "rollup", "--agency", "不存在的机关", "--year", "2021", "-o", out)
    assert unknown.returncode == 2 and "没有名为“不存在的机关”的机关" in unknown.stderr
    assert "Traceback" not in imported.stderr + nothing.stderr + summed.stderr + unknown.stderr
