"""What people type into count and money cells: accepted forms, blanks, and clear errors."""

import pytest

from annual.normalize import InputError, format_value, parse_count, parse_money

LABEL = "一、本年新收政府信息公开申请数量·自然人"


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("46", 46),
        ("４６", 46),  # full-width digits
        ("  46 ", 46),
        ("\u300046\u3000", 46),  # ideographic spaces around
        ("1,808,595", 1808595),
        ("1，808，595", 1808595),  # full-width commas
        ("1 808 595", 1808595),
        ("0", 0),
        ("007", 7),
    ],
)
def test_parse_count_accepts_how_offices_type_numbers(raw, expected):
    assert parse_count(raw, label=LABEL) == expected


@pytest.mark.parametrize("raw", ["", "   ", "-", "—", "－", "无", "——", None])
def test_parse_count_blank_tokens_mean_blank(raw):
    assert parse_count(raw, label=LABEL) is None


@pytest.mark.parametrize(
    "raw,reason",
    [
        ("4a", "不能包含字母"),
        ("abc", "不能包含字母"),
        ("4.5", "不能是小数"),
        ("四十六", "不是数字"),
        ("12,34", "不是数字"),  # not a proper thousands grouping
    ],
)
def test_parse_count_rejects_non_numbers_naming_field_and_rule(raw, reason):
    with pytest.raises(InputError) as exc:
        parse_count(raw, label=LABEL)
    message = exc.value.message
    assert message.startswith(LABEL + "：")
    assert reason in message
    assert "非负整数" in message
    assert raw in message


def test_parse_count_rejects_negative_unless_signed():
    with pytest.raises(InputError) as exc:
        parse_count("-3", label=LABEL)
    assert "负数" in exc.value.message and "非负整数" in exc.value.message
    assert parse_count("-3", label="行政许可·本年增/减", signed=True) == -3
    assert parse_count("－３", label="行政许可·本年增/减", signed=True) == -3
    assert parse_count("+2", label="行政许可·本年增/减", signed=True) == 2


def test_parse_count_rejects_absurdly_large_numbers():
    with pytest.raises(InputError) as exc:
        parse_count("9" * 14, label=LABEL)
    assert "超出范围" in exc.value.message


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("271.53", "271.53"),
        ("２７１．５３", "271.53"),
        ("271.50", "271.50"),  # places as written
        ("59,237.2449", "59237.2449"),
        ("0", "0"),
        ("-", None),
        ("无", None),
        ("", None),
    ],
)
def test_parse_money_keeps_places_and_normalises(raw, expected):
    assert parse_money(raw, label="政府集中采购·采购总金额") == expected


@pytest.mark.parametrize("raw,reason", [("1.23456", "小数超过 4 位"), ("-5", "是负数"), ("12万", "不是有效金额")])
def test_parse_money_rejects_bad_amounts(raw, reason):
    with pytest.raises(InputError) as exc:
        parse_money(raw, label="政府集中采购·采购总金额")
    assert exc.value.message.startswith("政府集中采购·采购总金额：")
    assert reason in exc.value.message and "金额" in exc.value.message


def test_format_value_shows_blank_for_none_and_digits_otherwise():
    assert format_value(None) == ""
    assert format_value(1808595) == "1808595"
    assert format_value("271.50") == "271.50"
