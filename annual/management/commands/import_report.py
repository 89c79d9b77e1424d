import os

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from annual.cli import INVALID_DOCUMENT, load_source_or_exit
from annual.interchange import write_document
from annual.placement import PlacementError, place_agency
from annual.published_import import IMPORTED_LABEL, ImportRefused, import_published_source, replaceable


class Command(BaseCommand):
    help = (
        "把年度报告文件（JSON 文档、导出的 .xlsx 工作簿、带内嵌数据的定稿 PDF，或已发布的报告 PDF/网页）导入数据库，"
        "作为指定机关该年度的报告。已发布的报告导入为“已发布（导入）”，只读，并保存原文件及其 SHA-256。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="报告文件：.json、.xlsx、.pdf 或已发布的网页 .html")
        parser.add_argument("--agency", required=True, help="机关名称（不存在则新建）")
        parser.add_argument("--parent", help="上级机关名称：新建的机关放在它之下（上级机关不存在则新建）")
        parser.add_argument("--replace", action="store_true", help="覆盖该机关该年度已有的报告（仅限草稿或已退回）")

    def handle(self, *args, file, agency, parent=None, replace=False, **options):
        source = load_source_or_exit(file)
        doc = source.document
        with transaction.atomic():
            try:
                target, done = place_agency(agency, parent)
            except PlacementError as exc:
                raise CommandError(str(exc), returncode=INVALID_DOCUMENT) from None
            try:
                if source.published is not None:
                    report = import_published_source(
                        source.published, source.raw, os.path.basename(file), target, replace=replace
                    )
                else:
                    report = write_document(doc, target, report=replaceable(target, doc["year"], replace=replace))
            except ImportRefused as exc:
                raise CommandError(str(exc), returncode=1) from None
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
