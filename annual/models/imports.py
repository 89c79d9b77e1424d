from django.conf import settings
from django.db import models

from .agency import Agency
from .report import Report


class WorkbookImport(models.Model):
    """An uploaded workbook between its preview and its application to the report.

    The file and the document read from it live here, in the database, so the preview and the
    apply may be served by different app servers. `base_revision` is the report's revision the
    preview was computed against: applying after anyone else saved is refused, so what the
    user confirmed is exactly what changes. Applied rows are kept as a record of the upload.
    """

    report = models.ForeignKey(Report, verbose_name="报告", on_delete=models.CASCADE, related_name="workbook_imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    filename = models.CharField("文件名", max_length=255)
    data = models.BinaryField("工作簿文件")
    sha256 = models.CharField("SHA-256", max_length=64)
    document = models.JSONField("读出的报告文档")
    base_revision = models.PositiveIntegerField("预览时的报告修订号")
    applied_at = models.DateTimeField("导入时间", null=True, blank=True)

    class Meta:
        verbose_name = "Excel 导入"
        verbose_name_plural = "Excel 导入"
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename}（{self.uploaded_at:%Y-%m-%d %H:%M}）"


# How a published report that has a PublishedSource is shown wherever its state is.
IMPORTED_LABEL = "已发布（导入）"


class PublishedSource(models.Model):
    """The published file (PDF or portal page) a report was read from, kept as it was received.

    A report with one is 已发布（导入）: its figures were read from this file by
    `annual.published`, not entered here. The bytes stay in the database, as a workbook
    upload's do, so any app server can hand them out; `sha256` lets anyone check the download
    against the original. `notes` and `warnings` are what the reader said (元 converted to 万元,
    cells it could not read); `corrections` are the cells a person changed before confirming,
    each {"path", "read", "value"}. An upload on the web waits here, with `report` still empty,
    until it is confirmed (the page shows what was read; nothing is a report before that).
    """

    agency = models.ForeignKey(Agency, verbose_name="机关", on_delete=models.PROTECT, related_name="+")
    report = models.OneToOneField(
        Report, verbose_name="报告", on_delete=models.PROTECT, related_name="published_source", null=True, blank=True
    )
    filename = models.CharField("文件名", max_length=255)
    kind = models.CharField("文件类型", max_length=8, choices=[("pdf", "PDF"), ("html", "网页")])
    data = models.BinaryField("原始文件")
    sha256 = models.CharField("SHA-256", max_length=64)
    pages = models.PositiveIntegerField("页数", default=0)
    cells_read = models.PositiveIntegerField("读出的单元格数", default=0)
    notes = models.JSONField("读取说明", default=list, blank=True)
    warnings = models.JSONField("读取警告", default=list, blank=True)
    corrections = models.JSONField("导入前的更正", default=list, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导入人", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    imported_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "已发布报告原件"
        ordering = ["-imported_at", "-pk"]
        verbose_name_plural = "已发布报告原件"

    def __str__(self) -> str:
        return f"{self.filename}（SHA-256 {self.sha256[:12]}…）"
