"""Fixtures for the entry tests: the seed report (2019 format, four rule errors) of agency A."""

from __future__ import annotations

import copy

import pytest
from django.test import Client

from annual.forms import form_class_for
from annual.interchange import load_report, report_to_document, write_document
from annual.sections import STEPS_BY_SLUG
from tests.personas import personas  # noqa: F401  (re-exported fixture)


@pytest.fixture
def seed_report(personas, seed_doc):  # noqa: F811
    """Agency A's 2020 report, figures exactly as published (the year before personas.report_a)."""
    return write_document(copy.deepcopy(seed_doc), personas.agency_a)


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
