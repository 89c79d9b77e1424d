"""Benchmark: the 汇总 at city scale, on PostgreSQL.

    DATABASE_URL=postgres://USER:PASS@127.0.0.1:5432/DB python bench/rollup_bench.py [--agencies 300] [--rounds 20]

Generates (once; reused on later runs) a county of N agencies, a tenth of them townships with two
offices each below them, every agency with a published report for 2019, 2020 (2019 format) and
2021 (2021 format), each agency's figures scaled differently. Prints, for the 2021 roll-up, the
median and 95th-percentile server time and the number of SQL queries of
- `annual.rollup.build_rollup` (what the `rollup` command and the PDF sum),
- the whole roll-up page (GET /county/<id>/2021/rollup/: Y and Y−1, continuity, the county
  report's staleness, the HTML),
- one drill-down (GET …/rollup/cell/?path=applications.received.total&partial=1).
Goal: the roll-up ≤ 300 ms of server time, and a query count that does not grow with N.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportsite.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from annual.models import Agency, Membership, Report, Role  # noqa: E402
from annual.rollup import build_rollup  # noqa: E402

DEMO = ROOT / "annual" / "demo_data"
COUNTY = "基准市人民政府"


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def generate(n: int) -> Agency:
    from tests.rollup_fixtures import fixed_seed, make_big_county

    seed = fixed_seed(json.loads((DEMO / "cangnan-2020.json").read_text(encoding="utf-8")))
    doc21 = json.loads((DEMO / "cangnan-education-2021.json").read_text(encoding="utf-8"))
    townships = n // 30  # each adds two offices: n agencies in all
    started = time.perf_counter()
    with transaction.atomic():
        county, agencies = make_big_county(
            n - 2 * townships, {2019: dict(seed, year=2019), 2020: seed, 2021: doc21}, name=COUNTY, townships=townships
        )
    print(f"generated {len(agencies)} agencies x 3 years in {time.perf_counter() - started:.0f} s")
    return county


def measure(fn, rounds: int) -> tuple[list[float], list[float], int]:
    """Wall-clock and this process's CPU milliseconds per call, and the queries of one call.

    On a shared, busy machine the wall time mostly measures waiting for a core; the CPU time is
    what the request itself costs the web worker (the database's own time is on top of it)."""
    fn()  # warm: imports, template compilation, connection
    times, cpu = [], []
    for _ in range(rounds):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    reset_queries()  # the generation filled Django's query log; a full log counts nothing new
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return times, cpu, len(ctx.captured_queries)


def show(label: str, times: list[float], cpu: list[float], queries: int) -> None:
    print(
        f"{label:<22} wall median {statistics.median(times):7.1f} ms  p95 {percentile(times, 0.95):7.1f} ms   "
        f"cpu median {statistics.median(cpu):6.1f} ms   {queries} queries"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agencies", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("请用 DATABASE_URL=postgres://… 在 PostgreSQL 上运行此基准")
    call_command("migrate", verbosity=0)
    county = Agency.objects.filter(name=COUNTY).first() or generate(args.agencies)
    n = len(build_rollup(county, 2021).parts)
    print(
        f"{COUNTY}: {n} agencies with a 2021 report, {Report.objects.filter(agency__parent__isnull=False).count()} "
        f"reports in the database; PostgreSQL {connection.pg_version}; load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores"
    )
    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username="bench-county-approver")
    Membership.objects.update_or_create(user=user, defaults={"agency": county, "role": Role.APPROVER})
    client = Client()
    client.force_login(user)
    page = f"/county/{county.pk}/2021/rollup/"

    def get(url):
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    show("build_rollup (2021)", *measure(lambda: build_rollup(county, 2021), args.rounds))
    show("roll-up page GET", *measure(lambda: get(page), args.rounds))
    show(
        "drill-down GET", *measure(lambda: get(page + "cell/?path=applications.received.total&partial=1"), args.rounds)
    )


if __name__ == "__main__":
    main()
