"""Many reports printed at once, on every core the process may use.

WeasyPrint lays out and writes a document in one Python thread, so a batch printed in one
process uses one core while the others idle: ten reports took 1.34× the time Chromium takes to
print the same HTML in one browser, which spreads each page over its own processes. Here the
parent loads WeasyPrint, the fonts and the print stylesheet once, then forks workers that
inherit them warm, and each worker prints whole documents. Results come back in input order.

One document, one core, or a platform without fork: printed in this process, as before.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Iterator
from typing import Any

from .render import PdfRenderError, render_pdf, warm


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, as a container or taskset limits it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _render(job: tuple[dict, dict[str, Any]]) -> bytes | PdfRenderError:
    doc, options = job
    try:
        return render_pdf(doc, **options)
    except PdfRenderError as exc:  # returned, not raised: one failure must not end the batch
        return exc


def render_many(
    jobs: Iterable[tuple[dict, dict[str, Any]]], *, workers: int | None = None
) -> Iterator[bytes | PdfRenderError]:
    """For each (document, `render_pdf` keyword arguments), its PDF bytes or the PdfRenderError
    that rendering it raised, in the order given. `workers` defaults to the usable cores."""
    jobs = list(jobs)
    count = min(workers or usable_cores(), len(jobs))
    if count <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(_render, jobs)
        return
    warm()
    # Fork: the workers start with this process's WeasyPrint, fonts and stylesheet already loaded
    # (a spawned worker would pay the 1-2 s start-up again). The parent runs no thread of its own
    # while the pool forks.
    with multiprocessing.get_context("fork").Pool(count) as pool:
        yield from pool.imap(_render, jobs, chunksize=1)
