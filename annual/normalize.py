"""Normalising what people type into a count or money cell.

Offices copy figures from paper ledgers, Excel and WPS: full-width digits (４６), thousands
separators (1,808,595), surrounding spaces, and a dash or 无 for "none". All of that is accepted
here and turned into the document's values (an int, a money string, or None for a blank cell).
Anything else raises `InputError` with a Chinese message that names the field and the rule,
so the form can show it on that field.

The entry grid's JavaScript reads numbers the same way for its live sums (static/annual/grid.js,
`parseCell`); the server is the authority, this module decides what is saved.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from . import template_spec as spec
from .document import MAX_COUNT
from .money import MONEY_LIMIT_TEXT, MONEY_RE

# Typed for "none": the blank cell. Full-width and doubled dashes are common in Chinese forms.
BLANK_TOKENS = frozenset({"", "-", "--", "—", "——", "－", "－－", "–", "无"})

_MINUS_SIGNS = str.maketrans({"−": "-", "－": "-", "﹣": "-"})
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:[,，\s]\d{3})+(?:\.\d+)?$", re.ASCII)
_INTEGER = re.compile(r"^[+-]?\d+$", re.ASCII)
# More digits than MAX_COUNT has can only be out of range; checked before int(), which refuses
# strings over 4300 digits with a ValueError.
_COUNT_DIGITS = len(str(MAX_COUNT))

COUNT_RULE = "非负整数"
SIGNED_RULE = "整数"
MONEY_RULE = "金额"


BLANK_HINT = "“-”“无”或留空表示空白"
# What each kind of cell takes, as the end of a message about a value that is not of that kind.
RULE_HINTS = {
    spec.COUNT: f"按“{COUNT_RULE}”规则应填写不小于 0 的整数；{BLANK_HINT}",
    spec.SIGNED: f"按“{SIGNED_RULE}”规则应填写整数（可为负数，如 -3）；{BLANK_HINT}",
    spec.MONEY: f"按“{MONEY_RULE}”规则应填写以万元计、最多 4 位小数的非负数（如 271.53）；{BLANK_HINT}",
}
# The patterns the browser uses to read a cell the way this module does (static/annual/grid.js).
PATTERNS = {"grouped": _GROUPED.pattern, "integer": _INTEGER.pattern, "money": MONEY_RE.pattern}


class InputError(ValueError):
    """A typed value that is not a number of the required kind; `message` is shown on the field."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def _lookalike(raw: str) -> str | None:
    """The first character that NFKC would turn into a digit but nobody types as one: circled
    and parenthesised numbers (①), super- and subscripts (²), fractions, Roman numerals and
    other scripts' digits (٣). NFKC would make "①②" 12 and "10²" 102."""
    for ch in raw:
        if ch.isascii() or "０" <= ch <= "９":
            continue
        if unicodedata.category(ch) in ("Nd", "No", "Nl"):
            return ch
    return None


def _clean(raw: str | None, *, label: str = "") -> str | None:
    """NFKC (full-width digits, commas, spaces become ASCII), trimmed; None when blank."""
    if raw is None:
        return None
    odd = _lookalike(str(raw))
    if odd is not None:
        raise InputError(f"{label}：“{_shown(raw)}”含有不能作为数字的字符“{odd}”，请用 0–9 填写")
    text = unicodedata.normalize("NFKC", str(raw)).translate(_MINUS_SIGNS).strip()
    if text in BLANK_TOKENS:
        return None
    if _GROUPED.match(text):
        text = re.sub(r"[,，\s]", "", text)
    return text


def _shown(raw: str | None) -> str:
    raw = str(raw).strip()
    return raw if len(raw) <= 20 else raw[:20] + "…"


def parse_count(raw: str | None, *, label: str, signed: bool = False) -> int | None:
    """A count cell: a whole number (>= 0 unless `signed`), or None for blank."""
    text = _clean(raw, label=label)
    if text is None:
        return None
    hint = RULE_HINTS[spec.SIGNED if signed else spec.COUNT]
    if not _INTEGER.match(text):
        if re.match(r"^[+-]?\d+\.\d*$", text):
            reason = "不能是小数"
        elif re.search(r"[A-Za-z]", text):
            reason = "不能包含字母"
        else:
            reason = "不是数字"
        raise InputError(f"{label}：“{_shown(raw)}”{reason}。{hint}")
    if len(text.lstrip("+-").lstrip("0")) > _COUNT_DIGITS:
        raise InputError(f"{label}：“{_shown(raw)}”超出范围，最大为 {MAX_COUNT}")
    value = int(text)
    if value < 0 and not signed:
        raise InputError(f"{label}：“{_shown(raw)}”是负数。{hint.split('；')[0]}")
    if abs(value) > MAX_COUNT:
        raise InputError(f"{label}：“{_shown(raw)}”超出范围，最大为 {MAX_COUNT}")
    return value


def parse_money(raw: str | None, *, label: str) -> str | None:
    """A money cell in 万元: a decimal string with at most 4 places as typed, or None for blank."""
    text = _clean(raw, label=label)
    if text is None:
        return None
    text = text.removeprefix("+")
    if re.fullmatch(r"\d+(?:\.\d{1,4})?", text, re.ASCII):
        whole, dot, frac = text.partition(".")
        text = (whole.lstrip("0") or "0") + dot + frac
        if not MONEY_RE.match(text):
            raise InputError(f"{label}：“{_shown(raw)}”超出范围。按“{MONEY_RULE}”规则应填写 {MONEY_LIMIT_TEXT}")
    if not MONEY_RE.match(text):
        if re.match(r"^-\d", text):
            reason = "是负数"
        elif re.match(r"^\d+\.\d{5,}$", text):
            reason = "小数超过 4 位"
        else:
            reason = "不是有效金额"
        raise InputError(f"{label}：“{_shown(raw)}”{reason}。{RULE_HINTS[spec.MONEY]}")
    # Keep the places the office wrote ("271.50" stays "271.50") but drop leading zeros.
    whole, _, frac = text.partition(".")
    whole = str(int(whole))
    return f"{whole}.{frac}" if frac else whole


def format_value(value: int | str | None) -> str:
    """How a stored cell value is shown in an input: blank for None, plain digits otherwise."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)
