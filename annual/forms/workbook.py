from django import forms

from ..imports.xlsx import MAX_WORKBOOK_BYTES, MB


class WorkbookUploadForm(forms.Form):
    """The upload of an edited workbook; its content is judged by `annual.workbook_import`."""

    workbook = forms.FileField(
        label="Excel 工作簿（.xlsx）",
        help_text=f"本报告导出的工作簿或空白模板，在 Excel、WPS 中修改后保存为 .xlsx；不超过 {MAX_WORKBOOK_BYTES // MB} MB",
        error_messages={"required": "请选择要上传的 .xlsx 文件", "empty": "上传的文件是空的"},
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def clean_workbook(self):
        upload = self.cleaned_data["workbook"]
        if upload.size > MAX_WORKBOOK_BYTES:
            raise forms.ValidationError(
                f"文件过大（{upload.size / MB:.1f} MB），年度报告工作簿不超过 {MAX_WORKBOOK_BYTES // MB} MB"
            )
        return upload
