"""Benchmark: serving the entry pages, on SQLite (a fresh temporary database file).

    python bench/page_bench.py [--rounds 40] [--dump DIR]

For the steps 二、三、四 and 审阅 of the seed report (2019 format) and of the 2021 demo report,
prints the median and 95th-percentile server time of a GET (the whole Django request through
the test client), the bytes of the HTML and the number of SQL queries. `--dump DIR` also writes
each page's visible text there (one file per page), to compare renderings before and after.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import statistics
import sys
import tempfile
import time
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_tmp = tempfile.mkdtemp(prefix="page-bench-")
os.environ["DATABASE_URL"] = f"sqlite:///{_tmp}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportsite.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from annual.interchange import write_document  # noqa: E402
from annual.models import Agency, Membership, Role  # noqa: E402

PAGES = ("proactive", "applications", "review-litigation", "review")


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _input_text(match: re.Match) -> str:
    """An input as its value in brackets; hidden inputs are not seen."""
    tag = match.group(0)
    if 'type="hidden"' in tag:
        return ""
    value = re.search(r'\bvalue="([^"]*)"', tag)
    return f" [{value.group(1) if value else ''}] "


def visible_text(html: str) -> str:
    """The page's text as a reader sees it: no scripts, no tags, one line per block, input values kept."""
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    html = re.sub(r"<input\b[^>]*>", _input_text, html)
    html = re.sub(r"<(br|/p|/tr|/li|/h\d|/div|/dt|/dd|/th|/td)\b[^>]*>", "\n", html)
    text = unescape(re.sub(r"<[^>]+>", " ", html))
    lines = (re.sub(r"\s+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--dump", type=Path)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    settings.ALLOWED_HOSTS = ["*"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("bench", password="x" * 12)
    client = Client()
    client.force_login(user)
    print(f"SQLite, {args.rounds} rounds per page; times in ms, sizes in bytes of HTML")
    print(f"{'report':<26}{'page':<20}{'median':>8}{'p95':>8}{'bytes':>9}{'queries':>9}")
    for name in ("cangnan-2020", "cangnan-education-2021"):
        doc = json.loads((ROOT / f"annual/demo_data/{name}.json").read_text(encoding="utf-8"))
        agency = Agency.objects.create(name=doc["agency"])
        Membership.objects.create(user=user, agency=agency, role=Role.PREPARER)
        report = write_document(copy.deepcopy(doc), agency)
        for page in PAGES:
            url = f"/reports/{report.pk}/{page}/"
            times, queries = [], set()
            for _ in range(args.rounds):
                with CaptureQueriesContext(connection) as ctx:
                    start = time.perf_counter()
                    response = client.get(url)
                    times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, (url, response.status_code)
                queries.add(len(ctx.captured_queries))
            html = response.content.decode()
            print(
                f"{name:<26}{page:<20}{statistics.median(times):>8.2f}{percentile(times, 0.95):>8.2f}"
                f"{len(response.content):>9}{'/'.join(map(str, sorted(queries))):>9}"
            )
            if args.dump:
                args.dump.mkdir(parents=True, exist_ok=True)
                (args.dump / f"{name}-{page}.txt").write_text(visible_text(html), encoding="utf-8")
        Membership.objects.filter(user=user).delete()


if __name__ == "__main__":
    main()
