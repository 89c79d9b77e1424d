"""Form fields for table cells: what people type is normalised by `annual.normalize`."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from ..normalize import InputError, format_value, parse_count, parse_money


class _CellField(forms.Field):
    """A table cell. `cell_label` names the cell in messages (e.g. 一、本年新收…·自然人)."""

    widget = forms.TextInput

    def __init__(self, *, cell_label: str, **kwargs):
        self.cell_label = cell_label
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", cell_label)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return value if isinstance(value, str) else format_value(value)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "inputmode": "decimal", "autocomplete": "off"}


class CountField(_CellField):
    def __init__(self, *, signed: bool = False, **kwargs):
        self.signed = signed
        super().__init__(**kwargs)

    def to_python(self, value):
        try:
            return parse_count(value, label=self.cell_label, signed=self.signed)
        except InputError as exc:
            raise ValidationError(exc.message, code="non_negative_integer") from None


class MoneyField(_CellField):
    def to_python(self, value):
        try:
            return parse_money(value, label=self.cell_label)
        except InputError as exc:
            raise ValidationError(exc.message, code="money") from None
