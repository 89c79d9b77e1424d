"""Helpers for the entry tests: a signed-in client, and the POST data a step's page submits.

The `seed_report` fixture (agency A's 2020 report) is in tests/conftest.py."""

from __future__ import annotations

from django.test import Client

from annual.forms import form_class_for
from annual.interchange import load_report, report_to_document
from annual.sections import STEPS_BY_SLUG


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def step_data(report, slug: str) -> dict:
    """The POST data a step's page submits unchanged: every field as shown, plus its revision."""
    report = load_report(report.pk)
    step = STEPS_BY_SLUG[slug]
    form = form_class_for(step.key, report.template)(report=report, doc=report_to_document(report))
    data = {name: form.shown(name) for name in form.value_names}
    data["revision"] = str(form.initial["revision"])
    data["report_revision"] = str(form.initial["report_revision"])
    return data
