"""A crawler for acceptance tests: signs in through the real login form, then visits every
same-site link and GET form reachable from the home page, breadth first and bounded, and
presses the real forms it finds. Import what you use (`from tests.crawl import Crawler`).

Invalid template variables are caught through TEMPLATES' `string_if_invalid` (see
`InvalidVariables`): Django formats that setting with the variable's name when a lookup
fails, and skips the variable's filters, `default` included. So `{{ x.missing|default:"—" }}`
counts as an error too: `default` is for values that are None or empty, not for names that do
not exist. `{% if %}` and `{% for %}` treat an invalid variable as None and are not reported
(Django's documented behaviour); Django's and other packages' own templates (the admin) rely
on silent failures and are not ours to fix, so only this project's templates are reported.
"""

from __future__ import annotations

import copy
import re
import sys
from collections import Counter, deque
from dataclasses import dataclass, field
from types import FrameType
from urllib.parse import urlencode, urljoin, urlsplit

import lxml.html
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

SIZE_LIMIT = 2 * 1024 * 1024
OWN_TEMPLATES = str(settings.BASE_DIR / "templates")
# Never followed: signing out ends the crawl's session; static files are not pages.
SKIP_PATHS = re.compile(r"^/(logout/|static/|admin/logout/)")
# Files rendered by the job runner (PDF, Word, Excel, packages): each kind once per crawl, as it
# costs seconds; every page that links one is still visited.
DOWNLOAD = re.compile(r"/(pdf|xlsx|stamp|export/[^/]+|charts/pdf)/$")
# A GET may write only to these tables: the session, the job runner's records of rendered files
# and its cache. Anything else changed by a GET is a bug (a link must never change state).
GET_MAY_WRITE = {"django_session", "annual_job"}
WRITE_SQL = re.compile(r'^\s*(INSERT INTO|UPDATE|DELETE FROM)\s+"?(\w+)"?', re.IGNORECASE)


class InvalidVariables:
    """`string_if_invalid` that records each invalid variable of this project's templates as
    (template, variable) and prints nothing. It contains "%s", so Django formats it with the
    variable's name; that formatting is where the variable is recorded."""

    def __init__(self) -> None:
        self.found: list[tuple[str, str]] = []

    def __contains__(self, key: str) -> bool:
        return key == "%s"

    def __bool__(self) -> bool:
        return True

    def __str__(self) -> str:
        return ""

    def __mod__(self, variable) -> str:
        origin = _template_origin()
        if origin.startswith(OWN_TEMPLATES):
            self.found.append((origin.removeprefix(OWN_TEMPLATES + "/"), str(variable)))
        return ""


def _template_origin() -> str:
    """The file of the template node being rendered, found up the call stack."""
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        node = frame.f_locals.get("self")
        name = getattr(getattr(node, "origin", None), "name", None)
        if isinstance(name, str):
            return name
        frame = frame.f_back
    return ""


def strict_templates(settings, invalid: InvalidVariables) -> None:
    """Make the pytest-django `settings` fixture's templates record invalid variables."""
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["OPTIONS"]["string_if_invalid"] = invalid
    settings.TEMPLATES = templates


