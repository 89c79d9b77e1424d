"""The county's annual round: due dates per county and year, and the reminders sent."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from .agency import Agency


def default_due_dates(year: int) -> tuple[datetime.date, datetime.date]:
    """The legal due dates of year `year`'s reports: subordinates 1月31日, the county 3月31日, of year + 1."""
    return datetime.date(year + 1, 1, 31), datetime.date(year + 1, 3, 31)


class RoundDeadline(models.Model):
    """The two due dates a county (any agency with subordinates) sets for one year's round."""

    agency = models.ForeignKey(Agency, verbose_name="机关", on_delete=models.CASCADE, related_name="deadlines")
    year = models.PositiveSmallIntegerField("年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    subordinates_due = models.DateField("下级机关报告截止日期")
    own_due = models.DateField("本级报告截止日期")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="设置人", null=True, blank=True, on_delete=models.SET_NULL
    )
    updated_at = models.DateTimeField("设置时间", auto_now=True)

    class Meta:
        verbose_name = "截止日期"
        verbose_name_plural = "截止日期"
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="one_deadline_per_agency_and_year")]

    def __str__(self) -> str:
        return f"{self.agency} {self.year} 年度"

    def clean(self) -> None:
        if self.subordinates_due and self.own_due and self.subordinates_due > self.own_due:
            raise ValidationError({"subordinates_due": "下级机关报告的截止日期不能晚于本级报告的截止日期。"})
        if self.year and self.subordinates_due and self.subordinates_due.year < self.year:
            raise ValidationError({"subordinates_due": f"截止日期应在 {self.year} 年度之后。"})
        if self.year:
            # 条例第五十条 sets the latest dates; a county may ask for its reports earlier only.
            sub_legal, own_legal = default_due_dates(self.year)
            if self.subordinates_due and self.subordinates_due > sub_legal:
                raise ValidationError(
                    {"subordinates_due": f"下级机关报告的截止日期不能晚于法定期限 {sub_legal:%Y年%m月%d日}。"}
                )
            if self.own_due and self.own_due > own_legal:
                raise ValidationError({"own_due": f"本级报告的截止日期不能晚于法定期限 {own_legal:%Y年%m月%d日}。"})


class Reminder(models.Model):
    """One reminder e-mail about one agency's report of one year: who sent it, to whom, when."""

    agency = models.ForeignKey(Agency, verbose_name="被提醒机关", on_delete=models.CASCADE, related_name="reminders")
    year = models.PositiveSmallIntegerField("年度")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发送人", null=True, on_delete=models.SET_NULL)
    recipients = models.JSONField("收件人", default=list)
    sent_at = models.DateTimeField("时间", auto_now_add=True)
    insisted = models.BooleanField("当天再次提醒", default=False)

    class Meta:
        verbose_name = "催报提醒"
        verbose_name_plural = "催报提醒"
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["agency", "year", "sent_at"], name="reminder_agency_year")]

    def __str__(self) -> str:
        return f"{self.agency} {self.year} 年度 · {self.sent_at:%Y-%m-%d %H:%M}"
