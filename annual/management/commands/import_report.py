import os

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from annual.cli import INVALID_DOCUMENT, add_signature_flag, load_source_or_exit, verify_signature_or_exit
from annual.interchange import write_document
from annual.models import AgencyKind
from annual.placement import PlacementError, place_agency
from annual.published_import import IMPORTED_LABEL, ImportRefused, import_published_source, replaceable
from annual.workbook_import import foreign_workbook

KINDS = [k.value for k in AgencyKind]


class Command(BaseCommand):
    help = (
        "把年度报告文件（JSON 文档、导出的 .xlsx 工作簿、带内嵌数据的定稿 PDF，或已发布的报告 PDF/网页）导入数据库，"
        "作为指定机关该年度的报告。已发布的报告导入为“已发布（导入）”，只读，并保存原文件及其 SHA-256。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="报告文件：.json、.xlsx、.pdf 或已发布的网页 .html")
        parser.add_argument("--agency", required=True, help="机关名称（不存在则新建）")
        parser.add_argument("--parent", help="上级机关名称：新建的机关放在它之下（上级机关不存在则新建）")
        parser.add_argument(
            "--kind",
            default=AgencyKind.DEPARTMENT.value,
            help="新建机关的类别：government（本级人民政府，报告截止 3 月 31 日）或 department（部门、乡镇，1 月 31 日）；默认 department",
        )
        parser.add_argument("--replace", action="store_true", help="覆盖该机关该年度已有的报告（仅限草稿或已退回）")
        parser.add_argument(
            "--allow-other-agency",
            action="store_true",
            help="允许导入从其他机关的报告导出的 .xlsx 工作簿（默认拒绝，以免用别的机关的数字和名称覆盖本机关的报告）",
        )
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
        allow_other_agency=False,
        **options,
    ):
        if kind not in KINDS:
            raise CommandError(
                f"--kind 的值“{kind}”无效：应为 government（本级人民政府）或 department（部门、乡镇）",
                returncode=INVALID_DOCUMENT,
            )
        source = load_source_or_exit(file)
        verify_signature_or_exit(file, accept_unverified=accept_unverified, say=self.stderr.write)
        doc = source.document
        with transaction.atomic():
            try:
                target, done = place_agency(agency, parent, kind)
            except PlacementError as exc:
                raise CommandError(str(exc), returncode=INVALID_DOCUMENT) from None
            foreign = None if allow_other_agency else foreign_workbook(source.exported_from, target)
            if foreign:  # raised inside the transaction: an agency created above is rolled back
                raise CommandError(f"{foreign}。确需导入时加 --allow-other-agency", returncode=INVALID_DOCUMENT)
            try:
                if source.published is not None:
                    report = import_published_source(
                        source.published, source.raw, os.path.basename(file), target, replace=replace
                    )
                else:
                    report = write_document(doc, target, report=replaceable(target, doc["year"], replace=replace))
            except ImportRefused as exc:
                raise CommandError(str(exc), returncode=1) from None
        if target.name != agency.strip():
            former = target.former_names.filter(name=agency.strip()).first()
            if former is not None:
                self.stderr.write(
                    f"“{former.name}”是“{target.name}”的曾用名（使用至 {former.until_year} 年），"
                    f"报告归入现名“{target.name}”"
                )
        for line in done:
            self.stdout.write(line)
        if source.published is not None:
            for note in source.published.notes:
                self.stdout.write(f"说明：{note}")
            for finding in source.published.warnings:
                self.stdout.write(f"[unreadable] {finding.message}")
            self.stdout.write(
                f"已导入：{report.display_title}（{report.get_template_display()}，{IMPORTED_LABEL}，"
                f"读出 {source.published.cells_read}/{source.published.cells_expected} 格）"
            )
        else:
            self.stdout.write(f"已导入：{report.display_title}（{report.get_template_display()}）")
