"""Database invariants hold even when code forgets them."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from annual.models import Agency, ApplicationRow, ProactiveItem, Report, ReviewLitigationGroup

# The constraints are the database's own: each backend must refuse the same rows.
pytestmark = pytest.mark.postgres


@pytest.fixture
def report(db):
    agency = Agency.objects.create(name="测试机关")
    return Report.objects.create(agency=agency, year=2021, template="2021", agency_label="测试机关")


def test_one_report_per_agency_and_year(report):
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(agency=report.agency, year=2021, template="2021", agency_label="x")
    Report.objects.create(agency=report.agency, year=2020, template="2019", agency_label="x")


def test_unknown_template_refused_by_database(report):
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.filter(pk=report.pk).update(template="2030")


def test_year_range_refused_by_database(report):
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.filter(pk=report.pk).update(year=1999)


@pytest.mark.parametrize(
    "model,key,field",
    [
        (ApplicationRow, "received", "natural_person"),
        (ApplicationRow, "received", "total"),
        (ReviewLitigationGroup, "review", "pending"),
        (ProactiveItem, "licensing", "decisions"),
    ],
)
def test_negative_counts_refused_by_database(report, model, key, field):
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(report=report, key=key, **{field: -1})


def test_negative_change_allowed_negative_money_refused(report):
    ProactiveItem.objects.create(report=report, key="licensing", change=-4)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProactiveItem.objects.create(report=report, key="fees", amount_wan_yuan=-1)


def test_one_row_per_key_and_known_keys(report):
    ApplicationRow.objects.create(report=report, key="received")
    with pytest.raises(IntegrityError), transaction.atomic():
        ApplicationRow.objects.create(report=report, key="received")
    with pytest.raises(IntegrityError), transaction.atomic():
        ApplicationRow.objects.create(report=report, key="made_up_row")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewLitigationGroup.objects.create(report=report, key="made_up_group")


def test_blank_and_zero_are_distinct(report):
    ApplicationRow.objects.create(report=report, key="granted", natural_person=0, total=None)
    row = ApplicationRow.objects.get(report=report, key="granted")
    assert row.natural_person == 0 and row.total is None


def test_full_clean_names_the_field(report):
    report.year = 1990
    with pytest.raises(ValidationError) as exc:
        report.full_clean()
    assert "year" in exc.value.message_dict


def test_default_title_and_editability(report):
    assert report.display_title == "测试机关2021年度政府信息公开工作年度报告"
    report.title = "自定义标题"
    assert report.display_title == "自定义标题"
    assert report.is_editable
    report.state = "approved"
    assert not report.is_editable
