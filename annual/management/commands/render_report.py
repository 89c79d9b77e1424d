from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from annual.cli import load_document_or_exit
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
        parser.add_argument("file", nargs="+", help="报告 JSON 文件（配合 --out-dir 可给多个）")
        parser.add_argument("-o", "--output", help="输出文件：.pdf 或 .html（单个文件时）")
        parser.add_argument("--out-dir", help="输出目录：每个 FILE.json 生成同名的 .pdf（可一次生成多份）")
        parser.add_argument("--title", help="标题（默认「<机关><年度>年度政府信息公开工作年度报告」）")
        parser.add_argument("--final", action="store_true", help="定稿：不加「草稿」水印和页脚")

    def handle(self, *args, file: list[str], output: str | None, out_dir: str | None, title: str | None,
               final: bool, **options):
        if (output is None) == (out_dir is None):
            raise CommandError("请用 -o 指定一个输出文件，或用 --out-dir 指定输出目录（二者选一）")
        if output is not None:
            if len(file) > 1:
                raise CommandError("多个输入文件时请用 --out-dir 指定输出目录")
            targets = [(file[0], Path(output))]
            if targets[0][1].suffix.lower() not in (".pdf", ".html"):
                raise CommandError(f"输出文件 {output} 应以 .pdf 或 .html 结尾")
        else:
            directory = Path(out_dir)
            if not directory.is_dir():
                raise CommandError(f"输出目录 {out_dir} 不存在")
            targets = [(name, directory / f"{Path(name).stem}.pdf") for name in file]
            if len({out for _, out in targets}) < len(targets):
                raise CommandError("输入文件重名，输出会互相覆盖，请分批生成")
        # Every document is checked before anything is rendered: a batch stops at no half-way point.
        docs = [load_document_or_exit(name) for name, _ in targets]
        draft = None if final else DraftMark(state=FILE_STATE, printed_at=timezone.localtime())
        for doc, (_, out) in zip(docs, targets):
            self._render(doc, out, title=title, draft=draft)

    def _render(self, doc: dict, out: Path, *, title: str | None, draft: DraftMark | None) -> None:
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
            raise CommandError(f"无法写入 {out}：{exc.strerror}") from None
        self.stdout.write(f"已生成 {out}（{len(data)} 字节）")
