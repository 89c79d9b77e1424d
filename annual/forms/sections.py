"""One form per entry step. Field names are the cells' dotted paths in the report document
(`applications.received.natural_person`, `meta.contact.phone`, `overview`), so a finding's cells
name the inputs they concern and the review page can link straight to them.

Every form carries `revision` and `report_revision`: the section's and the report's revision
when the page was loaded. `sections.save_section` compares the first to notice someone else's
save, and merges against the values of the second, cell by cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row
from django import forms
from django.db import models

from .. import rules
from .. import template_spec as spec
from ..document import (
    DATE_RANGE_MESSAGE,
    MAX_DATE,
    MAX_TEXT_CHARS,
    MIN_DATE,
    blank_document,
    control_character_problem,
)
from ..layout import Cell, Table, TableRow, build_table, unit_after_value
from ..models import Report
from ..normalize import BLANK_TOKENS, PATTERNS, RULE_HINTS, format_value
from ..sections import TEXT_KEYS, section_revision, section_values
from .fields import CountField, MoneyField


class SectionForm(forms.Form):
    """Base of every step's form: initial values from the document, plus the loaded revision."""

    key = ""
    revision = forms.IntegerField(
        label="页面版本号",
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={
            "required": "页面版本号（revision）缺失：页面不完整，请刷新页面后重新保存",
            "invalid": "页面版本号（revision）应为整数：请刷新页面后重新保存",
            "min_value": "页面版本号（revision）不能为负数：请刷新页面后重新保存",
        },
    )
    report_revision = forms.IntegerField(
        label="报告版本号",
        widget=forms.HiddenInput,
        min_value=0,
        required=False,
        error_messages={
            "invalid": "报告版本号（report_revision）应为整数：请刷新页面后重新保存",
            "min_value": "报告版本号（report_revision）不能为负数：请刷新页面后重新保存",
        },
    )

    def __init__(self, data=None, *, report: Report, doc: dict | None, readonly: bool = False):
        """`doc` gives the saved values shown by an unbound form; a bound form to be saved
        needs none (so a save does not read the rows first)."""
        self.report = report
        self.version = report.template
        self.readonly = readonly
        initial = section_values(doc, report, self.key) if doc is not None else {}
        initial["revision"] = section_revision(report, self.key)
        initial["report_revision"] = report.revision
        super().__init__(data, initial=initial)
        if readonly:
            for f in self.fields.values():
                f.disabled = True

    @property
    def value_names(self) -> list[str]:
        return [name for name in self.fields if name not in ("revision", "report_revision")]

    def clean(self):
        cleaned = super().clean()
        if self.is_bound and not self.readonly:
            # The page always submits every input of its section, blank ones as "" (none is
            # ever disabled). A post without some of them is not the page: saving it would
            # blank those cells, so nothing is saved.
            missing = [name for name in self.value_names if name not in self.data]
            if missing:
                labels = "、".join(str(self.fields[n].label) for n in missing[:3])
                more = f"等 {len(missing)} 项" if len(missing) > 3 else ""
                raise forms.ValidationError(
                    f"提交的内容不完整：缺少{labels}{more}。为免清空已保存的数据，本次没有保存任何内容，"
                    "请刷新页面后重新填写保存",
                    code="incomplete",
                )
        return cleaned

    def section_values(self) -> dict:
        """The cleaned values, keyed by cell path, for `sections.save_section`."""
        return {name: self.cleaned_data[name] for name in self.value_names}

    def shown(self, name: str) -> str:
        """What an input shows: what was typed when bound (never lose input), else the saved value."""
        if self.is_bound and not self.readonly:
            return self.data.get(name, "")
        return format_value(self.initial.get(name))

    def error_list(self) -> list[dict]:
        """Every field error as one line that names its field (cell errors already do)."""
        result = []
        for name, errors in self.errors.items():
            label = str(self.fields[name].label) if name in self.fields else ""
            for message in errors:
                text = str(message)
                text = text if not label or text.startswith(label) else f"{label}：{text}"
                result.append({"name": name, "text": text})
        return result

    def labels(self) -> dict[str, str]:
        return {name: str(self.fields[name].label) for name in self.value_names}


# --- 基本信息 ----------------------------------------------------------------------------------


def _date_in_range(value) -> None:
    if value is not None and not MIN_DATE <= value <= MAX_DATE:
        raise forms.ValidationError(f"{DATE_RANGE_MESSAGE}，实际为 {value.isoformat()}")


