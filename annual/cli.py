"""What the management commands share: reading a document or failing with exit code 2."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import TypeVar

from django.core.management.base import CommandError

from . import template_spec as spec
from .document import DocumentError
from .imports import Source, read_source

INVALID_DOCUMENT = 2
# Reads the data of an approved PDF that this deployment did not sign (README 「定稿 PDF 的电子签名」).
ACCEPT_UNVERIFIED_FLAG = "--accept-unsigned-or-foreign"
T = TypeVar("T")


def load_document_or_exit(path: str) -> dict:
    """The valid document in the file at `path` (read by its extension: `annual.imports.SOURCES`);
    otherwise a CommandError (exit 2) naming each bad path or 「sheet」!cell."""
    return load_source_or_exit(path).document


def load_source_or_exit(path: str) -> Source:
    """`load_document_or_exit`, with how the file was read (a published report's warnings, the
    agency a workbook was exported from)."""
    return _or_exit(path, lambda p: _template_fits(read_source(p)))


def load_document_and_origin_or_exit(path: str) -> tuple[dict, str]:
    """`load_document_or_exit`, with the agency the file was exported from, if it says."""
    source = load_source_or_exit(path)
    return source.document, source.exported_from


def _template_fits(source: Source) -> Source:
    """A file whose template is not its year's is refused: the format allows both values, but
    a report has one template by its year (spec.TEMPLATE_RULE)."""
    problem = spec.template_year_mismatch(source.document["year"], source.document["template"])
    if problem:
        raise DocumentError([("template", problem)])
    return source


def _or_exit(path: str, read: Callable[[str], T]) -> T:
    try:
        return read(path)
    except DocumentError as exc:
        lines = exc.lines()
        shown = lines[:50]
        if len(lines) > len(shown):
            shown.append(f"……另有 {len(lines) - len(shown)} 处问题未列出")
        raise CommandError(
            f"{path} 不是有效的年度报告文档：\n  " + "\n  ".join(shown), returncode=INVALID_DOCUMENT
        ) from None


def add_signature_flag(parser) -> None:
    parser.add_argument(
        ACCEPT_UNVERIFIED_FLAG,
        dest="accept_unverified",
        action="store_true",
        help="也读取没有电子签名、或由其他系统/单位签名的定稿 PDF 中内嵌的报告数据（report.json）；签名损坏的文件仍然拒绝",
    )


def load_verified_document_or_exit(path: str, *, accept_unverified: bool, say) -> dict:
    """Like `load_document_or_exit`, and for a PDF carrying `report.json` its signature decides too.

    Broken signature (changed bytes, content appended after signing): exit 2, always. Unsigned,
    or signed by a key that is not this deployment's: exit 2 unless `accept_unverified`. `say`
    gets one Chinese line on whose key signed it (the commands write it to stderr, so `--json`
    output stays a JSON array). PDFs without `report.json` pass to the readers untouched.
    """
    doc = load_document_or_exit(path)
    verify_signature_or_exit(path, accept_unverified=accept_unverified, say=say)
    return doc


def verify_signature_or_exit(path: str, *, accept_unverified: bool, say) -> None:
    """The signature check of `load_verified_document_or_exit`, for a file already read."""
    if os.path.splitext(path)[1].lower() != ".pdf":
        return
    # Late: pikepdf and pyHanko are loaded only by a command that reads a PDF.
    from .pdf.archival import DOCUMENT_NAME, embedded_files  # noqa: PLC0415
    from .pdf.signing import check_signature  # noqa: PLC0415
    from .safe_input import MAX_PDF_BYTES, read_file  # noqa: PLC0415

    raw = read_file(path, limit=MAX_PDF_BYTES, what="定稿 PDF")  # read just now by the reader
    if DOCUMENT_NAME not in embedded_files(raw):
        return
    check = check_signature(raw)
    if check.state == "broken":
        raise CommandError(
            f"{path}：{check.summary}。文件可能被篡改，拒绝读取其中的报告数据。", returncode=INVALID_DOCUMENT
        )
    trusted = check.state == "valid" and check.own
    if not trusted and not accept_unverified:
        why = "没有电子签名" if check.state == "unsigned" else f"{check.summary}，但不是本系统签发的定稿"
        raise CommandError(
            f"{path} {why}，无法确认内嵌的报告数据（{DOCUMENT_NAME}）未被改动。"
            f"确认文件来源可信后，可加 {ACCEPT_UNVERIFIED_FLAG} 读取。",
            returncode=INVALID_DOCUMENT,
        )
    say(check.summary if trusted else f"警告：{check.summary}；按 {ACCEPT_UNVERIFIED_FLAG} 读取其内嵌数据。")


def output_writer_or_exit(output: str | None, writers: dict[str, Callable[..., bytes]], default: Callable[..., bytes]):
    """The writer `-o OUTPUT`'s extension names (`default` without `-o`); exit 2 for any other."""
    if not output:
        return default
    extension = os.path.splitext(output)[1].lower()
    if extension not in writers:
        raise CommandError(
            f"不支持的输出格式“{extension or output}”：输出文件的扩展名应为" + "、".join(writers),
            returncode=INVALID_DOCUMENT,
        )
    return writers[extension]


def write_output_or_exit(stdout, output: str | None, data: bytes) -> bool:
    """`data` to the file `output` (written beside it and renamed, so a failure never leaves half
    a file), or to standard output without one; a full disk or a closed pipe is a Chinese message
    and exit 1, never a traceback. True when a file was written."""
    from .safe_input import os_error_reason  # noqa: PLC0415 - only the writing commands need it

    if not output:
        try:
            stdout.write(data.decode("utf-8"), ending="")
            stdout.flush()
        except OSError as exc:
            if stdout._out is sys.stdout:
                # What is still buffered cannot be written either; drop it so the exit does not retry.
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
                os.close(devnull)
            raise CommandError(f"无法写入标准输出：{os_error_reason(exc)}", returncode=1) from None
        return False
    partial = f"{output}.partial"
    try:
        with open(partial, "wb") as fh:
            fh.write(data)
        os.replace(partial, output)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.remove(partial)
        raise CommandError(f"无法写入 {output}：{os_error_reason(exc)}", returncode=1) from None
    return True
