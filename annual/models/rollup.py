from django.conf import settings
from django.db import models

from .agency import Agency
from .report import Report, ReportState


class RollupBasis(models.Model):
    """What a county government's own report's tables were generated from: the 汇总 document
    at that moment, and (in `sources`) which reports at which revisions made it up.

    Comparing it with today's 汇总 tells whether the report is out of date (「汇总已过期」) and
    what changed since.
    """

    report = models.OneToOneField(
        Report, verbose_name="本级报告", on_delete=models.CASCADE, related_name="rollup_basis"
    )
    document = models.JSONField("生成时的汇总数据")
    generated_at = models.DateTimeField("生成时间", auto_now=True)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="生成人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "汇总来源"
        verbose_name_plural = "汇总来源"

    def __str__(self) -> str:
        return f"{self.report}的汇总来源"


class RollupSource(models.Model):
    """One report that was part of a 汇总, at the revision it had then."""

    basis = models.ForeignKey(RollupBasis, on_delete=models.CASCADE, related_name="sources")
    agency = models.ForeignKey(Agency, verbose_name="机关", on_delete=models.CASCADE, related_name="+")
    # SET_NULL: a source deleted later (only a draft can be) still shows as gone, not as silence.
    source = models.ForeignKey(Report, verbose_name="报告", null=True, on_delete=models.SET_NULL, related_name="+")
    revision = models.PositiveIntegerField("修订号")
    state = models.CharField("状态", max_length=16, choices=ReportState.choices)

    class Meta:
        verbose_name = "汇总所含报告"
        verbose_name_plural = "汇总所含报告"
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.agency}（修订号 {self.revision}）"
