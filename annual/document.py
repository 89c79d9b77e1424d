"""The report interchange document (`gov-info-annual-report/1`): parsing and validation.

A document is the plain-dict form of one report, exactly as `shared/spec/report-json.md`
describes it. It is also the in-memory form everything else works on: the rule engine, the PDF
and the exports take a document, and the database converts to and from it (`interchange.py`).

Validation is written against the template spec rather than a JSON Schema so that every message
is in Chinese, names the path of the bad value, and follows the version's rows; and so that
`1.0` or `true` is never accepted as a count.
"""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal
from typing import Any

from . import template_spec as spec
from .money import MONEY_LIMIT_TEXT, MONEY_PLACES, MONEY_RE
from .safe_input import MAX_JSON_BYTES, MAX_JSON_DEPTH, InputFileError, json_depth_exceeds, read_file

# About 50 printed pages of 仿宋 3号 (600 characters a page); a real report's longest section is a
# tenth of that. Measured: four fields at this size print 200 pages in about 8 s, at 100 000 they
# took 25 s (660 pages), too long for a web worker.
MAX_TEXT_CHARS = 30_000
MAX_COUNT = 10**12
# A report's dates (published, signed) fall in the years a report may be about, 2000-2100, or
# just after: 0001-01-01 is a slip, not a date anyone signed on.
MIN_DATE = datetime.date(2000, 1, 1)
MAX_DATE = datetime.date(2101, 12, 31)
DATE_RANGE_MESSAGE = f"日期应在 {MIN_DATE.isoformat()} 至 {MAX_DATE.isoformat()} 之间"

# Line breaks and other control characters in a name: a name is one line wherever it is printed,
# and in a mail header a line break ends the header (the reminders to such an agency failed).
_CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def control_character_problem(name: str) -> str | None:
    """Why `name` (an agency's name) may not be used as it is, or None."""
    found = _CONTROL_CHARACTERS.search(name)
    if found is None:
        return None
    what = "换行符" if found.group() in "\r\n\u2028\u2029" else "控制字符"
    return f"机关名称不能包含{what}（第 {found.start() + 1} 个字符）：名称只能是一行文字"


