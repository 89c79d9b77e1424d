"""What the management commands share: reading a document or failing with exit code 2."""

from __future__ import annotations

import os

from django.core.management.base import CommandError

from .document import DocumentError
from .imports import read_document

INVALID_DOCUMENT = 2
# Reads the data of an approved PDF that this deployment did not sign (README 「定稿 PDF 的电子签名」).
ACCEPT_UNVERIFIED_FLAG = "--accept-unsigned-or-foreign"


def load_document_or_exit(path: str) -> dict:
    """The valid document in the file at `path` (read by its extension: `annual.imports.READERS`);
    otherwise a CommandError (exit 2) naming each bad path or 「sheet」!cell."""
    try:
        return read_document(path)
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
    if os.path.splitext(path)[1].lower() != ".pdf":
        return doc
    from .pdf.archival import DOCUMENT_NAME, embedded_files
    from .pdf.signing import check_signature
    from .safe_input import MAX_PDF_BYTES, read_file

    raw = read_file(path, limit=MAX_PDF_BYTES, what="定稿 PDF")  # read just now by the reader
    if DOCUMENT_NAME not in embedded_files(raw):
        return doc
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
    return doc
