"""The demo as its people meet it: `load_demo` as `./dev run` loads it, every demo account signed
in through the login form, every page reachable from home visited with strict templates, then
every workflow button pressed through the forms on the pages, and a deleted actor."""

from __future__ import annotations

import io
import re
import runpy
from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from annual.agencies import exemption_record
from annual.board import compiling_year
from annual.formatting import DELETED_USER
from annual.management.commands.load_demo import ACCOUNTS
from annual.models import Agency, Report, ReportSnapshot, ReportState
from tests.crawl import Crawl, InvalidVariables, form_on, messages_of, sign_in, strict_templates

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
    # The demo tells the truth: two approvers and no exemption in 县府办 and 教育局; every
    # exemption belongs to a one-approver office and was set by the administrator.
    for agency in Agency.objects.filter(single_approver_exempt=True):
        assert agency.members.filter(role="approver").count() == 1, agency
        record = exemption_record(agency)
        assert record is not None and record.history_user.username == "guanli"
    for name in ("苍南县人民政府办公室", "苍南县教育局"):
        two = Agency.objects.get(name=name)
        assert not two.single_approver_exempt and two.members.filter(role="approver").count() == 2
    crawl = Crawl(invalid)
    clients = crawl_everyone(crawl)
    pages = sum(crawl.pages.values())
    assert not crawl.failures, report_failures(crawl)
    buttons = press_every_button(clients)
    assert set(buttons.pressed) == {
        "submit",
        "withdraw",
        "comment",
        "return",
        "county_return",
        "approve",
        "county_approve",
        "publish",
        "reopen",
    }
    # Whoever acted may leave: then everyone again, on the pages of every state the buttons led
    # to; every page works and names the departed as deleted.
    get_user_model().objects.get(username="shenhe").delete()
    crawl_everyone(crawl, [p for p in PEOPLE if p != "shenhe"])
    assert not crawl.failures, report_failures(crawl)
    office = Report.objects.get(agency__name="苍南县人民政府办公室", year=compiling_year(timezone.localdate()))
    for kind in ("approval", "history"):
        assert DELETED_USER in crawl.bodies[("tianbao", f"/reports/{office.pk}/{kind}/")], kind
    # The public check of each approved PDF, as its QR code leads there: reopened ones are withdrawn.
    anyone = Client()
    for snapshot in ReportSnapshot.objects.select_related("report"):
        page = anyone.get(reverse("verify", args=[snapshot.sha256]))
        status = "valid" if snapshot.report.state in (S.APPROVED, S.PUBLISHED) else "withdrawn"
        assert page.status_code == 200 and f'data-verify-status="{status}"' in page.content.decode(), snapshot
    print(
        f"\ndemo crawl: {len(PEOPLE)} accounts, {pages} pages on the first pass, "
        f"{sum(crawl.pages.values())} in all; left out by the bounds: {crawl.capped.most_common(6)}; "
        f"{sum(buttons.pressed.values())} buttons pressed {dict(buttons.pressed)}"
    )


PRODUCTION = (
    "DEBUG",
    "ALLOWED_HOSTS",
    "STORAGES",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_CONTENT_TYPE_NOSNIFF",
)


@pytest.mark.postgres
def test_demo_crawl_on_production_settings(demo, invalid, settings, monkeypatch, tmp_path):
    """The same crawl with the settings `./dev serve` runs: DEBUG off, hashed static files from
    collectstatic, plain HTTP on this machine (its defaults), on the database CI gives it."""
    for name, value in {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "k" * 50,
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DJANGO_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
    }.items():
        monkeypatch.setenv(name, value)
    production = runpy.run_path(str(settings.BASE_DIR / "reportsite" / "settings.py"))
    for name in PRODUCTION:
        setattr(settings, name, production[name])
    assert settings.DEBUG is False
    settings.STATIC_ROOT = str(tmp_path / "static")
    call_command("collectstatic", interactive=False, verbosity=0)
    crawl = Crawl(invalid)
    crawl_everyone(crawl)
    assert not crawl.failures, report_failures(crawl)
    print(f"\nproduction crawl: {len(PEOPLE)} accounts, {sum(crawl.pages.values())} pages")
    assert sum(crawl.pages.values()) > 100


