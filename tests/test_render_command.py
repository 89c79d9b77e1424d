"""`render_report FILE.json -o OUT`: from the file alone, HTML or PDF, draft or final, exit 2."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pdfplumber
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from annual.pdf import PdfRenderError, render_html
from annual.pdf.batch import render_many
from tests.documents import DEMO_DIR

ROOT = Path(__file__).resolve().parent.parent
SEED = DEMO_DIR / "cangnan-2020.json"


def pdf_text(path: Path) -> str:
    with pdfplumber.open(io.BytesIO(path.read_bytes())) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


def test_render_command_html_is_exactly_what_weasyprint_gets(tmp_path, seed_doc):
    out = tmp_path / "seed.html"
    call_command("render_report", str(SEED), "-o", str(out), "--final", stdout=io.StringIO())
    assert out.read_text(encoding="utf-8") == render_html(seed_doc)


def test_render_command_title_option(tmp_path, seed_doc):
    out = tmp_path / "seed.html"
    call_command(
        "render_report",
        str(SEED),
        "-o",
        str(out),
        "--final",
        "--title",
        "苍南县人民政府办公室2020年政府信息公开年报",
        stdout=io.StringIO(),
    )
    assert "<title>苍南县人民政府办公室2020年政府信息公开年报</title>" in out.read_text(encoding="utf-8")


def test_render_command_html_is_a_draft_by_default(tmp_path):
    out = tmp_path / "seed.html"
    call_command("render_report", str(SEED), "-o", str(out), stdout=io.StringIO())
    html = out.read_text(encoding="utf-8")
    assert 'class="watermark"' in html and "状态：未经审核的文件" in html


@pytest.mark.pdf
def test_render_command_pdf_from_file_alone_without_database(tmp_path):
    # No `db` fixture: pytest-django fails any query, so this proves no database rows are read.
    out = tmp_path / "seed.pdf"
    stdout = io.StringIO()
    call_command("render_report", str(SEED), "-o", str(out), "--final", stdout=stdout)
    assert out.read_bytes().startswith(b"%PDF-")
    assert f"（{out.stat().st_size} 字节）" in stdout.getvalue()
    text = pdf_text(out)
    assert "二、主动公开政府信息情况" in text and "271.53万元" in text and "草稿" not in text


def test_render_command_invalid_document_exits_2_without_traceback(tmp_path):
    # Why a process: `manage.py render_report` must start, and print its Chinese error and exit 2
    # through real streams in the environment's own encoding (no PYTHONIOENCODING is set here).
    # It exits before rendering, so no real WeasyPrint run is paid for.
    bad = tmp_path / "bad.json"
    doc = json.loads(SEED.read_text(encoding="utf-8"))
    doc["applications"]["received"]["natural_person"] = -1
    bad.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out.pdf"
    result = subprocess.run(
        [sys.executable, "manage.py", "render_report", str(bad), "-o", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "applications.received.natural_person：数量不能为负数，实际为 -1" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_render_command_refuses_unknown_output_type(tmp_path):
    with pytest.raises(CommandError, match=r"应以 \.pdf 或 \.html 结尾"):
        call_command("render_report", str(SEED), "-o", str(tmp_path / "out.docx"))


def test_render_command_unwritable_output_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="无法写入"):
        call_command("render_report", str(SEED), "-o", str(tmp_path / "missing" / "out.html"))


@pytest.mark.pdf
def test_render_command_batch_out_dir(tmp_path):
    # Several reports in one process (the fonts and stylesheet are loaded once): FILE... --out-dir.
    out = tmp_path / "out"
    out.mkdir()
    stdout = io.StringIO()
    call_command(
        "render_report",
        str(SEED),
        str(DEMO_DIR / "cangnan-education-2021.json"),
        "--out-dir",
        str(out),
        "--final",
        stdout=stdout,
    )
    assert sorted(p.name for p in out.iterdir()) == ["cangnan-2020.pdf", "cangnan-education-2021.pdf"]
    assert "苍南县教育局" in pdf_text(out / "cangnan-education-2021.pdf")
    assert stdout.getvalue().count("已生成") == 2


def test_render_command_batch_writes_nothing_for_an_invalid_file_and_needs_one_target(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("render_report", str(SEED), str(bad), "--out-dir", str(tmp_path), stdout=io.StringIO())
    # The contract: exit 2, and nothing (not even half a file) for the invalid input.
    assert exc.value.returncode == 2 and [p.name for p in tmp_path.glob("*.pdf")] == [SEED.stem + ".pdf"]
    for args in (
        [str(SEED)],
        [str(SEED), "-o", "x.pdf", "--out-dir", str(tmp_path)],
        [str(SEED), str(SEED), "-o", str(tmp_path / "x.pdf")],
    ):
        with pytest.raises(CommandError) as exc:
            call_command("render_report", *args, stdout=io.StringIO())
        assert "Traceback" not in str(exc.value)


def _pid_and_title(doc, *, title, draft, **options):
    if doc["agency"] == "生成失败局":
        raise PdfRenderError("生成 PDF 失败，请稍后重试或联系管理员。")
    return f"{os.getpid()} {doc['agency']}".encode()


def test_a_batch_prints_on_several_processes_in_input_order_and_survives_a_failure(monkeypatch):
    # The stand-in is set before the pool forks, so the workers print with it too.
    monkeypatch.setattr("annual.pdf.render._write", _pid_and_title)
    seed = json.loads(SEED.read_text(encoding="utf-8"))
    agencies = [f"第{i}局" for i in range(6)]
    agencies[3] = "生成失败局"
    jobs = [({**seed, "agency": agency}, {"title": None, "draft": None}) for agency in agencies]
    results = list(render_many(jobs, workers=2))
    assert isinstance(results[3], PdfRenderError)
    printed = [r.decode().split(" ", 1) for i, r in enumerate(results) if i != 3]
    assert [agency for _, agency in printed] == [a for i, a in enumerate(agencies) if i != 3]
    pids = {int(pid) for pid, _ in printed}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2  # which worker takes which is up to the pool
    # One worker, or one document: printed here, in this process.
    assert {r.decode().split(" ")[0] for r in render_many(jobs[:1], workers=4)} == {str(os.getpid())}
    assert {r.split(b" ")[0] for r in render_many(jobs[:3], workers=1)} == {str(os.getpid()).encode()}


def test_render_command_jobs_must_not_be_negative(tmp_path):
    with pytest.raises(CommandError) as exc:
        call_command("render_report", str(SEED), "--out-dir", str(tmp_path), "--jobs", "-1", stdout=io.StringIO())
    assert exc.value.returncode == 2 and "--jobs" in str(exc.value)


@pytest.mark.pdf
def test_a_rendering_process_leaves_no_font_folder_behind(tmp_path):
    # WeasyPrint copies the @font-face files into a temporary folder per font configuration and
    # removes it in `__del__`, which at interpreter exit ran after `shutil` was gone: every
    # process that printed left a folder in /tmp and an "Exception ignored" on stderr.
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    out = tmp_path / "seed.pdf"
    result = subprocess.run(
        [sys.executable, "manage.py", "render_report", str(SEED), "-o", str(out), "--final"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TMPDIR": str(scratch)},
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"%PDF-")
    assert list(scratch.iterdir()) == []
    assert "Exception ignored" not in result.stderr
