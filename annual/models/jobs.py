from django.conf import settings
from django.db import models
from django.db.models import Q

from .agency import Agency
from .report import Report


class JobKind(models.TextChoices):
    FINAL_PDF = "final_pdf", "定稿 PDF"
    DRAFT_PDF = "draft_pdf", "草稿 PDF"
    NOTIFY = "notify", "通知邮件"
    REMINDERS = "reminders", "催报提醒"
    COUNTY_PDFS = "county_pdfs", "全县定稿 PDF"
    COUNTY_PACKAGES = "county_packages", "全县发布包"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "生成中"
    RETRYING = "retrying", "等待重试"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class Job(models.Model):
    """One piece of background work and its outcome; pages poll this row, never the queue.

    The row is written before the task is sent (and the task only after the surrounding
    transaction commits), so a lost message or a queue outage leaves a row that can be sent
    again; the task itself takes only this row's primary key.
    """

    kind = models.CharField("类型", max_length=20, choices=JobKind.choices)
    status = models.CharField("状态", max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    attempts = models.PositiveIntegerField("已尝试次数", default=0)
    error = models.TextField("错误", blank=True)
    report = models.ForeignKey(
        Report, verbose_name="报告", null=True, blank=True, on_delete=models.CASCADE, related_name="jobs"
    )
    agency = models.ForeignKey(
        Agency, verbose_name="机关", null=True, blank=True, on_delete=models.CASCADE, related_name="jobs"
    )
    snapshot = models.ForeignKey(
        "annual.ReportSnapshot", null=True, blank=True, on_delete=models.CASCADE, related_name="jobs"
    )
    # Draft PDFs: which version of the report the output shows (revision, state, last change).
    key = models.CharField("版本", max_length=100, blank=True)
    params = models.JSONField("参数", default=dict, blank=True)
    output = models.FileField("输出文件", blank=True, max_length=300)
    output_sha256 = models.CharField("输出 SHA-256", max_length=64, blank=True)
    output_size = models.BigIntegerField("输出字节数", default=0)
    worker = models.CharField("执行进程", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    # When the task message was handed to the broker; empty means it never reached the queue
    # (Redis was down), and the periodic sweep sends it again.
    sent_at = models.DateTimeField("入队时间", null=True, blank=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    # Written every few seconds by the worker running the job: a running job whose beat stopped
    # lost its worker and is sent again (annual.jobs.requeue_stale).
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)
    used_at = models.DateTimeField("最近使用", null=True, blank=True)

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at", "-pk"]
        constraints = [
            # A rerun of the final-PDF job finds this row instead of starting a second one.
            models.UniqueConstraint(fields=["snapshot"], condition=Q(kind="final_pdf"), name="one_final_pdf_job"),
            # The draft cache: one entry per report version.
            models.UniqueConstraint(
                fields=["report", "key"], condition=Q(kind="draft_pdf"), name="one_draft_pdf_per_version"
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="job_status_created")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}（{self.get_status_display()}）"

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)
