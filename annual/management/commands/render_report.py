import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from annual.cli import INVALID_DOCUMENT, load_document_or_exit
from annual.formatting import default_title
from annual.pdf import DraftMark, PdfRenderError, render_html, render_pdf
from annual.pdf.batch import render_many, usable_cores
from annual.safe_input import os_error_reason

# A bare file has no workflow state: it prints as a draft unless --final says it is the
# approved text (the app's approved copies come from stored snapshots, not from here).
FILE_STATE = "未经审核的文件"


class Command(BaseCommand):
    help = (
        "按官方模板版式生成年度报告 PDF（仅依据 JSON 文件，无需数据库）。"
        "-o OUT：一个文件；输出文件以 .html 结尾时写出打印用 HTML（链接打印样式表，与交给 WeasyPrint 的内容相同）。"
        "--out-dir DIR：一次生成多个文件，每个输入生成 DIR/<输入文件名>.pdf，"
        "多个文件时分在本机各 CPU 核上同时生成（--jobs 指定个数）。"
        "默认按草稿打印（水印「草稿」及页脚状态），--final 打印定稿。"
        "退出码：0 成功，2 有文档无效（无效的文档不生成任何文件），1 生成失败。"
    )
    # A file in, a file out: no database, no URLs, no admin. Django's system checks would import
    # every view and form to check the URL configuration (70 ms of a cold start) for nothing here.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="报告 JSON 文件（可多个，配合 --out-dir）")
        parser.add_argument("-o", "--output", help="输出文件：.pdf 或 .html（只用于一个输入文件）")
        parser.add_argument("--out-dir", help="输出目录：每个输入文件生成 <输入文件名>.pdf")
        parser.add_argument("--title", help=f"标题（默认「{default_title('<机关>', '<年度>')}」）")
        parser.add_argument("--final", action="store_true", help="定稿：不加「草稿」水印和页脚")
        parser.add_argument(
            "--jobs",
            type=int,
            default=0,
            metavar="N",
            help=f"配合 --out-dir：同时生成的进程数（默认为可用 CPU 核数，本机 {usable_cores()}；1 为逐个生成）",
        )

    def handle(
        self,
        *args,
        files: list[str],
        output: str | None,
        out_dir: str | None,
        title: str | None,
        final: bool,
        jobs: int = 0,
        **options,
    ):
        if jobs < 0:
            raise CommandError("--jobs 应为正整数（0 或不填为可用 CPU 核数）", returncode=INVALID_DOCUMENT)
        if (output is None) == (out_dir is None):
            raise CommandError(
                "请用 -o 指定一个输出文件，或用 --out-dir 指定输出目录（二者选一）", returncode=INVALID_DOCUMENT
            )
        if output is not None:
            if len(files) != 1:
                raise CommandError("-o 只能用于一个输入文件；多个文件请用 --out-dir", returncode=INVALID_DOCUMENT)
            self._render_one(files[0], Path(output), title, final)
        elif out_dir is not None:
            self._render_many(files, Path(out_dir), title, final, jobs)

    def _draft(self, final: bool) -> DraftMark | None:
        return None if final else DraftMark(state=FILE_STATE, printed_at=timezone.localtime())

    def _render_one(self, file: str, out: Path, title: str | None, final: bool) -> None:
        if out.suffix.lower() not in (".pdf", ".html"):
            raise CommandError(f"输出文件 {out} 应以 .pdf 或 .html 结尾")
        doc = load_document_or_exit(file)
        try:
            if out.suffix.lower() == ".html":
                data = render_html(doc, title=title, draft=self._draft(final)).encode("utf-8")
            else:
                data = render_pdf(doc, title=title, draft=self._draft(final))
        except PdfRenderError as exc:
            raise CommandError(str(exc)) from None
        try:
            out.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"无法写入 {out}：{os_error_reason(exc)}") from None
        self.stdout.write(f"已生成 {out}（{len(data)} 字节）")

    def _render_many(self, files: list[str], out_dir: Path, title: str | None, final: bool, jobs: int) -> None:
        """Every valid input becomes DIR/<stem>.pdf; an invalid one is reported and gets no file.

        Inputs are all read and checked first, then printed on `jobs` processes (batch.py).
        Each PDF is written to a temporary file in DIR and renamed into place, so a PDF that
        exists is always complete. Exit 2 if any input was invalid, 1 if any failed to render.
        """
        targets: dict[str, str] = {}
        for file in files:
            name = Path(file).stem + ".pdf"
            if name in targets:
                raise CommandError(
                    f"{targets[name]} 和 {file} 会生成同名文件 {name}，请改名后再生成", returncode=INVALID_DOCUMENT
                )
            targets[name] = file
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(f"无法创建输出目录 {out_dir}：{os_error_reason(exc)}") from None
        invalid, failed, valid = [], [], []
        for name, file in targets.items():
            try:
                valid.append((name, file, load_document_or_exit(file)))
            except CommandError as exc:
                self.stderr.write(str(exc))
                invalid.append(file)
        printed = render_many(
            ((doc, {"title": title, "draft": self._draft(final)}) for _, _, doc in valid), workers=jobs or None
        )
        for (name, file, _), data in zip(valid, printed, strict=True):
            out = out_dir / name
            try:
                if isinstance(data, PdfRenderError):
                    raise data
                _write_atomically(out, data)
            except (PdfRenderError, OSError) as exc:
                reason = os_error_reason(exc) if isinstance(exc, OSError) else str(exc)
                self.stderr.write(f"{file} 生成失败：{reason}")
                failed.append(file)
                continue
            self.stdout.write(f"已生成 {out}（{len(data)} 字节）")
        done = len(targets) - len(invalid) - len(failed)
        summary = f"共 {len(targets)} 个文件：生成 {done} 个，无效 {len(invalid)} 个，失败 {len(failed)} 个。"
        if invalid:
            raise CommandError(summary, returncode=INVALID_DOCUMENT)
        if failed:
            raise CommandError(summary)
        self.stdout.write(summary)


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
