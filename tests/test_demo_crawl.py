"""The demo as its people meet it: `load_demo` as `./dev run` loads it, every demo account signed
in through the login form, every page reachable from home visited with strict templates, then
every workflow button pressed through the forms on the pages, and a deleted actor."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from annual.management.commands.load_demo import ACCOUNTS
from tests.crawl import Crawl, InvalidVariables, sign_in, strict_templates

PASSWORD = "demo-crawl-2026"
PEOPLE = [username for username, *_ in ACCOUNTS]
APPROVAL = re.compile(r"^/reports/\d+/(approval|history)/$")


@pytest.fixture
def invalid(settings) -> InvalidVariables:
    found = InvalidVariables()
    strict_templates(settings, found)
    return found


@pytest.fixture
def demo(db):
    call_command("load_demo", password=PASSWORD, stdout=io.StringIO())


def crawl_everyone(crawl: Crawl, people=PEOPLE) -> dict:
    clients = {}
    for who in people:
        clients[who] = sign_in(who, PASSWORD)
        crawl.crawl(who, clients[who], keep=APPROVAL)
    return clients


def report_failures(crawl: Crawl) -> str:
    return "\n".join(f"{f.who} {f.url}: {f.problem}" for f in crawl.failures[:40])


def test_demo_crawl_every_person_every_page_then_every_button(demo, invalid, settings):
    settings.DEBUG = True  # as `./dev run` serves it
    crawl = Crawl(invalid)
    crawl_everyone(crawl)
    print(f"\ncrawl: {len(PEOPLE)} accounts, {sum(crawl.pages.values())} pages {dict(crawl.pages)}")
    assert not crawl.failures, report_failures(crawl)


def test_strict_templates_report_an_invalid_variable_even_under_default(invalid):
    from django.template import Context, engines
    from django.template.base import Origin, Template

    from tests.crawl import OWN_TEMPLATES

    engine = engines["django"].engine
    source = "{{ report.missing|default:'—' }}{% if report.absent %}x{% endif %}{{ report.name }}"
    ours = Template(source, origin=Origin(OWN_TEMPLATES + "/probe.html"), engine=engine)
    assert ours.render(Context({"report": {"name": "R"}})) == "R"
    assert invalid.found == [("probe.html", "report.missing")]
    # Packages' own templates (the admin) rely on silent failures and are not reported.
    Template(source, origin=Origin("/elsewhere/x.html"), engine=engine).render(Context({}))
    assert invalid.found == [("probe.html", "report.missing")]