def _max_length(column: str) -> int:
    field = Report._meta.get_field(column)
    assert isinstance(field, models.CharField) and field.max_length is not None, column
    return field.max_length


class BasicForm(SectionForm):
    key = "basic"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["title"].help_text = f"留空则使用“{self.report.default_title}”"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        meta = [f"meta.{k}" for k, _ in spec.META_FIELDS]
        contact = [f"meta.contact.{k}" for k, _ in spec.CONTACT_FIELDS]
        self.helper.layout = Layout(
            Row(Column("agency", css_class="col-md-5"), Column("title", css_class="col-md-7")),
            Row(*[Column(name, css_class="col-md-3") for name in meta[:4]]),
            Row(
                Column(meta[4], css_class="col-md-3"),
                Column(meta[5], css_class="col-md-3"),
                Column(meta[6], css_class="col-md-6"),
            ),
            Row(
                Column(contact[0], css_class="col-md-4"), *[Column(name, css_class="col-md-2") for name in contact[1:]]
            ),
            Field("intro"),
            "revision",
            "report_revision",
        )

    @classmethod
    def build_fields(cls) -> dict[str, forms.Field]:
        fields: dict[str, forms.Field] = {
            "agency": forms.CharField(label="机关名称（标题中的写法）", max_length=_max_length("agency_label")),
            "title": forms.CharField(
                label="标题",
                max_length=_max_length("title"),
                required=False,
                help_text="留空则使用默认标题",
            ),
        }
        for key, label in spec.META_FIELDS:
            if key in spec.META_DATE_FIELDS:
                fields[f"meta.{key}"] = forms.DateField(
                    label=label,
                    required=False,
                    validators=[_date_in_range],
                    widget=forms.DateInput(
                        attrs={"type": "date", "min": MIN_DATE.isoformat(), "max": MAX_DATE.isoformat()},
                        format="%Y-%m-%d",
                    ),
                )
            else:
                fields[f"meta.{key}"] = forms.CharField(
                    label=label,
                    required=False,
                    empty_value=None,
                    max_length=_max_length(key),
                )
        for key, label in spec.CONTACT_FIELDS:
            fields[f"meta.contact.{key}"] = forms.CharField(
                label=label,
                required=False,
                empty_value=None,
                max_length=_max_length(f"contact_{key}"),
            )
        fields["intro"] = forms.CharField(
            label=spec.INTRO_LABEL,
            required=False,
            max_length=MAX_TEXT_CHARS,
            widget=forms.Textarea(attrs={"rows": 7, "data-charcount": "1"}),
            help_text="写明编制依据、统计期限、电子版下载网址和联系方式。",
        )
        return fields

    def clean_agency(self):
        name = self.cleaned_data["agency"]
        problem = control_character_problem(name)
        if problem:
            raise forms.ValidationError(problem)
        return name

    def clean_intro(self):
        return _newlines(self.cleaned_data["intro"])

    def section_values(self) -> dict:
        values = super().section_values()
        for key in spec.META_DATE_FIELDS:
            date = values[f"meta.{key}"]
            values[f"meta.{key}"] = date.isoformat() if date else None
        return values


# --- 一、五、六 (narrative) -----------------------------------------------------------------------

TEXT_HINT = "段落之间空一行；以“（一）”“（二）”开头的段落作为小标题单独成段。只写正文，不必重复本部分的标题。"


def _newlines(text: str) -> str:
    # Browsers submit CRLF; the document separates paragraphs with "\n\n".
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


class TextSectionForm(SectionForm):
    """一、五、六: one roomy text area."""

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if self.key in cleaned:
            cleaned[self.key] = _newlines(cleaned[self.key])
        return cleaned

    @property
    def text_field(self):
        return self[self.key]

    @property
    def aspects(self) -> tuple[str, ...]:
        """For 一 in the 2021 format: the five aspects the overview is expected to cover."""
        return spec.OVERVIEW_ASPECTS_2021 if self.key == "overview" and self.version == spec.V2021 else ()


def _text_fields(key: str) -> dict[str, forms.Field]:
    section = spec.SECTIONS_BY_KEY[key]
    return {
        key: forms.CharField(
            label=section.heading,
            required=False,
            max_length=MAX_TEXT_CHARS,
            strip=False,
            widget=forms.Textarea(attrs={"rows": 22, "data-charcount": "1", "spellcheck": "false"}),
        )
    }


# --- 二、三、四: the official tables ----------------------------------------------------------------