def test_strict_templates_report_an_invalid_variable_even_under_default(invalid):
    from django.template import Context, Engine
    from django.template.base import Origin, Template

    from tests.crawl import OWN_TEMPLATES

    engine = Engine.get_default()
    source = "{{ report.missing|default:'—' }}{% if report.absent %}x{% endif %}{{ report.name }}"
    ours = Template(source, origin=Origin(OWN_TEMPLATES + "/probe.html"), engine=engine)
    assert ours.render(Context({"report": {"name": "R"}})) == "R"
    assert invalid.found == [("probe.html", "report.missing")]
    # Packages' own templates (the admin) rely on silent failures and are not reported.
    Template(source, origin=Origin("/elsewhere/x.html"), engine=engine).render(Context({}))
    assert invalid.found == [("probe.html", "report.missing")]


@dataclass
class Buttons:
    """Presses the workflow buttons of the demo's reports as their people, through the forms on
    the approval page, and checks what each did."""

    clients: dict
    pressed: Counter = field(default_factory=Counter)

    def press(self, who: str, report: Report, action: str, expect: str, state: str, **values) -> None:
        url = reverse("report-approval", args=[report.pk])
        form = form_on(self.clients[who], url, XPATHS.get(action, f'//form[@data-form="{action}"]'))
        assert form is not None, f"{who} has no {action} form on {url}"
        if action == "submit":
            # Every warning explained, as the page asks, and the form's own submit button.
            values.update({k: "说明：与上年口径一致。" for k, v in form.data.items() if k.startswith("explanation:")})
            values["submit"] = ""
        response = form.post(self.clients[who], **values)
        assert response.status_code == 200, (who, action, response.status_code)
        shown = messages_of(response)
        assert any(expect in m for m in shown), (who, action, shown)
        report.refresh_from_db()
        assert report.state == state, (who, action, report.state)
        if action != "comment":
            last = report.transitions.order_by("-at", "-pk").first()
            assert last is not None and last.actor is not None
            assert last.actor.username == who and last.action == action, (last.actor, last.action)
            if "reason" in values:
                assert last.reason == values["reason"]
        self.pressed[action] += 1


XPATHS = {
    "submit": '//form[@data-form="submit" or @data-form="explanations"]',
    "withdraw": '//button[@data-action="withdraw"]',
    "comment": '//form[@data-form="comment"]',
}
S = ReportState


def press_every_button(clients: dict) -> Buttons:
    buttons = Buttons(clients)
    year = compiling_year(timezone.localdate())
    office = Report.objects.get(agency__name="苍南县人民政府办公室", year=year)
    b = buttons.press
    b("tianbao", office, "submit", "已提交审核", S.SUBMITTED)
    b("tianbao", office, "withdraw", "已撤回提交", S.DRAFT)
    b("tianbao", office, "submit", "已提交审核", S.SUBMITTED)
    b("shenhe", office, "comment", "审核意见已添加", S.SUBMITTED, text="请核对第二部分的数字。")
    author = office.comments.get().author
    assert author is not None and author.username == "shenhe"
    b("shenhe", office, "return", "已退回修改", S.RETURNED, reason="请补充依申请公开的说明。")
    b("tianbao", office, "submit", "已提交审核", S.SUBMITTED)
    b("xian_shenhe", office, "county_return", "已复核退回", S.RETURNED, reason="县里复核：请写明收费情况。")
    # An approver may submit; separation of duties then keeps that approver from approving it.
    b("shenhe2", office, "submit", "已提交审核", S.SUBMITTED)
    page = clients["shenhe2"].get(reverse("report-approval", args=[office.pk])).content.decode()
    assert "data-separation" in page and "另一名审核人" in page
    assert "disabled" in page.split('data-action="approve"')[1][:40]
    b("shenhe", office, "approve", "已审核通过", S.APPROVED, reason="同意。")
    assert office.snapshots.count() == 1
    b("xian_shenhe", office, "county_approve", "已复核通过", S.APPROVED)
    b(
        "tianbao",
        office,
        "publish",
        "已登记发布",
        S.PUBLISHED,
        portal_url=f"https://www.cncn.gov.cn/art/{year + 1}/1/20/art_{office.pk}.html",
    )
    b("shenhe", office, "reopen", "已重新打开", S.RETURNED, reason="发现错字，重新打开修改。")
    # The education bureau's published report of the year: reopened by its own approver.
    education = Report.objects.get(agency__name="苍南县教育局", year=year)
    b("jiaoyu_shenhe", education, "reopen", "已重新打开", S.RETURNED, reason="数据需要更正。")
    return buttons
