import contextlib
import os
import sys
from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError

from annual.cli import INVALID_DOCUMENT
from annual.exports import EXPORTERS, ExportRefused, export_json
from annual.models import Agency, Report
from annual.safe_input import os_error_reason


class Command(BaseCommand):
    help = "把数据库中指定机关、年度的报告导出为文件，格式由输出文件的扩展名决定：" + "、".join(EXPORTERS) + "。"

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True, help="机关名称")
        parser.add_argument("--year", required=True, type=int, help="年度")
        parser.add_argument("-o", "--output", help="输出文件，扩展名决定格式（默认把 JSON 输出到标准输出）")

    def handle(self, *args, agency, year, output=None, **options):
        exporter: Callable[[Report], bytes] = export_json
        if output:
            extension = os.path.splitext(output)[1].lower()
            if extension not in EXPORTERS:
                raise CommandError(
                    f"不支持的输出格式“{extension or output}”：输出文件的扩展名应为" + "、".join(EXPORTERS),
                    returncode=INVALID_DOCUMENT,
                )
            exporter = EXPORTERS[extension]
        # The agency by its current name or a former one (曾用名): its report of `year` either way.
        target, _former = Agency.objects.named(agency.strip())
        report = Report.objects.select_related("agency").filter(agency=target, year=year).first() if target else None
        if report is None:
            raise CommandError(f"没有找到 {agency} 的 {year} 年度报告", returncode=1)
        try:
            data = exporter(report)
        except ExportRefused as exc:
            raise CommandError(str(exc), returncode=INVALID_DOCUMENT) from None
        if not output:
            _write_stdout(self.stdout, data)
            return
        # Write beside the target and rename, so a failed export never leaves half a file.
        partial = f"{output}.partial"
        try:
            with open(partial, "wb") as fh:
                fh.write(data)
            os.replace(partial, output)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.remove(partial)
            raise CommandError(f"无法写入 {output}：{os_error_reason(exc)}", returncode=1) from None
        self.stderr.write(f"已导出到 {output}")


def _write_stdout(stdout, data: bytes) -> None:
    """The document to standard output, flushed here so that a full disk or a closed pipe is a
    message and exit 1, not a traceback (or an error at interpreter exit)."""
    try:
        stdout.write(data.decode("utf-8"), ending="")
        stdout.flush()
    except OSError as exc:
        if stdout._out is sys.stdout:
            # What is still buffered cannot be written either; drop it so the exit does not retry.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.close(devnull)
        raise CommandError(f"无法写入标准输出：{os_error_reason(exc)}", returncode=1) from None
