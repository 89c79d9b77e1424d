"""Content-Security-Policy: no inline script anywhere (item 17).

The header is checked on every kind of page; the templates are checked for what the policy
would block (inline <script>, on* handler attributes, style attributes, <style> blocks).
tests/browser/test_csp_browser.py loads the pages in Chromium and asserts no violation.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.entry_fixtures import client_for

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_pages_send_a_policy_without_inline_script(personas, seed_report):
    client = client_for(personas.preparer_a)
    for url in (
        "/",
        reverse("report-step", args=[seed_report.pk, "applications"]),
        reverse("report-approval", args=[seed_report.pk]),
        "/no-such-page/",
    ):
        policy = _policy(client.get(url))
        assert policy["script-src"] == ["'self'"], url
        assert policy["default-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert "'unsafe-inline'" not in policy.get("style-src", []) and "'unsafe-eval'" not in str(policy)
    assert "Content-Security-Policy" in Client().get(reverse("login"))


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.IGNORECASE), "on* handler"),
    (re.compile(r"\sstyle\s*=", re.IGNORECASE), "style attribute"),
    (re.compile(r"<style", re.IGNORECASE), "<style> block"),
]


def test_no_template_needs_inline_script_or_style():
    # templates/pdf is WeasyPrint's input, never served to a browser; so are the 盖章页 and the
    # 图解 print section. The portal page is a file of its own (the publication package), styled
    # by its own <style> for the portal, and downloaded from here, never shown under our CSP.
    files = {"annual/publish/stamp.html", "annual/publish/_charts_print.html", "annual/publish/report.html"}
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        relative = path.relative_to(ROOT / "templates")
        if "pdf" in relative.parts[:1] or relative.as_posix() in files:
            continue
        text = path.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            if pattern.search(text):
                found.append(f"{path.relative_to(ROOT)}: {what}")
    assert found == []
