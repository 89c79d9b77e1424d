"""Browser tests: a real headless Chromium (Debian's /usr/bin/chromium) driven by Playwright
against pytest-django's live_server. One browser for the whole session; a fresh context (cookies,
storage) per test.

The live server runs in a thread and needs committed data, hence `transactional_db`; the
Playwright sync API runs an event loop in this thread, which Django would otherwise refuse.
"""

from __future__ import annotations

import copy
import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from django.conf import settings as django_settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from annual.interchange import write_document  # noqa: E402
from annual.models import Agency, Membership, Role  # noqa: E402
from annual.sections import create_report  # noqa: E402

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1366, "height": 768}
PASSWORD = "browser-test-pass-42"


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def office(transactional_db, seed_doc):
    """苍南县人民政府办公室 with a preparer and an approver, the seed report (2020) and a blank 2019 report."""
    agency = Agency.objects.create(name="苍南县人民政府办公室")
    users = {}
    for username, role in (("tianbao", Role.PREPARER), ("shenhe", Role.APPROVER)):
        users[username] = get_user_model().objects.create_user(username, password=PASSWORD)
        Membership.objects.create(user=users[username], agency=agency, role=role)
    blank = create_report(agency, 2019, users["tianbao"])
    seed = write_document(copy.deepcopy(seed_doc), agency)
    return type("Office", (), {"agency": agency, "users": users, "blank": blank, "seed": seed})


@pytest.fixture
def open_page(browser, live_server):
    """open_page(user, path) -> a Playwright page signed in as `user`, at `path`, 1366×768, zh-CN."""
    contexts = []

    def _open(user, path="/"):
        client = Client()
        client.force_login(user)
        context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
        context.add_cookies(
            [
                {
                    "name": django_settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(live_server.url + path)
        return page

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def sign_in(browser, live_server):
    """sign_in(username, password) -> a browser context signed in through the login form, as a
    person signs in (sign_in(None) gives a signed-out one), 1366×768, zh-CN."""
    contexts = []

    def _sign_in(username, password=None):
        context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
        contexts.append(context)
        if username is not None:
            page = context.new_page()
            page.goto(live_server.url + "/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", password)
            page.get_by_role("button", name="登录").click()
            page.wait_for_url(live_server.url + "/")
            page.close()
        return context

    yield _sign_in
    for context in contexts:
        context.close()


# WCAG 2.0 and 2.1 at levels A and AA, plus the rules that tell landmarks apart: axe files those
# under best practice, but a screen reader lists the landmarks by name and two unnamed navs read
# the same.
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "rules": {
        rule: {"enabled": True}
        for rule in (
            "landmark-unique",
            "landmark-no-duplicate-banner",
            "landmark-no-duplicate-main",
            "landmark-no-duplicate-contentinfo",
        )
    },
}


@pytest.fixture
def axe():
    """axe(page) -> the page's axe-core violations (AXE_OPTIONS), one readable line per node."""

    def _run(page):
        # From the site itself (it is vendored as a static file), so the page's CSP lets it run.
        page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")
        result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
        assert len(result["passes"]) > 5  # axe did run its rules on the page
        return [
            f"{v['id']} ({v['impact']}) {node['target']}: {' '.join(node['failureSummary'].split())}"
            for v in result["violations"]
            for node in v["nodes"]
        ]

    return _run
