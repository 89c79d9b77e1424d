import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annual.cli import INVALID_DOCUMENT
from annual.exports import EXPORTERS, ExportRefused
from annual.interchange import load_report, report_to_document
from annual.models import Report

JSON = ".json"


class Command(BaseCommand):
    help = ("把数据库中指定机关、年度的报告导出。格式由输出文件的扩展名决定："
            ".json（JSON 文档）、" + "、".join(EXPORTERS) + "；不指定 -o 时向标准输出写 JSON。")

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True, help="机关名称")
        parser.add_argument("--year", required=True, type=int, help="年度")
        parser.add_argument("-o", "--output", help="输出文件（默认以 JSON 输出到标准输出）")

    def handle(self, *args, agency, year, output=None, **options):
        suffix = Path(output).suffix.lower() if output else JSON
        if suffix != JSON and suffix not in EXPORTERS:
            known = "、".join([JSON, *EXPORTERS])
            raise CommandError(f"不支持的输出格式 {suffix or '（无扩展名）'}：输出文件的扩展名应为 {known} 之一",
                               returncode=INVALID_DOCUMENT)
        report = Report.objects.filter(agency__name=agency, year=year).select_related("agency").first()
        if report is None:
            raise CommandError(f"没有找到 {agency} 的 {year} 年度报告", returncode=1)
        if suffix == JSON:
            text = json.dumps(report_to_document(load_report(report.pk)), ensure_ascii=False, indent=2) + "\n"
            if not output:
                self.stdout.write(text, ending="")
                return
            data = text.encode("utf-8")
        else:
            try:
                data = EXPORTERS[suffix](report)
            except ExportRefused as exc:
                raise CommandError(str(exc), returncode=INVALID_DOCUMENT) from None
        try:
            Path(output).write_bytes(data)
        except OSError as exc:
            raise CommandError(f"无法写入 {output}：{exc.strerror}", returncode=1) from None
        self.stderr.write(f"已导出到 {output}")
