"""内容雷同 benchmark: a county all against all, and a province through MinHash LSH.

    .venv/bin/python bench/copied_bench.py [--county 60] [--province 5000]

The reports are made from the seed's and the 2021 demo report's real sentences: each report
takes some sentences shared with others (as offices copy each other), a few of its own (random
text), and its office's name. Prints, side by side:
  - county: `copied_across` over N reports × their narrative sections (one inverted index);
  - province: `candidate_pairs` (MinHash LSH) over M reports, then `copied_across` on each
    candidate pair's two reports, against the number of all pairs it avoids;
  - the share distribution the county run found, to see where the threshold sits.
Numbers only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportsite.settings")

import django

django.setup()

from annual import comparison

DEMO = ROOT / "annual" / "demo_data"
HAN = [chr(c) for c in range(0x4E00, 0x9FA5)]


def sentence_pool() -> list[str]:
    pool = []
    for name in ("cangnan-2020.json", "cangnan-education-2021.json"):
        doc = json.loads((DEMO / name).read_text(encoding="utf-8"))
        for key in comparison.NARRATIVE_KEYS:
            pool += [s for s in re.split(r"(?<=[。；])", doc.get(key) or "") if len(s) > 12]
    return pool


def make_reports(n: int, rng: random.Random) -> dict[str, dict]:
    pool = sentence_pool()
    reports = {}
    for i in range(n):
        doc = {}
        for key in comparison.NARRATIVE_KEYS:
            shared = rng.sample(pool, k=min(len(pool), rng.randint(2, 8)))
            own = ["".join(rng.choices(HAN, k=rng.randint(20, 60))) + "。" for _ in range(rng.randint(3, 10))]
            sentences = shared + own
            rng.shuffle(sentences)
            doc[key] = f"第{i}号单位" + "".join(sentences)
        reports[f"agency-{i:05d}"] = doc
    return reports


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--county", type=int, default=60)
    parser.add_argument("--province", type=int, default=5000)
    args = parser.parse_args()
    rng = random.Random(7)

    county = make_reports(args.county, rng)
    start = time.perf_counter()
    result = comparison.copied_across(county)
    took = time.perf_counter() - start
    shares = sorted(s.share for sections in result.values() for s in sections.values())
    print(f"county   {args.county} reports × {len(comparison.NARRATIVE_KEYS)} sections, all against all: {took:.3f} s")
    print(
        f"         share median {statistics.median(shares):.2f}, p90 {shares[int(0.9 * (len(shares) - 1))]:.2f}, "
        f"above {comparison.COPIED_THRESHOLD:.0%}: {sum(s > comparison.COPIED_THRESHOLD for s in shares)} of {len(shares)}"
    )

    province = make_reports(args.province, rng)
    start = time.perf_counter()
    pairs = comparison.candidate_pairs(province)
    lsh = time.perf_counter() - start
    start = time.perf_counter()
    comparison.copied_across(province, pairs)
    exact = time.perf_counter() - start
    all_pairs = args.province * (args.province - 1) // 2
    print(
        f"province {args.province} reports: MinHash LSH {lsh:.2f} s, {len(pairs)} candidate pairs of {all_pairs} "
        f"({len(pairs) / all_pairs:.4%}), exact shares of the candidates {exact:.2f} s"
    )


if __name__ == "__main__":
    main()