class DocumentError(Exception):
    """The document is not a valid report; `problems` lists (path, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("；".join(f"{p}：{m}" if p else m for p, m in problems))

    def lines(self) -> list[str]:
        return [f"{path or '（文档）'}：{message}" for path, message in self.problems]


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "布尔值 " + ("true" if value else "false")
    if value is None:
        return "null"
    if isinstance(value, float):
        return f"小数 {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 20 else value[:20] + "…"
        return f"字符串 {json.dumps(shown, ensure_ascii=False)}"
    if isinstance(value, list):
        return "数组"
    if isinstance(value, dict):
        return "对象"
    return repr(value)


class _Validator:
    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append((path, message))

    def obj(self, value: Any, path: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> bool:
        if not isinstance(value, dict):
            self.fail(path, f"应为对象，实际为{_describe(value)}")
            return False
        allowed = set(required) | set(optional)
        for key in value:
            if key not in allowed:
                self.fail(_join(path, key), "不是此格式（或此模板版本）中的字段")
        for key in required:
            if key not in value:
                self.fail(_join(path, key), "缺少此字段")
        return True

    def count(self, value: Any, path: str, *, signed: bool = False) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int):
            kind = "整数" if signed else "不小于 0 的整数"
            self.fail(path, f"应为{kind}或 null，实际为{_describe(value)}")
            return
        if not signed and value < 0:
            self.fail(path, f"数量不能为负数，实际为 {value}")
        elif abs(value) > MAX_COUNT:
            self.fail(path, f"数值超出范围（最大 {MAX_COUNT}），实际为 {value}")

    def money(self, value: Any, path: str) -> None:
        if value is None:
            return
        if (
            isinstance(value, str)
            and re.fullmatch(rf"\d+(\.\d{{1,{MONEY_PLACES}}})?", value, re.ASCII)
            and not MONEY_RE.match(value)
        ):
            self.fail(path, f"金额超出范围：应为 {MONEY_LIMIT_TEXT}，实际为 {_describe(value)}")
        elif not isinstance(value, str) or not MONEY_RE.match(value):
            self.fail(
                path,
                f'金额应为以万元计、最多 4 位小数的数字字符串（如 "271.53"）或 null，'
                f"范围 {MONEY_LIMIT_TEXT}，实际为{_describe(value)}",
            )

    def text(self, value: Any, path: str) -> None:
        if not isinstance(value, str):
            self.fail(path, f"应为文本，实际为{_describe(value)}")
        elif len(value) > MAX_TEXT_CHARS:
            self.fail(path, f"文本过长：{len(value)} 字，上限为 {MAX_TEXT_CHARS} 字")

    def date(self, value: Any, path: str) -> None:
        if not isinstance(value, str):
            self.fail(path, f'应为 ISO 日期（如 "2021-01-29"），实际为{_describe(value)}')
            return
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            self.fail(path, f'应为 ISO 日期（如 "2021-01-29"），实际为{_describe(value)}')
        else:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                self.fail(path, f'应为 ISO 日期（如 "2021-01-29"），实际为{_describe(value)}')
            elif not MIN_DATE <= datetime.date.fromisoformat(value) <= MAX_DATE:
                self.fail(path, f"{DATE_RANGE_MESSAGE}，实际为 {value}")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


TOP_LEVEL_KEYS = (
    "format",
    "template",
    "year",
    "agency",
    "meta",
    "intro",
    "overview",
    "proactive",
    "applications",
    "review_litigation",
    "problems",
    "other_matters",
)


def validate(doc: Any) -> dict:
    """Return `doc` if it is a valid report document, else raise DocumentError."""
    v = _Validator()
    if not v.obj(doc, "", TOP_LEVEL_KEYS):
        raise DocumentError(v.problems)
    if doc.get("format") != spec.FORMAT_ID and "format" in doc:
        v.fail("format", f'不支持的格式 {_describe(doc["format"])}，应为 "{spec.FORMAT_ID}"')
    version = doc.get("template")
    if "template" in doc and version not in spec.VERSIONS:
        v.fail("template", f'未知的模板版本 {_describe(version)}，应为 "2019" 或 "2021"')
        version = None
    year = doc.get("year")
    if "year" in doc and (isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100):
        v.fail("year", f"年度应为 2000 至 2100 之间的整数，实际为{_describe(year)}")
    agency = doc.get("agency")
    if "agency" in doc and (not isinstance(agency, str) or not agency.strip()):
        v.fail("agency", f"应为非空的机关名称，实际为{_describe(agency)}")
    elif isinstance(agency, str) and len(agency) > 200:
        v.fail("agency", "机关名称过长（上限 200 字）")
    elif isinstance(agency, str) and control_character_problem(agency):
        v.fail("agency", str(control_character_problem(agency)))
    for key in spec.TEXT_FIELDS:
        if key in doc:
            v.text(doc[key], key)
    if "meta" in doc:
        _validate_meta(v, doc["meta"])
    if version is not None:
        if "proactive" in doc:
            _validate_proactive(v, doc["proactive"], version)
        if "applications" in doc:
            _validate_applications(v, doc["applications"], version)
    if "review_litigation" in doc:
        _validate_review(v, doc["review_litigation"])
    if v.problems:
        raise DocumentError(v.problems)
    return doc


def _validate_meta(v: _Validator, meta: Any) -> None:
    keys = tuple(k for k, _ in spec.META_FIELDS)
    if not v.obj(meta, "meta", (), keys + ("contact", "printed_variants")):
        return
    variants = meta.get("printed_variants")
    if variants is not None and (
        not isinstance(variants, list) or not all(isinstance(x, str) and x in spec.PRINTED_VARIANTS for x in variants)
    ):
        v.fail("meta.printed_variants", "应为以下值组成的列表：" + "、".join(spec.PRINTED_VARIANTS))
    for key in keys:
        if key not in meta:
            continue
        if key in spec.META_DATE_FIELDS:
            v.date(meta[key], f"meta.{key}")
        elif not isinstance(meta[key], str):
            v.fail(f"meta.{key}", f"应为文本，实际为{_describe(meta[key])}")
        elif len(meta[key]) > 500:
            v.fail(f"meta.{key}", "文本过长（上限 500 字）")
    if "contact" in meta:
        contact = meta["contact"]
        contact_keys = tuple(k for k, _ in spec.CONTACT_FIELDS)
        if v.obj(contact, "meta.contact", (), contact_keys):
            for key in contact_keys:
                if key in contact and not isinstance(contact[key], str):
                    v.fail(f"meta.contact.{key}", f"应为文本，实际为{_describe(contact[key])}")
                elif key in contact and len(contact[key]) > 500:
                    v.fail(f"meta.contact.{key}", "文本过长（上限 500 字）")


def _validate_proactive(v: _Validator, proactive: Any, version: str) -> None:
    fields_by_item = spec.proactive_fields(version)
    if not v.obj(proactive, "proactive", tuple(fields_by_item)):
        return
    for item_key, fields in fields_by_item.items():
        item = proactive.get(item_key)
        path = f"proactive.{item_key}"
        if item_key not in proactive or not v.obj(item, path, tuple(f.key for f in fields)):
            continue
        for f in fields:
            if f.key not in item:
                continue
            if f.kind == spec.MONEY:
                v.money(item[f.key], f"{path}.{f.key}")
            else:
                v.count(item[f.key], f"{path}.{f.key}", signed=f.kind == spec.SIGNED)


def _validate_applications(v: _Validator, applications: Any, version: str) -> None:
    rows = tuple(r.key for r in spec.application_rows(version))
    columns = tuple(c.key for c in spec.APPLICATION_COLUMNS)
    if not v.obj(applications, "applications", rows):
        return
    for row_key in rows:
        if row_key not in applications:
            continue
        path = f"applications.{row_key}"
        row = applications[row_key]
        if v.obj(row, path, columns):
            for col in columns:
                if col in row:
                    v.count(row[col], f"{path}.{col}")


def _validate_review(v: _Validator, review: Any) -> None:
    groups = tuple(g.key for g in spec.REVIEW_GROUPS)
    fields = tuple(f.key for f in spec.REVIEW_FIELDS)
    if not v.obj(review, "review_litigation", groups):
        return
    for g in groups:
        if g not in review:
            continue
        path = f"review_litigation.{g}"
        if v.obj(review[g], path, fields):
            for f in fields:
                if f in review[g]:
                    v.count(review[g][f], f"{path}.{f}")


def parse(raw: bytes | str) -> dict:
    """Decode and validate a document; DocumentError on bad JSON or bad content."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DocumentError([("", f"文件不是 UTF-8 编码（第 {exc.start} 字节处）")]) from None
    if json_depth_exceeds(raw):
        raise DocumentError([("", f"JSON 嵌套层数过多（超过 {MAX_JSON_DEPTH} 层），不是年度报告文档")])
    try:
        doc = json.loads(raw, parse_constant=_reject_constant, object_pairs_hook=_unique_keys)
    except DuplicateKey as exc:
        # The hook sees an object before its parent, so the key is named, not its full path.
        raise DocumentError([("", f'字段 "{exc.key}" 在同一个对象中重复出现；每个字段只能写一次')]) from None
    except json.JSONDecodeError as exc:
        raise DocumentError(
            [("", f"JSON 格式错误：第 {exc.lineno} 行第 {exc.colno} 列，{_json_reason(exc.msg)}")]
        ) from None
    except ValueError as exc:
        raise DocumentError([("", f"JSON 格式错误：{exc}")]) from None
    return validate(doc)