def sign_in(username: str, password: str, **client_options) -> Client:
    """A client signed in as a person would: the login page's form, CSRF token and all."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False, **client_options)
    page = client.get("/login/")
    assert page.status_code == 200, page.status_code
    form = lxml.html.fromstring(page.content.decode()).forms[0]
    data = dict(form.form_values())
    data.update(username=username, password=password)
    response = client.post(form.action or "/login/", data)
    assert response.status_code == 302, f"{username} could not sign in: {response.status_code}"
    return client


@dataclass
class Failure:
    who: str
    url: str
    problem: str


@dataclass
class Crawl:
    """What a crawl saw, over all the people it crawled as."""

    invalid: InvalidVariables
    size_limit: int = SIZE_LIMIT
    per_person: int = 200
    per_shape: int = 14
    pages: Counter = field(default_factory=Counter)  # pages visited, by person
    failures: list[Failure] = field(default_factory=list)
    downloads_seen: set = field(default_factory=set)
    bodies: dict = field(default_factory=dict)  # (person, url) -> HTML of pages of interest
    capped: Counter = field(default_factory=Counter)  # URL shapes left out by the bounds, and how often

    def crawl(self, who: str, client: Client, start: str = "/", keep: re.Pattern | None = None) -> set[str]:
        """Visit what `who` can reach from `start`; returns the URLs visited. HTML of URLs that
        match `keep` is kept in `bodies`."""
        queue: deque[str] = deque([start])
        seen = {start}
        shapes: Counter = Counter()
        visited: set[str] = set()
        while queue and len(visited) < self.per_person:
            url = queue.popleft()
            path = urlsplit(url).path
            if DOWNLOAD.search(path):
                kind = re.sub(r"\d+", "N", path)
                if kind in self.downloads_seen:
                    continue
                self.downloads_seen.add(kind)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            visited.add(url)
            self.pages[who] += 1
            self._check(who, url, response, queries)
            if response.status_code in (301, 302, 303, 307, 308):
                target = urljoin(url, response["Location"])
                self._enqueue(target, seen, queue, shapes)
                continue
            if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
                continue
            html = response.content.decode()
            if keep is not None and keep.search(url):
                self.bodies[(who, url)] = html
            for target in links_and_get_forms(url, html):
                self._enqueue(target, seen, queue, shapes)
        self.capped["(over the per-person bound)"] += len(queue)
        return visited

    def _enqueue(self, url: str, seen: set, queue: deque, shapes: Counter) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("", "http", "https") or parts.netloc not in ("", "testserver"):
            return
        if SKIP_PATHS.match(parts.path):
            return
        local = parts.path + (f"?{parts.query}" if parts.query else "")
        if local in seen:
            return
        # Many URLs of one shape (the admin's filters, the roll-up's cells) are one page each.
        shape = re.sub(r"\d+", "N", parts.path) + "?" + "&".join(sorted(re.findall(r"(\w+)=", parts.query)))
        if shapes[shape] >= self.per_shape:
            self.capped[shape] += 1
            return
        shapes[shape] += 1
        seen.add(local)
        queue.append(local)

    def _check(self, who: str, url: str, response, queries) -> None:
        before = len(self.invalid.found)
        if response.status_code >= 500:
            cause = getattr(response, "exc_info", None)
            self.failures.append(Failure(who, url, f"{response.status_code} {cause[1]!r}" if cause else "5xx"))
        size = len(response.content) if not response.streaming else 0
        if response.get("Content-Type", "").startswith("text/html") and size > self.size_limit:
            self.failures.append(Failure(who, url, f"{size} bytes"))
        written = {m.group(2) for q in queries.captured_queries if (m := WRITE_SQL.match(q["sql"]))}
        if written - GET_MAY_WRITE:
            self.failures.append(Failure(who, url, f"GET changed {sorted(written - GET_MAY_WRITE)}"))
        for template, variable in self.invalid.found[before:]:
            self.failures.append(Failure(who, url, f"invalid variable {variable!r} in {template}"))
        del self.invalid.found[before:]


def links_and_get_forms(url: str, html: str) -> list[str]:
    """Same-page-independent targets of a page: its links (fragments dropped) and its GET forms,
    submitted with the values they show."""
    tree = lxml.html.fromstring(html)
    targets = []
    for a in tree.iterlinks():
        element, attribute, link, _ = a
        if element.tag != "a" or attribute != "href":
            continue
        link = link.split("#", 1)[0]
        if link and not link.startswith(("mailto:", "javascript:", "tel:")):
            targets.append(urljoin(url, link))
    for form in tree.forms:
        if (form.method or "GET").upper() != "GET":
            continue
        action = urljoin(url, form.get("action") or url).split("?", 1)[0]
        targets.append(action + "?" + urlencode(form.form_values()))
    return targets


@dataclass
class PageForm:
    """A form of a page as a browser would submit it."""

    action: str
    data: dict

    def post(self, client: Client, **values):
        data = dict(self.data)
        data.update(values)
        return client.post(self.action, data, follow=True)


def form_on(client: Client, url: str, xpath: str) -> PageForm | None:
    """The form at `xpath` on the page at `url` (or the form around the element there), with
    the values it shows."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    found = lxml.html.fromstring(page.content.decode()).xpath(xpath)
    if not found:
        return None
    form = found[0]
    if form.tag != "form":
        form = next(form.iterancestors("form"))
    return PageForm(urljoin(url, form.get("action") or url), dict(form.form_values()))


def messages_of(response) -> list[str]:
    """The flash messages shown on a page."""
    tree = lxml.html.fromstring(response.content.decode())
    return [" ".join(e.text_content().split()) for e in tree.xpath('//div[@class="app-messages"]/div')]
