from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from annual.cli import load_document_or_exit
from annual.formatting import default_title
from annual.pdf import DraftMark, PdfRenderError, render_html, render_pdf

# A bare file has no workflow state: it prints as a draft unless --final says it is the
# approved text (the app's approved copies come from stored snapshots, not from here).
FILE_STATE = "未经审核的文件"


class Command(BaseCommand):
    help = (
        "按官方模板版式生成年度报告 PDF（仅依据 JSON 文件，无需数据库）。"
        "输出文件以 .html 结尾时写出打印用 HTML（链接打印样式表，与交给 WeasyPrint 的内容相同）。"
        "默认按草稿打印（水印「草稿」及页脚状态），--final 打印定稿。退出码：0 成功，2 文档无效，1 生成失败。"
    )
    # A file in, a file out: no database, no URLs, no admin. Django's system checks would import
    # every view and form to check the URL configuration (70 ms of a cold start) for nothing here.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", help="报告 JSON 文件")
        parser.add_argument("-o", "--output", required=True, help="输出文件：.pdf 或 .html")
        parser.add_argument("--title", help=f"标题（默认「{default_title('<机关>', '<年度>')}」）")
        parser.add_argument("--final", action="store_true", help="定稿：不加「草稿」水印和页脚")

    def handle(self, *args, file: str, output: str, title: str | None, final: bool, **options):
        out = Path(output)
        if out.suffix.lower() not in (".pdf", ".html"):
            raise CommandError(f"输出文件 {output} 应以 .pdf 或 .html 结尾")
        doc = load_document_or_exit(file)
        draft = None if final else DraftMark(state=FILE_STATE, printed_at=timezone.localtime())
        try:
            if out.suffix.lower() == ".html":
                data = render_html(doc, title=title, draft=draft).encode("utf-8")
            else:
                data = render_pdf(doc, title=title, draft=draft)
        except PdfRenderError as exc:
            raise CommandError(str(exc)) from None
        try:
            out.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"无法写入 {output}：{exc.strerror}") from None
        self.stdout.write(f"已生成 {output}（{len(data)} 字节）")
