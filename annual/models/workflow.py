from django.conf import settings
from django.db import models

from .. import storage
from .report import Report, ReportState


class Transition(models.Model):
    """A recorded state change of a report: who, when, from what to what, and why."""

    # PROTECT: the audit trail outlives any attempt to delete its report (see workflow's guards).
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="transitions")
    from_state = models.CharField("原状态", max_length=16, choices=ReportState.choices)
    to_state = models.CharField("新状态", max_length=16, choices=ReportState.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, on_delete=models.SET_NULL)
    reason = models.TextField("理由", blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)
    # The report's revision when the transition happened; lets an approver diff since a return.
    revision = models.PositiveIntegerField("修订号", default=0)
    # The report document as it stood at this transition, so a resubmission can be compared
    # with what the approver returned, value by value, without replaying the audit history.
    document = models.JSONField("当时的报告数据", null=True, blank=True)
    # The transition table's action; needed where two actions share states (退回修改 by the own
    # approver, 复核退回 by the county). Empty on rows recorded before actions were stored.
    action = models.CharField("操作", max_length=32, blank=True, default="")

    class Meta:
        verbose_name = "状态变更"
        verbose_name_plural = "状态变更"
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.report}：{self.get_from_state_display()} → {self.get_to_state_display()}"


class ReviewComment(models.Model):
    """An approver's comment on a cell (dotted path), a section (its key) or the whole report ("")."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="comments")
    target = models.CharField("针对", max_length=120, blank=True)
    text = models.TextField("意见")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提出人", null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        verbose_name = "审核意见"
        verbose_name_plural = "审核意见"
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.report}：{self.text[:30]}"


class WarningExplanation(models.Model):
    """The preparer's written explanation of a warning, shown to the approver."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="explanations")
    finding_key = models.CharField(max_length=500)
    text = models.TextField("说明")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "提示说明"
        verbose_name_plural = "提示说明"
        constraints = [
            models.UniqueConstraint(fields=["report", "finding_key"], name="one_explanation_per_finding"),
        ]

    def __str__(self) -> str:
        return f"{self.report}：{self.text[:30]}"


class ReportSnapshot(models.Model):
    """The frozen values of an approved report and the PDF rendered once from them.

    The approval writes this row with the frozen `document` inside its own transaction; the
    PDF is rendered from that document by a job (`annual.jobs`) and stored through Django's
    storage API, with its SHA-256. Until then `sha256` is empty and the report shows
    「定稿生成中」. Served as stored from then on, so the stamped paper copy and the portal copy
    are the same file, provably: `sha256` is shown in the app and checked on every download.
    The PDF is archival (PDF/A-3a) and carries `document` as its `report.json`, whose SHA-256
    is `document_sha256`.
    """

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="snapshots")
    # One snapshot per approval: a rerun of anything after the approval cannot add a second.
    approval = models.OneToOneField(
        Transition,
        verbose_name="审核通过记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="snapshot",
    )
    document = models.JSONField("冻结数据")
    file = models.FileField("PDF 文件", blank=True, max_length=300)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    size = models.BigIntegerField("字节数", default=0)
    # Of `report.json` as embedded in the PDF, byte for byte.
    document_sha256 = models.CharField("数据 SHA-256", max_length=64, blank=True, default="")
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)

    class Meta:
        verbose_name = "定稿快照"
        verbose_name_plural = "定稿快照"
        ordering = ["-created_at", "-pk"]
        get_latest_by = "created_at"

    def __str__(self) -> str:
        return f"{self.report}（{self.sha256[:12]}）"

    @property
    def ready(self) -> bool:
        """The PDF has been rendered and stored."""
        return bool(self.sha256 and self.file)

    @property
    def pdf(self) -> bytes:
        """The stored PDF, verified against `sha256` (b"" while it is being generated).

        Raises `annual.storage.StoredFileError` if the file is missing or its bytes changed.
        """
        if not self.ready or not self.file.name:
            return b""
        return storage.read_verified(self.file.name, self.sha256)
