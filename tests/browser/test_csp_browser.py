"""No page of the app breaks under its Content-Security-Policy (item 17): Chromium reports no
violation on the pages that run scripts (entry grid, review page, home, login, error page)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

VIOLATIONS = """() => new Promise(resolve => {
  const seen = [];
  document.addEventListener('securitypolicyviolation', e => seen.push(e.violatedDirective + ' ' + e.blockedURI));
  setTimeout(() => resolve(seen), 300);
})"""


def test_pages_run_without_csp_violations(office, open_page):
    user = office.users["tianbao"]
    errors = []
    page = open_page(user, "/")
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    for path in (
        "/",
        f"/reports/{office.seed.pk}/applications/",
        f"/reports/{office.seed.pk}/proactive/",
        f"/reports/{office.seed.pk}/overview/",
        f"/reports/{office.seed.pk}/approval/",
        "/password/",
        "/no-such-page/",
    ):
        response = page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + path)
        assert (
            "Content-Security-Policy" in {k.title(): v for k, v in response.headers.items()}
            or "content-security-policy" in response.headers
        )
        assert page.evaluate(VIOLATIONS) == [], path
    # The grid's script ran: a live check result is drawn after typing.
    page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + f"/reports/{office.seed.pk}/applications/")
    page.locator('[name="applications.received.natural_person"]').fill("47")
    page.wait_for_timeout(300)
    assert errors == []


def test_admin_runs_without_csp_violations(office, open_page):
    admin = office.users["tianbao"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    errors = []
    page = open_page(admin, "/admin/")
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    base = page.url.split("/admin/")[0]
    for path in (
        "/admin/",
        f"/admin/annual/agency/{office.agency.pk}/change/",
        f"/admin/auth/user/{admin.pk}/change/",
        f"/admin/annual/report/{office.seed.pk}/change/",
    ):
        page.goto(base + path)
        assert page.evaluate(VIOLATIONS) == [], path
    assert errors == []
