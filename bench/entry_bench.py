"""Benchmark: saving each entry section, on SQLite (a fresh temporary database file).

    python bench/entry_bench.py [--rounds 60]

For every section prints the median and 95th-percentile time of the save service
(`annual.sections.save_section`) and of the whole HTTP POST (form parsing, normalisation,
saving, redirect), and the number of SQL queries of each, with one changed value and with
every value changed (the query count must not grow with the number of rows changed).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
_tmp = tempfile.mkdtemp(prefix="entry-bench-")
os.environ["DATABASE_URL"] = f"sqlite:///{_tmp}/bench.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportsite.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from annual import sections  # noqa: E402
from annual.interchange import load_report, report_to_document, write_document  # noqa: E402
from annual.models import Agency, Membership, Role  # noqa: E402
from annual.normalize import format_value  # noqa: E402


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def variants(key, values, i):
    """Two value sets per round: one value changed, and every value changed."""
    one, every = dict(values), dict(values)
    if key == "basic":
        one["meta.index_number"] = f"B-{i}"
        every = {**values, **{k: f"{i}" for k in values if k.startswith("meta.") and "_on" not in k}}
        every["intro"] = f"第{i}版开头段落。"
    elif key in sections.TEXT_KEYS:
        one[key] = every[key] = f"{values[key]}（第{i}次修改）"
    else:
        first = next(k for k in values if "amount" not in k)
        one[first] = i
        every = {k: (f"{i}.5" if "amount" in k else i) for k in values}
    return one, every


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=60)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    settings.ALLOWED_HOSTS = ["*"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.contrib.auth import get_user_model

    agency = Agency.objects.create(name="苍南县人民政府办公室")
    user = get_user_model().objects.create_user("bench", password="x" * 12)
    Membership.objects.create(user=user, agency=agency, role=Role.PREPARER)
    doc = json.loads((ROOT / "annual/demo_data/cangnan-2020.json").read_text(encoding="utf-8"))
    report = write_document(copy.deepcopy(doc), agency)
    client = Client()
    client.force_login(user)

    print(f"SQLite, {args.rounds} rounds per section; times in ms")
    print(f"{'section':<20}{'service med':>12}{'p95':>8}{'queries 1/all':>15}{'POST med':>10}{'p95':>8}{'queries':>9}")
    from annual.forms import form_class_for

    for step in sections.EDIT_STEPS:
        key = step.key
        fresh = load_report(report.pk)
        values = sections.section_values(report_to_document(fresh), fresh, key)
        service_times, post_times, q_one, q_all, q_post = [], [], set(), set(), set()
        for i in range(args.rounds):
            one, every = variants(key, values, i + 1)
            for which, vals in (("one", one), ("all", every)):
                rev = sections.section_revision(load_report(report.pk), key)
                reset_queries()
                with CaptureQueriesContext(connection) as ctx:
                    start = time.perf_counter()
                    sections.save_section(report.pk, key, vals, loaded_revision=rev, user=user)
                    service_times.append((time.perf_counter() - start) * 1000)
                (q_one if which == "one" else q_all).add(len(ctx.captured_queries))
            # The whole request, as a browser submits the page.
            fresh = load_report(report.pk)
            form = form_class_for(key, fresh.template)(report=fresh, doc=report_to_document(fresh))
            data = {name: format_value(v) for name, v in one.items()}
            data["revision"] = str(form.initial["revision"])
            reset_queries()
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                # As a browser submits a form: urlencoded, not the test client's default multipart.
                response = client.post(
                    f"/reports/{report.pk}/{step.slug}/",
                    urlencode(data),
                    content_type="application/x-www-form-urlencoded",
                )
                post_times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 302, (step.slug, response.status_code, response.content[:500])
            q_post.add(len(ctx.captured_queries))
        queries = f"{'/'.join(map(str, sorted(q_one)))}/{'/'.join(map(str, sorted(q_all)))}"
        print(
            f"{step.label[:12]:<20}{statistics.median(service_times):>12.2f}{percentile(service_times, 0.95):>8.2f}"
            f"{queries:>15}{statistics.median(post_times):>10.2f}{percentile(post_times, 0.95):>8.2f}"
            f"{'/'.join(map(str, sorted(q_post))):>9}"
        )


if __name__ == "__main__":
    main()
