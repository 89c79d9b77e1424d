"""The second-round command-line contract, run as real processes: rollup, import_report --parent,
render_report --out-dir. Each exit code is exercised."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from annual.document import validate

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "annual" / "demo_data"
SEED = DEMO / "cangnan-2020.json"
EXAMPLE_2021 = DEMO / "cangnan-education-2021.json"


def _run(db: Path, *args) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{db}", PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("cli") / "migrated.sqlite3"
    result = _run(db, "migrate", "--noinput")
    assert result.returncode == 0, result.stderr
    return db


@pytest.fixture
def cli(migrated, tmp_path):
    """Run manage.py on a fresh copy of a migrated database."""
    db = tmp_path / "db.sqlite3"
    shutil.copy(migrated, db)

    def run(*args):
        return _run(db, *[str(a) for a in args])

    run.db = db
    return run


def write(tmp_path: Path, doc: dict, name: str) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def publish_all(db: Path) -> None:
    # Arrangement: the reports stand as published, as the acceptance reports do.
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE annual_report SET state = 'published'")


def parents(db: Path) -> dict[str, str | None]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT a.name, p.name FROM annual_agency a LEFT JOIN annual_agency p ON a.parent_id = p.id"
        )
        return dict(rows.fetchall())


# --- import_report --parent --------------------------------------------------------------------------


def test_import_with_parent_creates_the_parent_and_trims_names(cli, tmp_path):
    result = cli("import_report", EXAMPLE_2021, "--agency", "  苍南县教育局 ", "--parent", " 苍南县人民政府  ")
    assert result.returncode == 0, result.stderr
    assert "已新建上级机关：苍南县人民政府" in result.stdout
    assert parents(cli.db) == {"苍南县人民政府": None, "苍南县教育局": "苍南县人民政府"}
    # Importing again under the same parent is fine (with --replace for the existing report).
    again = cli("import_report", EXAMPLE_2021, "--agency", "苍南县教育局", "--parent", "苍南县人民政府", "--replace")
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
def test_import_refusals_exit_2_and_write_nothing(cli, tmp_path, args, message):
    assert cli("import_report", EXAMPLE_2021, "--agency", "苍南县教育局", "--parent", "苍南县人民政府").returncode == 0
    before = parents(cli.db)
    result = cli("import_report", SEED, *args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert message in result.stderr and "Traceback" not in result.stderr
    assert parents(cli.db) == before


# --- rollup ---------------------------------------------------------------------------------------------


@pytest.fixture
def county(cli, tmp_path, seed_doc, doc_2021):
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
        path = write(tmp_path, doc, f"r{i}.json")
        assert cli("import_report", path, "--agency", name, "--parent", parent).returncode == 0
    publish_all(cli.db)
    return doc_2021


def test_rollup_json_sums_every_descendant_and_names_each_on_stderr(cli, county, tmp_path):
    out = tmp_path / "sum.json"
    result = cli("rollup", "--agency", "苍南县人民政府", "--year", "2021", "-o", out)
    assert result.returncode == 0, result.stderr
    doc = validate(json.loads(out.read_text(encoding="utf-8")))
    assert doc["agency"] == "苍南县人民政府" and doc["year"] == 2021 and doc["template"] == "2021"
    assert doc["meta"] == {} and doc["overview"] == doc["intro"] == doc["problems"] == doc["other_matters"] == ""
    assert doc["applications"]["received"]["total"] == 4 * county["applications"]["received"]["total"]
    assert doc["proactive"]["fees"]["amount_wan_yuan"] == "11.255"
    for name in ("苍南县教育局", "苍南县卫生健康局", "灵溪镇人民政府", "灵溪镇人民政府党政办"):
        assert f"已纳入：{name}" in result.stderr
    # The sum of valid reports is itself a valid report: check_report finds no error in it.
    assert cli("check_report", out).returncode == 0
    # A township's own roll-up covers its office only.
    sub = cli("rollup", "--agency", "灵溪镇人民政府", "--year", "2021", "-o", tmp_path / "town.json")
    assert sub.returncode == 0 and "已纳入：灵溪镇人民政府党政办" in sub.stderr


def test_rollup_lists_left_out_agencies_with_reasons(cli, county, tmp_path, doc_2021):
    broken = copy.deepcopy(doc_2021)
    broken["applications"]["received"]["natural_person"] += 1
    assert (
        cli(
            "import_report",
            write(tmp_path, broken, "b.json"),
            "--agency",
            "矾山镇人民政府",
            "--parent",
            "苍南县人民政府",
        ).returncode
        == 0
    )
    assert (
        cli(
            "import_report",
            write(tmp_path, doc_2021, "d.json"),
            "--agency",
            "马站镇人民政府",
            "--parent",
            "苍南县人民政府",
        ).returncode
        == 0
    )
    cli_db = sqlite3.connect(cli.db)
    with cli_db:
        cli_db.execute(
            "UPDATE annual_report SET state='approved' WHERE agency_id = "
            "(SELECT id FROM annual_agency WHERE name='矾山镇人民政府')"
        )
    cli_db.close()
    # An agency with no report at all, made through the model like the admin would.
    assert (
        cli(
            "shell",
            "-c",
            "from annual.models import Agency; Agency.objects.create(name='桥墩镇人民政府', "
            "parent=Agency.objects.get(name='苍南县人民政府'))",
        ).returncode
        == 0
    )
    result = cli("rollup", "--agency", "苍南县人民政府", "--year", "2021", "-o", tmp_path / "sum.json")
    assert result.returncode == 0, result.stderr
    assert "未纳入：矾山镇人民政府（有阻断性错误" in result.stderr
    assert "未纳入：马站镇人民政府（未通过审核（状态：草稿））" in result.stderr
    assert "未纳入：桥墩镇人民政府（没有该年度报告）" in result.stderr
    both = cli(
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


def test_rollup_pdf_is_the_official_layout(cli, county, tmp_path):
    out = tmp_path / "sum.pdf"
    result = cli("rollup", "--agency", "苍南县人民政府", "--year", "2021", "-o", out)
    assert result.returncode == 0, result.stderr
    pages = [page.extract_text() or "" for page in pypdf.PdfReader(out).pages]
    text = "\n".join(pages)
    assert "三、收到和处理政府信息公开申请情况" in text and "汇总" in text


def test_rollup_pdf_is_a_clean_print_stating_its_basis_on_every_page(cli, county, tmp_path):
    out = tmp_path / "sum.pdf"
    result = cli("rollup", "--agency", "苍南县人民政府", "--year", "2021", "-o", out)
    assert result.returncode == 0, result.stderr
    included = result.stderr.count("已纳入：")
    total = included + result.stderr.count("未纳入：")
    pages = [page.extract_text() or "" for page in pypdf.PdfReader(out).pages]
    assert len(pages) >= 2
    for text in pages:
        assert "草稿" not in text  # no watermark, no draft footer
        assert "汇总数，非经审核的年度报告" in text
        assert f"纳入 {included} 个下级机关（共 {total} 个" in text
        assert re.search(r"数据截至 \d{4}-\d{2}-\d{2} \d{2}:\d{2}", text)


def test_rollup_exit_1_when_nothing_to_sum(cli, tmp_path):
    assert cli("import_report", EXAMPLE_2021, "--agency", "苍南县教育局", "--parent", "苍南县人民政府").returncode == 0
    out = tmp_path / "sum.json"
    result = cli("rollup", "--agency", "苍南县人民政府", "--year", "2021", "-o", out)
    assert result.returncode == 1, result.stderr
    assert "未纳入：苍南县教育局（未通过审核" in result.stderr and not out.exists()
    assert (
        cli("rollup", "--agency", "苍南县人民政府", "--year", "2021", "--include-unapproved", "-o", out).returncode == 0
    )


def test_rollup_exit_2_on_bad_arguments(cli, county, tmp_path, seed_doc):
    unknown = cli("rollup", "--agency", "不存在的机关", "--year", "2021", "-o", tmp_path / "x.json")
    assert unknown.returncode == 2 and "没有名为“不存在的机关”的机关" in unknown.stderr
    assert cli("rollup", "--agency", "苍南县人民政府", "--year", "2021", "-o", tmp_path / "x.docx").returncode == 2
    assert cli("rollup", "--agency", "苍南县人民政府", "--year", "二〇二一", "-o", tmp_path / "x.json").returncode == 2
    old = dict(seed_doc, year=2021)
    assert (
        cli(
            "import_report",
            write(tmp_path, old, "old.json"),
            "--agency",
            "矾山镇人民政府",
            "--parent",
            "苍南县人民政府",
        ).returncode
        == 0
    )
    mixed = cli(
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


def test_render_out_dir_renders_each_document_in_one_process(cli, tmp_path):
    out = tmp_path / "pdfs"
    result = cli("render_report", SEED, EXAMPLE_2021, "--out-dir", out)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["cangnan-2020.pdf", "cangnan-education-2021.pdf"]
    for pdf in out.iterdir():
        assert pdf.read_bytes().startswith(b"%PDF-")


def test_render_out_dir_exit_2_writes_nothing_for_an_invalid_input(cli, tmp_path, seed_doc):
    bad = copy.deepcopy(seed_doc)
    bad["applications"]["received"]["total"] = -1
    out = tmp_path / "pdfs"
    result = cli("render_report", SEED, write(tmp_path, bad, "bad.json"), "--out-dir", out)
    assert result.returncode == 2
    assert "applications.received.total：数量不能为负数" in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["cangnan-2020.pdf"]


def test_render_needs_exactly_one_of_output_and_out_dir(cli, tmp_path):
    assert cli("render_report", SEED).returncode == 2
    assert cli("render_report", SEED, EXAMPLE_2021, "-o", tmp_path / "x.pdf").returncode == 2
    assert cli("render_report", SEED, SEED, "--out-dir", tmp_path).returncode == 2  # same output name
