"""Forms of the approval workflow: reasons, publication details, review comments."""

from __future__ import annotations

from django import forms

from .. import template_spec as spec
from ..path_labels import describe_path

WHOLE_REPORT = ""


class TransitionForm(forms.Form):
    """A transition as posted from a page: the reason, and the revision the page showed."""

    reason = forms.CharField(label="理由", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    revision = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class PublishForm(TransitionForm):
    portal_url = forms.URLField(
        label="发布网址",
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"class": "form-control"}),
        error_messages={"invalid": "发布网址不是有效的网址。", "required": "请填写发布网址。"},
    )
    portal_published_on = forms.DateField(
        label="发布日期",
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}),
        error_messages={"invalid": "发布日期格式应为 YYYY-MM-DD。", "required": "请填写发布日期。"},
    )


def comment_targets(version: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Everything a comment can be attached to, grouped for a <select>: the whole report, a
    section, or one table cell, each by the path the findings use."""
    general = [(WHOLE_REPORT, "整份报告")] + [(s.key, s.heading) for s in spec.SECTIONS]
    groups: list[tuple[str, list[tuple[str, str]]]] = [("整份报告或部分", general)]
    proactive = [f"proactive.{item}.{f.key}" for item, fields in spec.proactive_fields(version).items() for f in fields]
    applications = [
        f"applications.{row.key}.{col.key}"
        for row in spec.application_rows(version)
        for col in spec.APPLICATION_COLUMNS
    ]
    review = [f"review_litigation.{g.key}.{f.key}" for g in spec.REVIEW_GROUPS for f in spec.REVIEW_FIELDS]
    for key, paths in (("proactive", proactive), ("applications", applications), ("review_litigation", review)):
        groups.append((spec.SECTIONS_BY_KEY[key].heading, [(p, describe_path(version, p)) for p in paths]))
    return groups


class CommentForm(forms.Form):
    target = forms.ChoiceField(label="针对", required=False, widget=forms.Select(attrs={"class": "form-select"}))
    text = forms.CharField(
        label="意见",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        error_messages={"required": "请填写审核意见。"},
    )

    def __init__(self, *args, version: str, **kwargs):
        super().__init__(*args, **kwargs)
        target = self.fields["target"]
        assert isinstance(target, forms.ChoiceField)
        target.choices = comment_targets(version)
