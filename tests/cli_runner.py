"""Management commands run in the test's own process, as a shell would see them: the exit code,
standard output and standard error.

A subprocess pays a Python and Django start (about a second of CPU) per call, migrates a database
of its own and renders every PDF for real; in the test's process a command uses the test's
database and, unless the test is marked `pdf`, the stand-in renderer (conftest.py). What only a
real process shows (a full or closed stdout, an encoding of the environment, a resource limit,
`manage.py` itself starting) stays in the tests that start one.

Parsing, the Chinese error messages and the exit codes are Django's own path
(`ManagementUtility.execute` → `run_from_argv`, which prints a `CommandError` and exits with its
code), so what a user's shell sees is what the test sees. An exception a command lets escape is
not turned into exit 1 here: it fails the test with its traceback, as it should never happen.
"""

from __future__ import annotations

import io
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass

from django.core.management import ManagementUtility


@dataclass(frozen=True)
class Completed:
    """What `subprocess.run(..., capture_output=True, text=True)` would have given."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    stdout_bytes: bytes


def run_command(*args, stdin: bytes | None = None) -> Completed:
    """`manage.py *args` in this process; `stdin` is what standard input holds (empty if None)."""
    argv = tuple(str(a) for a in args)
    out, err = io.BytesIO(), io.BytesIO()
    out_text = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    err_text = io.TextIOWrapper(err, encoding="utf-8", write_through=True)
    saved_stdin = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin or b""), encoding="utf-8")
    try:
        with redirect_stdout(out_text), redirect_stderr(err_text):
            try:
                ManagementUtility(["manage.py", *argv]).execute()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            out_text.flush()
            err_text.flush()
    finally:
        sys.stdin = saved_stdin
    raw = out.getvalue()
    return Completed(argv, code, raw.decode("utf-8", "replace"), err.getvalue().decode("utf-8", "replace"), raw)
