"""Probable-culprit benchmark: hit rates and solver time on corrupted copies of consistent reports.

    .venv/bin/python bench/culprit_bench.py [--pairs N] [--seed S]

For each consistent report (the 2021 demo report, and the seed with its four published errors
corrected as the localisation suggests), it corrupts:
  - every value cell of 三 and 四 alone (+7, and to blank when the cell holds a number);
  - N random pairs of cells (+3 and +5);
and localises each. It prints, per kind of corruption:
  - hit: the corrupted set is the only suggestion;
  - ambiguous-hit: it is among several equally small suggestions, which are reported as ambiguous;
  - other: a different, smaller set also explains the figures (the corruption was not the only
    explanation), or no suggestion;
  - the median, 95th percentile and maximum time per localisation (with up to five errors).
Numbers only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportsite.settings")

import django

django.setup()

from annual import culprit, rules
from annual.document import value_at


def consistent_reports() -> dict[str, dict]:
    demo = ROOT / "annual" / "demo_data"
    seed = json.loads((demo / "cangnan-2020.json").read_text(encoding="utf-8"))
    for c in culprit.localise(seed).corrections[:1]:
        for path, value in zip(c.cells, c.expected, strict=True):
            set_cell(seed, path, value)
    education = json.loads((demo / "cangnan-education-2021.json").read_text(encoding="utf-8"))
    reports = {"seed (corrected)": seed, "教育局 2021": education}
    for name, doc in reports.items():
        assert not rules.blocking_findings(doc), name
    return reports


def value_cells(doc: dict) -> list[str]:
    return sorted({c for check in rules.blocking_checks(doc["template"]) for c in check.cells})


def set_cell(doc: dict, path: str, value) -> None:
    section, row, col = path.split(".")
    doc[section][row][col] = value


def outcome(doc: dict, corrupted: set[str]) -> tuple[str, float]:
    start = time.perf_counter()
    found = culprit.localise(doc)
    took = time.perf_counter() - start
    sets = [set(c.cells) for c in found.corrections]
    if sets == [corrupted]:
        return "hit", took
    if corrupted in sets:
        return "ambiguous-hit", took
    return "other", took


def run(label: str, cases: list[tuple[dict, set[str]]]) -> None:
    counts = {"hit": 0, "ambiguous-hit": 0, "other": 0}
    times = []
    for doc, corrupted in cases:
        kind, took = outcome(doc, corrupted)
        counts[kind] += 1
        times.append(took * 1000)
    n = len(cases)
    times.sort()
    print(
        f"{label:<34} n={n:<5} hit {counts['hit'] / n:6.1%}  ambiguous-hit {counts['ambiguous-hit'] / n:6.1%}  "
        f"other {counts['other'] / n:6.1%}   ms median {statistics.median(times):6.1f}  "
        f"p95 {times[int(0.95 * (n - 1))]:6.1f}  max {times[-1]:6.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    culprit.localise(json.loads((ROOT / "annual/demo_data/cangnan-2020.json").read_text()))  # warm up
    for name, doc in consistent_reports().items():
        cells = value_cells(doc)
        singles, blanks, pairs = [], [], []
        for path in cells:
            bad = copy.deepcopy(doc)
            set_cell(bad, path, (value_at(doc, path) or 0) + 7)
            singles.append((bad, {path}))
            if value_at(doc, path):
                bad = copy.deepcopy(doc)
                set_cell(bad, path, None)
                blanks.append((bad, {path}))
        for _ in range(args.pairs):
            a, b = rng.sample(cells, 2)
            bad = copy.deepcopy(doc)
            set_cell(bad, a, (value_at(doc, a) or 0) + 3)
            set_cell(bad, b, (value_at(doc, b) or 0) + 5)
            pairs.append((bad, {a, b}))
        print(f"== {name}: {len(cells)} value cells")
        run("one cell +7", singles)
        run("one cell blanked", blanks)
        run(f"two random cells +3/+5 ({args.pairs})", pairs)


if __name__ == "__main__":
    main()