@dataclass(frozen=True)
class EntryCell(Cell):
    """A cell of the entry grid: the layout's cell whose `text` is what its input shows, with
    the first error of that input (value cells only)."""

    error: str = ""

    @property
    def unit(self) -> str:
        """The unit shown after the input, where the printed value carries it (万元)."""
        return unit_after_value(self.kind, self.label)


class TableForm(SectionForm):
    """二, 三 or 四 as the official table of `annual.layout`: one field per value cell."""

    @classmethod
    def build_fields(cls, key: str, version: str) -> dict[str, forms.Field]:
        fields: dict[str, forms.Field] = {}
        for cell in blank_table(key, version).value_cells():
            if cell.kind == spec.MONEY:
                fields[cell.path] = MoneyField(cell_label=cell.label)
            else:
                fields[cell.path] = CountField(cell_label=cell.label, signed=cell.kind == spec.SIGNED)
        return fields

    def entry_table(self, doc: dict) -> Table:
        """The section's table with each value cell showing its input's text and first error:
        what was typed when the form is bound (never lose input), else the saved value."""
        table = build_table(doc, self.key)
        errors = self.errors if self.is_bound else {}

        def entry(cell: Cell) -> Cell:
            if not cell.is_value:
                return cell
            problems = errors.get(cell.path)
            return EntryCell(**{**vars(cell), "text": self.shown(cell.path), "error": problems[0] if problems else ""})

        groups = [
            [TableRow([entry(c) for c in row.cells], css=row.css, key=row.key) for row in group]
            for group in table.groups
        ]
        return Table(key=table.key, css=table.css, columns=table.columns, head=table.head, groups=groups)


# What the entry grid says, in the browser (static/annual/grid.js fills in the {names}).
GRID_MESSAGES = {
    "unreadable": "{label}：“{value}”无法识别。{hint}",
    "summary_idle": "勾稽检查（保存时服务器复核）",
    "summary_idle_cells": "填写检查（保存时服务器复核）",
    "summary_ok": "勾稽检查：全部一致",
    "summary_readable": "所有填写均可识别",
    "summary_unreadable": "{n} 处填写无法识别：有这样的格时，按“保存”本页的所有修改都不会保存，请先改正",
    "summary_checks": "{n} 处勾稽错误：可以保存，但提交审核前须改正",
    "auto_total": "自动合计（直接输入可改写，清空恢复自动）",
    "paste_dropped": "粘贴的内容超出表格，以下 {n} 个值未填入：{values}",
}


def grid_config(table: Table, version: str) -> dict:
    """What static/annual/grid.js needs, as JSON: how to read a cell (blank tokens, patterns,
    the rule each kind follows), its messages, and the blocking checks over this table.

    Cells are numbered in document order (the order of `Table.value_cells`, which is the order
    of the inputs on the page), so a check names its cells by number.
    """
    cells = list(table.value_cells())
    index = {cell.path: i for i, cell in enumerate(cells)}
    checks = [
        {
            "rule": c.rule,
            "parts": [index[p] for p in c.parts],
            "targets": [index[p] for p in c.targets],
            "message": c.message,
        }
        for c in rules.blocking_checks(version)
        if all(p in index for p in c.cells)
    ]
    return {
        "kinds": {i: cell.kind for i, cell in enumerate(cells) if cell.kind != spec.COUNT},
        "blank": sorted(BLANK_TOKENS),
        "patterns": PATTERNS,
        "hints": RULE_HINTS,
        "messages": GRID_MESSAGES,
        "checks": checks,
    }


@cache
def blank_table(key: str, version: str) -> Table:
    """The table of section `key` in `version` with every cell blank: the cells a form has."""
    return build_table(blank_document(agency="-", year=int(version), version=version), key)


# --- Building the form class of a step -----------------------------------------------------------


@cache
def form_class_for(key: str, version: str) -> type[SectionForm]:
    """The form class of step `key` in template `version` (built once, fields from the spec)."""
    if key == "basic":
        return type("BasicForm", (BasicForm,), BasicForm.build_fields())
    if key in TEXT_KEYS:
        return type(f"{key.title()}Form", (TextSectionForm,), {"key": key, **_text_fields(key)})
    return type(f"Table{key}{version}Form", (TableForm,), {"key": key, **TableForm.build_fields(key, version)})


# --- New report ---------------------------------------------------------------------------------


class NewReportForm(forms.Form):
    year = forms.IntegerField(
        label="年度",
        min_value=2000,
        max_value=2100,
        error_messages={"min_value": "年度应在 2000 至 2100 之间", "max_value": "年度应在 2000 至 2100 之间"},
    )
