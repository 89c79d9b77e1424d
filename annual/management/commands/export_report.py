from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError

from annual.cli import INVALID_DOCUMENT, output_writer_or_exit, write_output_or_exit
from annual.exports import EXPORTERS, ExportRefused, export_json
from annual.models import Agency, Report


class Command(BaseCommand):
    help = "把数据库中指定机关、年度的报告导出为文件，格式由输出文件的扩展名决定：" + "、".join(EXPORTERS) + "。"

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True, help="机关名称")
        parser.add_argument("--year", required=True, type=int, help="年度")
        parser.add_argument("-o", "--output", help="输出文件，扩展名决定格式（默认把 JSON 输出到标准输出）")

    def handle(self, *args, agency, year, output=None, **options):
        exporter: Callable[[Report], bytes] = output_writer_or_exit(output, EXPORTERS, export_json)
        # The agency by its current name or a former one (曾用名): its report of `year` either way.
        target, _former = Agency.objects.named(agency.strip())
        report = Report.objects.select_related("agency").filter(agency=target, year=year).first() if target else None
        if report is None:
            raise CommandError(f"没有找到 {agency} 的 {year} 年度报告", returncode=1)
        try:
            data = exporter(report)
        except ExportRefused as exc:
            raise CommandError(str(exc), returncode=INVALID_DOCUMENT) from None
        if write_output_or_exit(self.stdout, output, data):
            self.stderr.write(f"已导出到 {output}")
