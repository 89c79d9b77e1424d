from django.core.management.base import BaseCommand, CommandError

from annual.document import dumps
from annual.interchange import load_report, report_to_document
from annual.models import Report


class Command(BaseCommand):
    help = "把数据库中指定机关、年度的报告导出为 JSON 文档。"

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True, help="机关名称")
        parser.add_argument("--year", required=True, type=int, help="年度")
        parser.add_argument("-o", "--output", help="输出文件（默认输出到标准输出）")

    def handle(self, *args, agency, year, output=None, **options):
        report_id = Report.objects.filter(agency__name=agency, year=year).values_list("pk", flat=True).first()
        if report_id is None:
            raise CommandError(f"没有找到 {agency} 的 {year} 年度报告", returncode=1)
        text = dumps(report_to_document(load_report(report_id)))
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text)
            self.stderr.write(f"已导出到 {output}")
        else:
            self.stdout.write(text, ending="")
