"""Forms of the county's round board: due dates and reminders."""

from __future__ import annotations

from typing import cast

from django import forms

from ..models import RoundDeadline

DATE_FORMAT = "%Y-%m-%d"
DATE_ATTRS = {"type": "date", "class": "form-control form-control-sm"}


class DeadlineForm(forms.ModelForm):
    class Meta:
        model = RoundDeadline
        fields = ("subordinates_due", "own_due")
        widgets = {
            "subordinates_due": forms.DateInput(attrs=DATE_ATTRS, format=DATE_FORMAT),
            "own_due": forms.DateInput(attrs=DATE_ATTRS, format=DATE_FORMAT),
        }
        error_messages = {
            "subordinates_due": {
                "required": "请填写下级机关报告截止日期。",
                "invalid": "下级机关报告截止日期格式应为 YYYY-MM-DD。",
            },
            "own_due": {"required": "请填写本级报告截止日期。", "invalid": "本级报告截止日期格式应为 YYYY-MM-DD。"},
        }


class ReminderForm(forms.Form):
    agency = forms.TypedMultipleChoiceField(
        coerce=int, error_messages={"required": "请先勾选要提醒的机关。", "invalid_choice": "所选机关不在本工作台中。"}
    )
    insist = forms.BooleanField(required=False)

    def __init__(self, *args, agency_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.TypedMultipleChoiceField, self.fields["agency"]).choices = [(pk, pk) for pk in agency_ids]
