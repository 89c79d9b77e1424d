"""Validation of the interchange document: every bad value is named by its path, in Chinese."""

import copy
import json

import pytest

from annual.document import DocumentError, blank_document, parse, validate


def _problems(doc) -> list[tuple[str, str]]:
    with pytest.raises(DocumentError) as exc:
        validate(doc)
    return exc.value.problems


def _paths(doc) -> list[str]:
    return [p for p, _ in _problems(doc)]


def test_examples_are_valid(seed_doc, doc_2021):
    assert validate(seed_doc) is seed_doc
    assert validate(doc_2021) is doc_2021


@pytest.mark.parametrize("version,year", [("2019", 2020), ("2021", 2021)])
def test_blank_document_is_valid_and_has_the_versions_rows(version, year):
    doc = blank_document(agency="测试机关", year=year)
    assert doc["template"] == version
    validate(doc)
    assert len(doc["applications"]) == (23 if version == "2019" else 25)


def test_bad_json_names_line_and_column():
    with pytest.raises(DocumentError) as exc:
        parse('{"format": "gov-info-annual-report/1",\n "year": }')
    assert "第 2 行" in str(exc.value) and "JSON" in str(exc.value)


def test_nan_is_refused():
    with pytest.raises(DocumentError):
        parse('{"year": NaN}')


def test_not_utf8_is_refused():
    with pytest.raises(DocumentError) as exc:
        parse("年度".encode("gbk"))
    assert "UTF-8" in str(exc.value)


def test_unknown_format(seed_doc):
    seed_doc["format"] = "gov-info-annual-report/2"
    assert _paths(seed_doc) == ["format"]


def test_unknown_template(seed_doc):
    seed_doc["template"] = "2020"
    problems = _problems(seed_doc)
    assert problems[0][0] == "template" and "未知的模板版本" in problems[0][1]


@pytest.mark.parametrize("section", ["meta", "intro", "proactive", "applications", "review_litigation", "problems"])
def test_missing_section(seed_doc, section):
    del seed_doc[section]
    assert _problems(seed_doc) == [(section, "缺少此字段")]


def test_missing_row_and_column(seed_doc):
    del seed_doc["applications"]["granted"]
    del seed_doc["review_litigation"]["review"]["pending"]
    assert _paths(seed_doc) == ["applications.granted", "review_litigation.review.pending"]


def test_unknown_key_and_wrong_version_row(seed_doc):
    seed_doc["applications"]["other_misc"] = copy.deepcopy(seed_doc["applications"]["other"])
    seed_doc["surprise"] = 1
    assert sorted(_paths(seed_doc)) == ["applications.other_misc", "surprise"]


@pytest.mark.parametrize(
    "value,fragment",
    [
        ("46", "字符串"),
        (46.0, "小数"),
        (4.5, "小数"),
        (-1, "负数"),
        (True, "布尔值"),
        ([1], "数组"),
    ],
)
def test_bad_count_names_path(seed_doc, value, fragment):
    seed_doc["applications"]["received"]["natural_person"] = value
    [(path, message)] = _problems(seed_doc)
    assert path == "applications.received.natural_person"
    assert fragment in message


def test_change_may_be_negative_in_2019(seed_doc):
    seed_doc["proactive"]["licensing"]["change"] = -3
    validate(seed_doc)
    seed_doc["proactive"]["licensing"]["previous"] = -3
    assert _paths(seed_doc) == ["proactive.licensing.previous"]


@pytest.mark.parametrize(
    "amount,ok",
    [
        ("271.53", True),
        ("59237.2449", True),
        ("0", True),
        (None, True),
        ("1.23456", False),
        ("-1", False),
        (271.53, False),
        ("1,000", False),
    ],
)
def test_money(seed_doc, amount, ok):
    seed_doc["proactive"]["procurement"]["amount_wan_yuan"] = amount
    if ok:
        validate(seed_doc)
    else:
        assert _paths(seed_doc) == ["proactive.procurement.amount_wan_yuan"]


def test_meta_dates_and_contact(seed_doc):
    seed_doc["meta"]["signed_on"] = "2021-02-30"
    seed_doc["meta"]["contact"]["phone"] = 68878130
    seed_doc["meta"]["colour"] = "red"
    assert sorted(_paths(seed_doc)) == ["meta.colour", "meta.contact.phone", "meta.signed_on"]


def test_meta_keys_may_be_absent(seed_doc):
    seed_doc["meta"] = {}
    validate(seed_doc)


def test_year_and_agency(seed_doc):
    seed_doc["year"] = "2020"
    seed_doc["agency"] = ""
    assert sorted(_paths(seed_doc)) == ["agency", "year"]


def test_text_must_be_text_and_not_huge(seed_doc):
    seed_doc["overview"] = None
    seed_doc["problems"] = "很" * 200_001
    problems = dict(_problems(seed_doc))
    assert set(problems) == {"overview", "problems"}
    assert "上限" in problems["problems"]


def test_top_level_must_be_object():
    with pytest.raises(DocumentError) as exc:
        parse(json.dumps([1, 2]))
    assert "对象" in str(exc.value)


def test_meta_contact_email_is_accepted_and_kept_through_import_and_export(seed_doc, db):
    # Third round of the spec: real reports print a contact e-mail.
    from annual.interchange import load_report, report_to_document, write_document
    from annual.models import Agency

    seed_doc["meta"]["contact"]["email"] = "zwgk@cangnan.gov.cn"
    validate(seed_doc)
    report = write_document(copy.deepcopy(seed_doc), Agency.objects.create(name=seed_doc["agency"]))
    assert report_to_document(load_report(report.pk))["meta"]["contact"]["email"] == "zwgk@cangnan.gov.cn"
    seed_doc["meta"]["contact"]["email"] = 5
    assert _paths(seed_doc) == ["meta.contact.email"]
