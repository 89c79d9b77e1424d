"""Reading a file named on the command line (or uploaded) without trusting it.

Every reader of outside input goes through `read_file`: it refuses, before opening, whatever is
not a regular file (a directory, a FIFO that would block the read forever, a device such as
/dev/zero that never ends) and a file larger than the cap for its kind, and it never reads more
than the cap even if the file grows while being read. The caps are sized for the largest
legitimate input of each kind, with a wide margin:

- a JSON document: four texts of `MAX_TEXT_CHARS` (30 000) characters at 3 bytes each, plus the
  tables and header, is under 400 KB;
- a workbook (`export_report` .xlsx, perhaps re-saved by Excel or WPS): a few hundred KB;
- an approved PDF with its embedded fonts and the attached JSON: a few MB.

`InputFileError.message` is the Chinese sentence to show; callers turn it into their own error
(exit 2 on the command line, a form error on a page).
"""

from __future__ import annotations

import errno
import os
import stat

MIB = 1024 * 1024
MAX_JSON_BYTES = 2 * MIB
MAX_WORKBOOK_BYTES = 5 * MIB
MAX_PDF_BYTES = 32 * MIB
# JSON nests deeper only by mistake or malice: a document is 4 levels deep.
MAX_JSON_DEPTH = 32


class InputFileError(Exception):
    """The file cannot be read as input; `message` (Chinese) says why."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


_REASONS = {
    errno.ENOENT: "文件不存在",
    errno.EACCES: "没有读取权限",
    errno.EPERM: "没有读取权限",
    errno.ENAMETOOLONG: "文件名过长",
    errno.ELOOP: "符号链接循环",
    errno.ENOTDIR: "路径中有一段不是目录",
    errno.EISDIR: "这是目录，不是文件",
    errno.ENOSPC: "磁盘空间已满",
    errno.EDQUOT: "超出磁盘配额",
    errno.EROFS: "文件系统只读",
    errno.EPIPE: "输出管道已关闭",
    errno.EIO: "输入输出错误",
    errno.EFBIG: "文件过大",
    errno.EEXIST: "文件已存在",
}


def os_error_reason(exc: OSError) -> str:
    """The reason for an OSError, in Chinese (the errno's own words only for a rare one)."""
    reason = _REASONS.get(exc.errno) if exc.errno is not None else None
    return reason or f"系统错误 {exc.errno}（{exc.strerror or exc}）"


def _size(n: int) -> str:
    return f"{n / MIB:.1f} MB" if n >= MIB else f"{n} 字节"


def read_file(path: str, *, limit: int, what: str) -> bytes:
    """The bytes of the regular file `path`, at most `limit` of them; else InputFileError.

    `what` names the kind of file in messages (e.g. "报告 JSON 文件").
    """
    try:
        info = os.stat(path)
    except OSError as exc:
        raise InputFileError(f"无法读取文件 {path}（{what}）：{os_error_reason(exc)}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputFileError(f"无法读取文件 {path}（{what}）：这是目录，不是文件")
    if not stat.S_ISREG(info.st_mode):
        raise InputFileError(f"无法读取文件 {path}（{what}）：不是普通文件（是设备、管道或套接字）")
    if info.st_size > limit:
        raise InputFileError(f"无法读取文件 {path}（{what}）：文件过大（{_size(info.st_size)}），上限为 {_size(limit)}")
    try:
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise InputFileError(f"无法读取文件 {path}（{what}）：{os_error_reason(exc)}") from None
    if len(data) > limit:
        raise InputFileError(f"无法读取文件 {path}（{what}）：文件过大，上限为 {_size(limit)}")
    return data


def json_depth_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether brackets outside strings nest deeper than `limit` (checked before parsing, so the
    parser's recursion is never reached)."""
    depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False
