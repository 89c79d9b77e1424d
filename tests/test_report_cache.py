"""Report pages drawn from the per-version cache (annual/report_cache.py): the same page as drawn
afresh, never a stale one after a save or a transition, a posted-back form never cached, a fixed
small number of queries, and a cache that is down costs nothing but speed."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.urls import reverse

from annual import report_cache, workflow
from annual.forms.sections import grid_config
from annual.interchange import load_report, report_to_document
from annual.layout import build_table
from annual.views.entry import _grid
from tests.entry_fixtures import client_for, step_data

pytestmark = pytest.mark.django_db

PAGES = ["basic", "proactive", "applications", "review-litigation", "review"]


def url(report, slug):
    return reverse("report-step", args=[report.pk, slug])


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


@pytest.mark.parametrize("slug", PAGES)
def test_cached_page_is_the_page_drawn_afresh(personas, seed_report, slug):
    client = client_for(personas.preparer_a)
    first = client.get(url(seed_report, slug)).content.decode()
    assert any(k.startswith(":1:fragment:") for k in cache._cache), "the page kept a fragment"  # type: ignore[attr-defined]
    second = client.get(url(seed_report, slug)).content.decode()
    assert _without_tokens(second) == _without_tokens(first)
    cache.clear()
    afresh = client.get(url(seed_report, slug)).content.decode()
    assert _without_tokens(afresh) == _without_tokens(first)


@pytest.mark.postgres  # the stamp is a database expression (Concat of Casts)
def test_a_save_is_seen_at_once_on_every_page(personas, seed_report):
    client = client_for(personas.preparer_a)
    for slug in PAGES:
        client.get(url(seed_report, slug))  # every page of this version is cached now
    data = step_data(seed_report, "applications")
    data["applications.received.natural_person"] = "4711"
    assert client.post(url(seed_report, "applications"), data).status_code == 302
    assert (
        'name="applications.received.natural_person" value="4711"'
        in client.get(url(seed_report, "applications")).content.decode()
    )
    assert "4711" in client.get(url(seed_report, "review")).content.decode()


def test_read_only_and_editable_views_of_one_version_are_kept_apart(personas, seed_report):
    editable = client_for(personas.preparer_a).get(url(seed_report, "applications")).content.decode()
    county = client_for(personas.county_approver).get(url(seed_report, "applications")).content.decode()
    assert " readonly" not in editable.split("data-grid>")[1].split("</table>")[0]
    assert " readonly" in county.split("data-grid>")[1].split("</table>")[0]
    again = client_for(personas.preparer_a).get(url(seed_report, "applications")).content.decode()
    assert " readonly" not in again.split("data-grid>")[1].split("</table>")[0]


@pytest.mark.parametrize("slug", ["basic", "applications"])
def test_a_transition_makes_the_pages_read_only_at_once(personas, slug):
    report = personas.report_a
    client = client_for(personas.preparer_a)
    locked = re.compile(r"<(input|textarea)[^>]* (readonly|disabled)")
    assert not locked.search(client.get(url(report, slug)).content.decode().split('id="step-form"')[1])
    workflow.perform_transition(load_report(report.pk), workflow.SUBMIT, user=personas.preparer_a)
    html = client.get(url(report, slug)).content.decode()
    assert 'data-testid="readonly-badge"' in html
    assert locked.search(html.split('id="step-form"')[1])


def test_a_form_posted_back_shows_what_was_typed_not_the_cached_values(personas, seed_report):
    client = client_for(personas.preparer_a)
    client.get(url(seed_report, "applications"))
    data = step_data(seed_report, "applications")
    data["applications.received.natural_person"] = "四十六个"
    response = client.post(url(seed_report, "applications"), data)
    assert response.status_code == 422
    assert 'value="四十六个"' in response.content.decode()
    # and the cached page of the version is untouched by it
    assert 'value="四十六个"' not in client.get(url(seed_report, "applications")).content.decode()


@pytest.mark.parametrize("slug", ["applications", "review"])
def test_a_cached_page_runs_three_queries_for_the_report(personas, seed_report, slug, django_assert_num_queries):
    client = client_for(personas.preparer_a)
    client.get(url(seed_report, slug))
    # Session, user (with membership and agency), the report with last year's stamp and its open
    # comments; the review page also asks for the county roll-up basis, the open-comment count
    # of its workflow panel and whether the report was read from a published file.
    with django_assert_num_queries(3 if slug == "applications" else 6):
        assert client.get(url(seed_report, slug)).status_code == 200


@pytest.mark.postgres
def test_documents_are_built_from_rows_read_in_bulk_and_equal_the_direct_build(personas, seed_report):
    reports = [load_report(seed_report.pk), load_report(personas.report_a.pk)]
    built = report_cache.documents(reports)
    assert built == {r.pk: report_to_document(r) for r in reports}
    assert report_cache.documents(reports) == built  # from the cache now


@pytest.mark.parametrize("key", ["proactive", "applications", "review_litigation"])
def test_grid_config_of_the_spec_equals_that_of_a_filled_table(seed_report, key):
    report = load_report(seed_report.pk)
    filled = grid_config(build_table(report_to_document(report), key), report.template)
    assert _grid(key, report.template)[0] == filled


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_pages_work_when_the_redis_cache_is_down(personas, seed_report, settings):
    """django-redis against a port where no Redis listens: every cache call fails, every page works."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/1",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }
    assert cache.get("anything") is None and not cache.set("anything", 1)  # really no Redis there
    client = client_for(personas.preparer_a)
    for slug in PAGES:
        response = client.get(url(seed_report, slug))
        assert response.status_code == 200, slug
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.postgres  # last year's stamp is a subquery
def test_a_change_to_last_years_report_reaches_this_years_findings(personas, seed_report):
    """This year's page compares with last year's report: its cached comparison follows last
    year's saves (the stamp of last year's report is part of the key)."""
    from annual import sections

    this_year = report_cache.page_reports().get(pk=personas.report_a.pk)
    before = report_cache.overview(this_year).previous
    assert before is not None and before["year"] == seed_report.year
    last = load_report(seed_report.pk)
    values = sections.section_values(report_to_document(last), last, "applications")
    values["applications.carried_forward.total"] = 4711
    sections.save_section(
        last.pk,
        "applications",
        values,
        loaded_revision=sections.section_revision(last, "applications"),
        user=personas.preparer_a,
        loaded_report_revision=last.revision,
    )
    this_year = report_cache.page_reports().get(pk=personas.report_a.pk)
    after = report_cache.overview(this_year).previous
    assert after is not None and after["applications"]["carried_forward"]["total"] == 4711
    assert before["applications"]["carried_forward"]["total"] != 4711


def _release_in_a_fresh_process(**env: str) -> str:
    """`report_cache.RELEASE` as a process started with `env` computes it. It needs a process of
    its own: the settings read DJANGO_RELEASE and the module fixes RELEASE once, at import, so
    this process (whose environment `./dev` may have given a release) cannot show either case."""
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_RELEASE"} | env
    code = "import django; django.setup(); from annual import report_cache; print(report_cache.RELEASE)"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parent.parent,
        env={**environment, "DJANGO_SETTINGS_MODULE": "reportsite.settings"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_cache_release_is_the_named_release_else_a_digest_of_the_source():
    assert _release_in_a_fresh_process(DJANGO_RELEASE="2026.12-abc123") == "2026.12-abc123"
    digest = _release_in_a_fresh_process()
    assert digest.startswith("src-") and digest == report_cache._source_digest()
