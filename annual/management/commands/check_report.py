import json

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from annual.cli import load_source_or_exit
from annual.interchange import previous_document
from annual.rules import RULE_LABELS, SEVERITY_LABELS, check_document, errors


class Command(BaseCommand):
    help = "检查年度报告 JSON 文档的格式和勾稽关系。退出码：0 无错误，1 有错误，2 文档无效。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="报告 JSON 文件")
        parser.add_argument("--json", action="store_true", help="以 JSON 数组输出检查结果")

    def handle(self, *args, file, json: bool = False, **options):
        source = load_source_or_exit(file)
        doc = source.document
        try:
            previous = previous_document(doc["agency"], doc["year"])
        except DatabaseError:
            # No database (or not migrated): the cross-year warnings stay silent, as specified.
            previous = None
        # What a published report's reader could not read comes first: the rules saw it blank.
        findings = source.findings + check_document(doc, previous)
        if json:
            self.stdout.write(_dumps([f.as_dict() for f in findings]))
        else:
            for f in findings:
                self.stdout.write(
                    f"[{SEVERITY_LABELS[f.severity]}] {f.rule}（{RULE_LABELS[f.rule]}）{f.message}"
                    f"  单元格：{', '.join(f.cells)}"
                )
            n_errors = len(errors(findings))
            self.stdout.write(f"共 {n_errors} 个错误，{len(findings) - n_errors} 个提示。")
        if errors(findings):
            raise SystemExit(1)


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
