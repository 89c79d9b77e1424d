"""Every page the demo's people work on passes axe-core (WCAG 2.0 and 2.1, A and AA) in real
Chromium: the data exactly as `load_demo` builds it, each page opened by a person who uses it,
signed in through the login form. A11Y_SCREENSHOTS=/dir keeps a screenshot of each page."""

from __future__ import annotations

import io
import os
from collections.abc import Callable

import pytest
from django.core.management import call_command

from annual.management.commands.load_demo import ACCOUNTS, COUNTY
from annual.models import Agency, Report, ReportState
from annual.sections import STEPS
from annual.snapshots import latest_snapshot

pytestmark = pytest.mark.browser

PASSWORD = "axe-demo-pass-42"
SHOTS = os.environ.get("A11Y_SCREENSHOTS")
OFFICE = "苍南县人民政府办公室"


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", password=PASSWORD, stdout=io.StringIO())


def break_a_sum(page):
    """Type a figure that breaks the 自然人 column's 勾稽, so the grid tints the cells involved
    (computed totals among them) the way a preparer sees a mistake."""
    cell = page.locator("input[name='applications.received.natural_person']")
    cell.fill(str(int(cell.input_value() or 0) + 5))
    cell.press("Tab")
    target = page.locator(".cell.chk-target").first
    target.wait_for()
    target.scroll_into_view_if_needed()


Visit = tuple[str | None, str, str, Callable | None]


def demo_pages() -> list[Visit]:
    """(who signs in, path, name, what they do first): the pages of issue 18, each as its users."""
    published = Report.objects.get(agency__name="苍南县教育局", state=ReportState.PUBLISHED)
    year = published.year
    own = Report.objects.get(agency__name=OFFICE, year=year)
    seed = Report.objects.get(agency__name=OFFICE, year=2020)
    approved = Report.objects.get(agency__name="苍南县卫生健康局", year=year)
    with_errors = Report.objects.get(agency__name="苍南县自然资源和规划局", year=year)
    county = Agency.objects.get(name=COUNTY).pk
    snapshot = latest_snapshot(published)
    assert snapshot is not None  # publishing froze it
    digest = snapshot.sha256
    pages: list[Visit] = [(None, "/login/", "login", None)]
    pages += [(username, "/", f"home-{username}", None) for username, *_ in ACCOUNTS]
    pages += [("tianbao", f"/reports/{own.pk}/{step.slug}/", f"step-{step.slug}", None) for step in STEPS]
    pages += [
        ("tianbao", f"/reports/{own.pk}/applications/", "step-applications-sum-broken", break_a_sum),
        ("tianbao", f"/reports/{seed.pk}/applications/", "step-applications-2019-format", None),
        ("tianbao", f"/reports/{seed.pk}/review/", "review-2019-format", None),
        ("xian_shenhe", f"/reports/{with_errors.pk}/applications/", "step-applications-county-reading", None),
        ("jiaoyu_shenhe", f"/reports/{published.pk}/review/", "review-published", None),
        ("shenhe", f"/reports/{own.pk}/approval/", "approval-draft", None),
        ("jiaoyu_shenhe", f"/reports/{published.pk}/approval/", "approval-published", None),
        ("xian_shenhe", f"/reports/{approved.pk}/approval/", "approval-county-check", None),
        ("xian_shenhe", f"/county/{county}/{year}/", "board", None),
        ("xian_shenhe", f"/county/{county}/{year}/rollup/", "rollup", None),
        ("jiaoyu", f"/reports/{published.pk}/charts/", "charts", None),
        (None, f"/verify/{digest}/", "verify", None),
    ]
    return pages


def test_demo_pages_have_no_axe_violations_for_their_people(demo, sign_in, live_server, axe):
    contexts = {}
    failures = {}
    pages = demo_pages()
    for who, path, name, act in pages:
        if who not in contexts:
            contexts[who] = sign_in(who, PASSWORD)
        page = contexts[who].new_page()
        page.set_default_timeout(15_000)
        response = page.goto(live_server.url + path, wait_until="networkidle")
        assert response.status == 200, (name, response.status)
        if act:
            act(page)
        if SHOTS:
            page.screenshot(path=os.path.join(SHOTS, f"{name}.png"))
        found = axe(page)
        if found:
            failures[name] = found
        page.close()
    assert failures == {}
    assert len(pages) == 1 + len(ACCOUNTS) + len(STEPS) + 12
