from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from annual.cli import INVALID_DOCUMENT, load_document_or_exit
from annual.interchange import write_document
from annual.models import Agency, Report
from annual.models.agency import clean_agency_name


class Command(BaseCommand):
    help = "把年度报告 JSON 文档导入数据库，作为指定机关该年度的报告。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="报告 JSON 文件")
        parser.add_argument("--agency", required=True, help="机关名称（不存在则新建）")
        parser.add_argument("--replace", action="store_true", help="覆盖该机关该年度已有的报告（仅限草稿或已退回）")

    def handle(self, *args, file, agency, replace=False, **options):
        try:
            agency = clean_agency_name(agency)
        except ValidationError:
            raise CommandError("--agency 机关名称不能为空（去掉首尾空格后为空）", returncode=INVALID_DOCUMENT) from None
        doc = load_document_or_exit(file)
        with transaction.atomic():
            target, created = Agency.objects.get_or_create(name=agency)
            report = Report.objects.select_for_update().filter(agency=target, year=doc["year"]).first()
            if report is not None:
                if not replace:
                    raise CommandError(
                        f"{agency} 的 {doc['year']} 年度报告已存在；如需覆盖，请加 --replace", returncode=1
                    )
                if not report.is_editable:
                    raise CommandError(
                        f"{agency} 的 {doc['year']} 年度报告状态为“{report.get_state_display()}”，已锁定，不能导入覆盖",
                        returncode=1,
                    )
            report = write_document(doc, target, report=report)
        if created:
            self.stdout.write(f"已新建机关：{agency}")
        self.stdout.write(f"已导入：{report.display_title}（{report.get_template_display()}）")
