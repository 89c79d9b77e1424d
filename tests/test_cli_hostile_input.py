"""The CLI contract on hostile input (issue 9, item 7): check_report, render_report and
import_report each end with exit 2, a Chinese message and no traceback, promptly, for a device,
a directory, a FIFO, a huge file, deeply nested JSON and a duplicate key.

A case whose danger is to the process itself (an open or a read that never ends, or grows
without bound) runs the real `manage.py` in a subprocess with a timeout: a regression then fails
the test instead of hanging or killing the test run. A case that is refused at once (a
directory, deep nesting, a duplicate key) only has its message and exit code to show, and runs
in the test's process (tests/cli_runner.py).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tracemalloc
import zlib
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from annual import safe_input
from annual.document import DocumentError, parse
from tests.cli_runner import run_command

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "annual" / "demo_data" / "cangnan-2020.json"
# The contract says 2 s; on a loaded test machine Django's own start-up can take longer, so the
# timeout only catches a hang (the /dev/zero read used to grow to 9 GB and never end).
TIMEOUT = 30


def _huge(tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as fh:
        fh.truncate(10 * 1024**3)  # sparse: 10 GB long, no disk used
    return str(path)


def _fifo(tmp_path):
    path = tmp_path / "pipe.json"
    os.mkfifo(path)  # nobody writes: opening it to read would block forever
    return str(path)


def _nested(tmp_path):
    path = tmp_path / "nested.json"
    path.write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    return str(path)


def _duplicate(tmp_path):
    text = SEED.read_text(encoding="utf-8")
    path = tmp_path / "dup.json"
    path.write_text(text.replace('"year": 2020,', '"year": 2020,\n  "year": 2019,', 1), encoding="utf-8")
    assert path.read_text(encoding="utf-8").count('"year"') == 2
    return str(path)


# Why each of these needs a process of its own, should the guard against it fail:
PROCESS_CASES = {
    # /dev/zero never ends: the read would grow the process's memory until it is killed.
    "device": (lambda tmp: "/dev/zero", "不是普通文件"),
    # Nobody writes to the FIFO: opening it to read blocks forever (only a timeout ends it).
    "fifo": (_fifo, "不是普通文件"),
    # 10 GB read into memory would take the test run down with it.
    "huge": (_huge, "文件过大"),
}
# Refused at once, without reading far: only the message and the exit code are the point. Deep
# nesting is among them: without the depth check json raises RecursionError (guarded in C, not
# a stack overflow), which run_command lets through to fail the test with its traceback.
IN_PROCESS_CASES = {
    "directory": (lambda tmp: str(tmp), "是目录"),
    "nested": (_nested, "嵌套"),
    "duplicate_key": (_duplicate, "year"),
}

COMMANDS = {
    "check_report": lambda f, tmp: ["check_report", f],
    "render_report": lambda f, tmp: ["render_report", f, "-o", str(tmp / "out.pdf")],
    "import_report": lambda f, tmp: ["import_report", f, "--agency", "某机关"],
}


def _assert_refused_in_chinese(result, fragment: str, tmp_path) -> None:
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr and "Error:" not in result.stderr.replace("CommandError", "")
    assert fragment in result.stderr
    assert "不是有效的年度报告文档" in result.stderr or "无法读取" in result.stderr
    assert not (tmp_path / "out.pdf").exists()


@pytest.fixture(scope="module")
def unmigrated_db_url(tmp_path_factory) -> str:
    """One database file for the module's subprocesses: each refuses its input before a query,
    so the file is never migrated (nor, mostly, even created)."""
    return f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'cli.sqlite3'}"


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", PROCESS_CASES)
def test_hostile_input_exits_2_in_chinese_without_traceback(tmp_path, unmigrated_db_url, command, case):
    make, fragment = PROCESS_CASES[case]
    target = make(tmp_path)
    env = dict(os.environ, DATABASE_URL=unmigrated_db_url, PYTHONIOENCODING="utf-8")
    result = subprocess.run(
        [sys.executable, "manage.py", *COMMANDS[command](target, tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    _assert_refused_in_chinese(result, fragment, tmp_path)


# No database: the input is refused before a query (pytest-django fails any query here).
@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", IN_PROCESS_CASES)
def test_hostile_input_refused_at_once_exits_2_in_chinese_without_traceback(tmp_path, command, case):
    make, fragment = IN_PROCESS_CASES[case]
    result = run_command(*COMMANDS[command](make(tmp_path), tmp_path))
    _assert_refused_in_chinese(result, fragment, tmp_path)


def test_caps_are_named_and_sized_for_the_largest_legitimate_input(seed_doc):
    # The longest legitimate document: every text at its limit, in 3-byte UTF-8, pretty-printed.
    from annual.document import MAX_TEXT_CHARS

    longest = dict(
        seed_doc,
        intro="字" * MAX_TEXT_CHARS,
        overview="字" * MAX_TEXT_CHARS,
        problems="字" * MAX_TEXT_CHARS,
        other_matters="字" * MAX_TEXT_CHARS,
    )
    size = len(json.dumps(longest, ensure_ascii=False, indent=2).encode("utf-8"))
    assert size < safe_input.MAX_JSON_BYTES
    assert safe_input.MAX_JSON_BYTES < safe_input.MAX_WORKBOOK_BYTES <= safe_input.MAX_PDF_BYTES


def test_parse_refuses_duplicate_keys_anywhere(seed_doc):
    text = json.dumps(seed_doc, ensure_ascii=False)
    text = text.replace('"total": ', '"total": 1, "total": ', 1)
    with pytest.raises(DocumentError) as exc:
        parse(text)
    assert "total" in str(exc.value) and "重复" in str(exc.value)


def test_legitimate_file_is_read(tmp_path):
    assert safe_input.read_file(str(SEED), limit=safe_input.MAX_JSON_BYTES, what="报告 JSON 文件") == SEED.read_bytes()


def _pdf_with_attachments(files: list[tuple[str, bytes, bool]]) -> bytes:
    """A PDF whose EmbeddedFiles name tree holds `files` (name, bytes, already deflated?)."""
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    names = pikepdf.Array()
    for name, data, deflated in files:
        stream = pikepdf.Stream(pdf, b"")
        stream.write(data, filter=pikepdf.Name.FlateDecode if deflated else None)
        stream.Type = pikepdf.Name.EmbeddedFile
        names.append(pikepdf.String(name))
        names.append(
            pdf.make_indirect(
                pikepdf.Dictionary(
                    Type=pikepdf.Name.Filespec, F=name, UF=name, EF=pikepdf.Dictionary(F=stream, UF=stream)
                )
            )
        )
    pdf.Root.Names = pikepdf.Dictionary(EmbeddedFiles=pikepdf.Dictionary(Names=names))
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return out.getvalue()


@pytest.mark.parametrize("command", ["check_report", "import_report"])
def test_pdf_embedded_json_inflating_to_a_gigabyte_exits_2(tmp_path, command):
    deflate = zlib.compressobj()
    bomb = b"".join(deflate.compress(b" " * (1 << 20)) for _ in range(1024)) + deflate.flush()
    path = tmp_path / "bomb.pdf"
    path.write_bytes(_pdf_with_attachments([("report.json", bomb, True)]))
    tracemalloc.start()
    try:
        with pytest.raises(CommandError) as caught:
            call_command(*COMMANDS[command](str(path), tmp_path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.returncode == 2 and "解压后超过" in str(caught.value)
    assert peak < 64 * 1024 * 1024  # the gigabyte is never inflated


@pytest.mark.django_db
def test_pdf_with_a_thousand_embedded_files_is_refused_for_that(tmp_path):
    files = [(f"f{i}.txt", b"x", False) for i in range(999)] + [("report.json", SEED.read_bytes(), False)]
    path = tmp_path / "many.pdf"
    path.write_bytes(_pdf_with_attachments(files))
    with pytest.raises(CommandError) as caught:
        call_command("check_report", str(path))
    assert caught.value.returncode == 2 and "内嵌的文件超过" in str(caught.value)
    # An approved PDF's own pair is read as before.
    two = tmp_path / "two.pdf"
    two.write_bytes(_pdf_with_attachments([("report.xlsx", b"PK", False), ("report.json", SEED.read_bytes(), False)]))
    with pytest.raises(SystemExit) as done:  # the seed breaks blocking rules: exit 1, read fine
        call_command("check_report", str(two), "--accept-unsigned-or-foreign")  # unsigned: ours would be signed
    assert done.value.code == 1


@pytest.mark.django_db
@pytest.mark.parametrize("command", COMMANDS)
def test_document_year_with_the_other_template_exits_2_naming_the_rule(tmp_path, doc_2021, command):
    mismatched = dict(doc_2021, year=2020)  # a 2020 report in the 2021 template
    path = tmp_path / "mismatch.json"
    path.write_text(json.dumps(mismatched, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command(*COMMANDS[command](str(path), tmp_path))
    message = str(caught.value)
    assert caught.value.returncode == 2
    assert "2020 年度的报告应使用2019年版" in message and "2021年版用于 2021 年度起" in message
    assert not (tmp_path / "out.pdf").exists()