class DuplicateKey(ValueError):
    def __init__(self, key: str):
        self.key = key
        super().__init__(key)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict:
    """json's object hook: refuse an object that names a key twice (json keeps the last one
    silently, so a second "year" would win unnoticed)."""
    seen: dict = {}
    for key, value in pairs:
        if key in seen:
            raise DuplicateKey(key)
        seen[key] = value
    return seen


def _reject_constant(name: str) -> Any:
    raise ValueError(f"不允许的数值 {name}")


_JSON_REASONS = {
    "Expecting value": "此处应为一个值",
    "Expecting property name enclosed in double quotes": "属性名应使用双引号",
    "Expecting ',' delimiter": "缺少逗号",
    "Expecting ':' delimiter": "缺少冒号",
    "Unterminated string starting at": "字符串没有结束引号",
    "Extra data": "文档结束后还有多余内容",
    "Invalid control character at": "字符串中有控制字符",
}


def _json_reason(msg: str) -> str:
    return _JSON_REASONS.get(msg, msg)


def load_file(path: str) -> dict:
    """The valid document in the file `path` (read through `annual.safe_input`, capped at
    `MAX_JSON_BYTES`); DocumentError otherwise."""
    try:
        raw = read_file(path, limit=MAX_JSON_BYTES, what="报告 JSON 文件")
    except InputFileError as exc:
        raise DocumentError([("", exc.message)]) from None
    return parse(raw)


# --- Building and reading documents -----------------------------------------------------------


def blank_document(*, agency: str, year: int, version: str | None = None) -> dict:
    """A valid document with every count blank and every text empty."""
    version = version or spec.version_for_year(year)
    return {
        "format": spec.FORMAT_ID,
        "template": version,
        "year": year,
        "agency": agency,
        "meta": {},
        "intro": "",
        "overview": "",
        "proactive": {item: {f.key: None for f in fields} for item, fields in spec.proactive_fields(version).items()},
        "applications": {
            r.key: {c.key: None for c in spec.APPLICATION_COLUMNS} for r in spec.application_rows(version)
        },
        "review_litigation": {g.key: {f.key: None for f in spec.REVIEW_FIELDS} for g in spec.REVIEW_GROUPS},
        "problems": "",
        "other_matters": "",
    }


def value_at(doc: dict, path: str) -> Any:
    """The value at a dotted path such as applications.received.total (None if absent)."""
    node: Any = doc
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def money(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def dumps(doc: dict) -> str:
    """The document as the interchange file holds it: UTF-8 JSON, two-space indent, final newline.

    The one serialisation: the JSON export, the file embedded in the approved PDF and the
    publication package all use it, so the same document always has the same SHA-256.
    """
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
