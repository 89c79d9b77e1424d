"""Benchmark: reading published reports (issue 21 goals: a 5-page report in ≤ 1 s; a county
folder of 60 reports imported in ≤ 60 s on 2 cores).

    python bench/published_bench.py [--reports 60] [--runs 5]

1. Reads each PDF and portal page of tests/data/published `--runs` times and prints its pages
   and the median and fastest time of `read_published_pdf`/`read_published_html`.
2. For each file with an answer (tests/data/published/answers.json): the cells of 二/三/四 read
   exactly over the cells printed, the narrative's agreement with the answer per section
   (difflib ratio, whitespace ignored), and whether the blocking rule findings are the answer's.
3. Renders `--reports` published PDFs (WeasyPrint, no embedded data) of the two demo reports
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

from annual import rules  # noqa: E402
from annual.document import value_at  # noqa: E402
from annual.models import Report  # noqa: E402
from annual.published import read_published_html, read_published_pdf, value_paths  # noqa: E402

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


NARRATIVE = ("intro", "overview", "problems", "other_matters")


def _agreement(a: str, b: str) -> float:
    import difflib
    import re

    return difflib.SequenceMatcher(a=re.sub(r"\s", "", a), b=re.sub(r"\s", "", b), autojunk=False).ratio()


def accuracy() -> None:
    answers = json.loads((CORPUS / "answers.json").read_text(encoding="utf-8"))
    print("file\tcells exact/printed\t" + "\t".join(NARRATIVE) + "\tfindings as answer")
    for name, answer_name in sorted(answers.items()):
        answer_path = CORPUS / answer_name if (CORPUS / answer_name).exists() else DEMO / answer_name
        answer = json.loads(answer_path.read_text(encoding="utf-8"))
        raw = (CORPUS / name).read_bytes()
        doc = (read_published_html if name.endswith(".html") else read_published_pdf)(raw).document
        # A single-row （六） prints no figures for its other two sub-rows.
        unprinted = {"other_no_correction", "other_unpaid_fee"}
        single = "other_single_row" in answer["meta"].get("printed_variants", [])
        printed = [p for p in value_paths(answer["template"]) if not (single and p.split(".")[1] in unprinted)]
        exact = sum(1 for p in printed if value_at(doc, p) == value_at(answer, p))
        ratios = "\t".join(f"{_agreement(answer[k], doc[k]):.3f}" for k in NARRATIVE)
        same = [f.as_dict() for f in rules.blocking_findings(doc)] == [
            f.as_dict() for f in rules.blocking_findings(answer)
        ]
        print(f"{name}\t{exact}/{len(printed)}\t{ratios}\t{'yes' if same else 'NO'}")


def make_folder(reports: int) -> Path:
    docs = WORK / "docs"
    docs.mkdir()
    for n in range(reports):
        doc = json.loads((DEMO / SOURCES[n % 2]).read_text(encoding="utf-8"))
        doc["agency"] = f"苍南县第{n + 1}局"
        (docs / f"agency-{n + 1:02d}.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    folder = WORK / "county"
    folder.mkdir()
    call_command(
        "render_report", *sorted(map(str, docs.iterdir())), out_dir=str(folder), final=True, stdout=io.StringIO()
    )
    return folder


def time_folder(folder: Path) -> None:
    call_command("migrate", verbosity=0)
    out = io.StringIO()
    start, cpu = time.perf_counter(), _cpu()
    try:
        call_command("import_published", str(folder), parent="苍南县人民政府", stdout=out)
        code = 0
    except CommandError as exc:
        code = exc.returncode
    elapsed, cpu = time.perf_counter() - start, _cpu() - cpu
    files = len(list(folder.iterdir()))
    print(
        f"import_published: {files} files in {elapsed:.1f} s ({elapsed / files:.2f} s per file), "
        f"exit {code}, {Report.objects.count()} reports imported; "
        # CPU seconds do not grow with the machine's load as the wall time does: on 2 idle
        # cores the wall time is about this over 2, plus the workers' start.
        f"CPU {cpu:.1f} s in this process and its workers"
    )


def _cpu() -> float:
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=60)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    # The machine may be shared: the load says how far the times are from an idle machine's.
    print(f"load average (1, 5, 15 min): {_load()} on {os.cpu_count()} CPUs")
    time_reads(args.runs)
    accuracy()
    folder = make_folder(args.reports)
    print(f"load average (1, 5, 15 min): {_load()}")
    time_folder(folder)
    print(f"(work files in {WORK})")


if __name__ == "__main__":
    main()
