"""The round board in a real Chromium at 1366×768: a county of 36 agencies, filtering, and
sending reminders; names on one line each."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from annual.models import Reminder
from tests.county_fixtures import make_county

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def county(transactional_db, doc_2021, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return make_county(36, doc_2021)


def test_board_filters_and_reminds(open_page, county):
    page = open_page(county.approver, f"/county/{county.county.pk}/{county.year}/")
    rows = page.locator('[data-testid="board-table"] tbody tr')
    assert rows.count() == 37

    # Names never wrap: every name cell is one line high at 1366×768.
    heights = page.eval_on_selector_all(".agency-name", "cells => cells.map(c => c.getBoundingClientRect().height)")
    assert max(heights) < 40, heights

    # Filter: 未建立 only, then laggards first over everything.
    page.select_option("#f-state", "none")
    page.click('[data-action="filter"]')
    page.wait_for_url(re.compile(r"state=none"))
    assert rows.count() == 7  # six agencies and the county itself
    assert set(rows.evaluate_all("rs => rs.map(r => r.dataset.state)")) == {"none"}

    # Select all not-submitted agencies shown and remind them.
    page.check("[data-select-all]")
    checked = page.locator('input[name="agency"]:checked').count()
    assert checked == 6  # the six agencies: the county itself is never reminded
    page.click('[data-action="remind"]')
    page.wait_for_url(re.compile(r"state=none"))
    assert "已向" in page.locator(".alert-success").inner_text()
    assert Reminder.objects.count() == 6
    assert len(mail.outbox) == 6
    assert page.locator("[data-reminded]").count() == 6

    # The same again today is refused per agency, with the reason.
    page.check("[data-select-all]")
    page.click('[data-action="remind"]')
    assert "今天已提醒过" in page.locator(".alert-warning").inner_text()
    assert Reminder.objects.count() == 6

    # Laggards first, all states: the unstarted come first.
    page.select_option("#f-state", "")
    page.check("#f-sort")
    page.click('[data-action="filter"]')
    page.wait_for_url(re.compile(r"sort=laggards"))
    states = rows.evaluate_all("rs => rs.map(r => r.dataset.state)")
    assert states[0] == "none" and states[-1] == "published"
    page.screenshot(path="/tmp/county/board_browser.png")
