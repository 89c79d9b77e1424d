from django.conf import settings
from django.db import models

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
