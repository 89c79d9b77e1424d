from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from annual.cli import INVALID_DOCUMENT, add_signature_flag, load_verified_document_or_exit
from annual.interchange import write_document
from annual.models import AgencyKind, Report
from annual.placement import PlacementError, place_agency

KINDS = [k.value for k in AgencyKind]


class Command(BaseCommand):
    help = (
        "把年度报告文件（JSON 文档、导出的 .xlsx 工作簿或带内嵌数据的定稿 PDF）导入数据库，作为指定机关该年度的报告。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="报告文件：.json、.xlsx 或定稿 .pdf")
        parser.add_argument("--agency", required=True, help="机关名称（不存在则新建）")
        parser.add_argument("--parent", help="上级机关名称：新建的机关放在它之下（上级机关不存在则新建）")
        parser.add_argument(
            "--kind",
            default=AgencyKind.DEPARTMENT.value,
            help="新建机关的类别：government（本级人民政府，报告截止 3 月 31 日）或 department（部门、乡镇，1 月 31 日）；默认 department",
        )
        parser.add_argument("--replace", action="store_true", help="覆盖该机关该年度已有的报告（仅限草稿或已退回）")
        add_signature_flag(parser)

    def handle(
        self,
        *args,
        file,
        agency,
        parent=None,
        replace=False,
        kind=AgencyKind.DEPARTMENT.value,
        accept_unverified=False,
        **options,
    ):
        if kind not in KINDS:
            raise CommandError(
                f"--kind 的值“{kind}”无效：应为 government（本级人民政府）或 department（部门、乡镇）",
                returncode=INVALID_DOCUMENT,
            )
        doc = load_verified_document_or_exit(file, accept_unverified=accept_unverified, say=self.stderr.write)
        with transaction.atomic():
            try:
                target, done = place_agency(agency, parent, kind)
            except PlacementError as exc:
                raise CommandError(str(exc), returncode=INVALID_DOCUMENT) from None
            name = target.name
            report = Report.objects.select_for_update().filter(agency=target, year=doc["year"]).first()
            if report is not None:
                if not replace:
                    raise CommandError(
                        f"{name} 的 {doc['year']} 年度报告已存在；如需覆盖，请加 --replace", returncode=1
                    )
                if not report.is_editable:
                    raise CommandError(
                        f"{name} 的 {doc['year']} 年度报告状态为“{report.get_state_display()}”，已锁定，不能导入覆盖",
                        returncode=1,
                    )
            report = write_document(doc, target, report=report)
        for line in done:
            self.stdout.write(line)
        self.stdout.write(f"已导入：{report.display_title}（{report.get_template_display()}）")
