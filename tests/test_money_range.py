"""Money (万元) has one documented range, refused outside it everywhere, exact inside it.

The range is what SQLite (15 significant digits) and PostgreSQL numeric(18, 4) both keep
exactly: four decimal places and at most eleven integer digits. Run this file with
DATABASE_URL pointing at PostgreSQL too.
"""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from annual.document import DocumentError, validate
from annual.interchange import load_report, report_to_document, write_document
from annual.models import ProactiveItem
from annual.money import MONEY_MAX
from annual.normalize import InputError, parse_money
from tests.entry_fixtures import client_for, step_data

pytestmark = pytest.mark.django_db

FIELD = "proactive.procurement.amount_wan_yuan"
EXACT = [
    "0",
    "0.0001",
    "271.53",
    "271.50",
    "1234567.8901",
    "12345678901.2345",
    "99999999999.9999",
    "99999999999",
    "10000000000.0001",
    "98765432109.8765",
]
TOO_BIG = ["100000000000", "99999999999999.95", "1234567890123.4567"]


def test_limit_is_documented_and_fits_both_databases():
    assert MONEY_MAX == Decimal("99999999999.9999")
    assert len(MONEY_MAX.as_tuple().digits) <= 15  # SQLite keeps 15 significant digits


@pytest.mark.parametrize("text", TOO_BIG)
def test_json_validator_refuses_out_of_range_naming_field_and_limit(seed_doc, text):
    doc = copy.deepcopy(seed_doc)
    doc["proactive"]["procurement"]["amount_wan_yuan"] = text
    with pytest.raises(DocumentError) as exc:
        validate(doc)
    path, message = exc.value.problems[0]
    assert path == FIELD
    assert "99999999999.9999" in message


@pytest.mark.parametrize("text", TOO_BIG)
def test_form_normaliser_refuses_out_of_range(text):
    with pytest.raises(InputError) as exc:
        parse_money(text, label="采购总金额")
    assert "采购总金额" in exc.value.message and "99999999999.9999" in exc.value.message


def test_model_validation_refuses_out_of_range(personas):
    item = ProactiveItem.objects.filter(report=personas.report_a, key="procurement").first() or ProactiveItem(
        report=personas.report_a, key="procurement"
    )
    item.amount_wan_yuan = Decimal(100000000000)
    with pytest.raises(ValidationError) as exc:
        item.full_clean(exclude=["report"])
    assert "99999999999.9999" in str(exc.value)


@pytest.mark.parametrize("text", EXACT)
def test_every_allowed_value_round_trips_exactly(personas, seed_doc, text):
    doc = copy.deepcopy(seed_doc)
    doc["proactive"]["procurement"]["amount_wan_yuan"] = text
    report = write_document(doc, personas.agency_a)
    assert report_to_document(load_report(report.pk))["proactive"]["procurement"]["amount_wan_yuan"] == text
    stored = ProactiveItem.objects.get(report=report, key="procurement").amount_wan_yuan
    assert stored == Decimal(text)


def test_form_post_of_out_of_range_is_a_field_error(personas, seed_report):
    client = client_for(personas.preparer_a)
    data = step_data(seed_report, "proactive")
    data[FIELD] = "99999999999999.95"
    response = client.post(reverse("report-step", args=[seed_report.pk, "proactive"]), data)
    assert response.status_code == 422  # the entry pages answer a refused form with 422
    assert "99999999999.9999" in response.content.decode()
    assert ProactiveItem.objects.get(report=seed_report, key="procurement").amount_wan_yuan == Decimal("271.53")


def test_unreadable_stored_value_never_fails_a_page(personas, seed_report):
    """A value written before the limit existed (or by hand) still opens every page (on SQLite
    it used to make Django's reader raise; PostgreSQL's numeric(18, 4) holds it as written)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE annual_proactiveitem SET amount_wan_yuan = %s WHERE report_id = %s AND key = %s",
            ["99999999999999.95", seed_report.pk, "procurement"],
        )
    client = client_for(personas.preparer_a)
    for name, args in (
        ("home", []),
        ("report-step", [seed_report.pk, "proactive"]),
        ("report-step", [seed_report.pk, "review"]),
        ("report-approval", [seed_report.pk]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 200, name
    data = step_data(seed_report, "proactive")
    data[FIELD] = "271.53"
    response = client.post(reverse("report-step", args=[seed_report.pk, "proactive"]), data)
    assert response.status_code == 302
    assert ProactiveItem.objects.get(report=seed_report, key="procurement").amount_wan_yuan == Decimal("271.53")
