"""Benchmark: reading published reports (issue 21 goals: a 5-page report in ≤ 1 s; a county
folder of 60 reports imported in ≤ 60 s on 2 cores).

    python bench/published_bench.py [--reports 60] [--runs 5]

1. Reads each PDF and portal page of tests/data/published `--runs` times and prints its pages
   and the median and fastest time of `read_published_pdf`/`read_published_html`.
2. Renders `--reports` published PDFs (WeasyPrint, no embedded data) of the two demo reports
   under as many agency names (not timed), then times `import_published` of that folder into a
   fresh SQLite database of its own (never DATABASE_URL's), and prints the total and per file.
Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="published-bench-"))
os.environ["DATABASE_URL"] = f"sqlite:///{WORK / 'bench.sqlite3'}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportsite.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.management.base import CommandError  # noqa: E402

from annual.models import Report  # noqa: E402
from annual.published import read_published_html, read_published_pdf  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "published"
DEMO = ROOT / "annual" / "demo_data"
SOURCES = ("cangnan-2020.json", "cangnan-education-2021.json")


def time_reads(runs: int) -> None:
    print("file\tpages\tmedian s\tbest s")
    for path in sorted(CORPUS.iterdir()):
        if path.suffix not in (".pdf", ".html") or path.name.startswith(
            ("bomb", "long", "scanned", "invoice", "unknown")
        ):
            continue
        raw = path.read_bytes()
        read = read_published_html if path.suffix == ".html" else read_published_pdf
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            reading = read(raw)
            times.append(time.perf_counter() - start)
        print(f"{path.name}\t{reading.pages or '-'}\t{statistics.median(times):.3f}\t{min(times):.3f}")


def make_folder(reports: int) -> Path:
    docs = WORK / "docs"
    docs.mkdir()
    for n in range(reports):
        doc = json.loads((DEMO / SOURCES[n % 2]).read_text(encoding="utf-8"))
        doc["agency"] = f"苍南县第{n + 1}局"
        (docs / f"agency-{n + 1:02d}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    folder = WORK / "county"
    folder.mkdir()
    call_command("render_report", *sorted(map(str, docs.iterdir())), out_dir=str(folder), final=True)
    return folder


def time_folder(folder: Path) -> None:
    call_command("migrate", verbosity=0)
    out = io.StringIO()
    start = time.perf_counter()
    try:
        call_command("import_published", str(folder), parent="苍南县人民政府", stdout=out)
        code = 0
    except CommandError as exc:
        code = exc.returncode
    elapsed = time.perf_counter() - start
    files = len(list(folder.iterdir()))
    print(
        f"import_published: {files} files in {elapsed:.1f} s ({elapsed / files:.2f} s per file), "
        f"exit {code}, {Report.objects.count()} reports imported"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=60)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    time_reads(args.runs)
    time_folder(make_folder(args.reports))
    print(f"(work files in {WORK})")


if __name__ == "__main__":
    main()
