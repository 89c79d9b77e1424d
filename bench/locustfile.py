"""Load test: `./dev load` runs this headless (50 users, 60 s) against gunicorn + PostgreSQL + Redis.

Two kinds of simulated people (data from `manage.py load_bench`, ids in $LOAD_IDS):
- Preparer (40 of 50): each is the preparer of its own agency and works on its own draft:
  home, an entry step (GET), a save of the 一、总体情况 step (POST, a real change), the review
  page, now and then the draft PDF of what they just wrote (rendered by a worker: the first
  request after a change may get the 202 waiting page, which is the designed answer);
- CountyReader (10 of 50): the county approver reading: the board, review pages, approved PDFs
  (stored snapshots) and draft PDFs of reports nobody is editing (served from the draft cache).

The board is the county's round board of the load reports' year (from `load_bench`).
Saves never conflict (one preparer per report), so any 409 is an error here.

Each simulated person waits $LOAD_WAIT seconds between requests (default "0.1-0.5"): 50 people
with a realistic minute of reading between clicks would not load the server at all, and the
goal is the request rate the server sustains. The client is locust's FastHttpUser, so that the
load generator, on the same 2 cores, takes as little of them as it can.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from html.parser import HTMLParser
from http.cookiejar import Cookie
from pathlib import Path
from urllib.parse import urlencode

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

PASSWORD = os.environ.get("LOAD_PASSWORD", "")
IDS = (
    json.loads(Path(os.environ["LOAD_IDS"]).read_text())
    if os.environ.get("LOAD_IDS")
    else {"approved": [], "drafts": [], "sessions": {}, "board": "/county/"}
)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
WAIT = between(*(float(x) for x in os.environ.get("LOAD_WAIT", "0.1-0.5").split("-")))
_preparer_numbers = itertools.count(int(os.environ.get("LOAD_FIRST_PREPARER", "1")))


class FormFields(HTMLParser):
    """name -> value of the inputs, selects and textareas inside <form id="step-form">."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self._in_form = False
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._in_form = a.get("id") == "step-form"
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "checkbox", "radio"):
            self.fields[name] = a.get("value") or ""
        elif tag == "input" and name and a.get("type") in ("checkbox", "radio") and "checked" in a:
            self.fields[name] = a.get("value") or "on"
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def log_in(client, username: str) -> None:
    """Use the session `load_bench` made for `username`, or sign in through the form."""
    session = IDS.get("sessions", {}).get(username)
    if session:
        client.cookiejar.set_cookie(_cookie("sessionid", session, client.base_url))
        return
    page = client.get("/login/", name="login")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/login/",
        data=urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}),
        headers=FORM,
        name="login",
        allow_redirects=False,
    )
    if response.status_code != 302:
        raise RuntimeError(f"login of {username} failed ({response.status_code})")


def _cookie(name: str, value: str, base_url: str) -> Cookie:
    host = base_url.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0]
    return Cookie(0, name, value, None, False, host, False, False, "/", True, False, None, True, None, None, {}, False)


def get_pdf(client, url: str, name: str) -> None:
    with client.get(url, name=name, catch_response=True) as response:
        if response.status_code == 200 and response.content.startswith(b"%PDF-"):
            response.success()
        elif response.status_code == 202 and b'data-testid="job-wait"' in response.content:
            response.success()  # the worker is still rendering: the page follows the job by itself
        else:
            response.failure(f"{response.status_code}")


class Preparer(FastHttpUser):
    weight = 4
    wait_time = WAIT

    def on_start(self):
        self.number = next(_preparer_numbers)
        log_in(self.client, f"bench{self.number:02d}")
        home = self.client.get("/", name="home")
        self.report = int(re.search(r'data-report="(\d+)"', home.text).group(1))
        self.saves = 0

    @task(3)
    def home(self):
        self.client.get("/", name="home")

    @task(4)
    def entry_get(self):
        step = random.choice(("basic", "overview", "applications", "review-litigation", "proactive"))
        self.client.get(f"/reports/{self.report}/{step}/", name="entry GET")

    @task(2)
    def entry_save(self):
        url = f"/reports/{self.report}/overview/"
        page = self.client.get(url, name="entry GET")
        parser = FormFields()
        parser.feed(page.text)
        fields = parser.fields
        self.saves += 1
        fields["overview"] = (
            re.sub(r"（负载测试第\d+次保存）$", "", fields.get("overview", "")) + f"（负载测试第{self.saves}次保存）"
        )
        with self.client.post(
            url,
            data=urlencode(fields),
            headers=FORM,
            name="entry POST save",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                response.success()
            else:
                response.failure(f"{response.status_code}")

    @task(2)
    def review(self):
        self.client.get(f"/reports/{self.report}/review/", name="review page")

    @task(1)
    def draft_pdf(self):
        get_pdf(self.client, f"/reports/{self.report}/pdf/", "draft PDF (own, after edits)")


class CountyReader(FastHttpUser):
    weight = 1
    wait_time = WAIT

    def on_start(self):
        log_in(self.client, "bench_county")

    @task(3)
    def board(self):
        self.client.get(IDS["board"], name="board")

    @task(2)
    def review(self):
        self.client.get(f"/reports/{random.choice(IDS['approved'])}/review/", name="review page")

    @task(3)
    def approved_pdf(self):
        get_pdf(self.client, f"/reports/{random.choice(IDS['approved'])}/pdf/", "approved PDF")

    @task(1)
    def cached_draft_pdf(self):
        # Drafts nobody edits during the run (the last preparers' numbers exceed the user count).
        get_pdf(self.client, f"/reports/{random.choice(IDS['drafts'][-5:])}/pdf/", "draft PDF (cached)")
