import json

from django.core.management.base import BaseCommand
from django.db import DatabaseError

from annual import culprit
from annual.cli import add_signature_flag, load_verified_document_or_exit
from annual.interchange import previous_document
from annual.rules import RULE_LABELS, SEVERITY_LABELS, WARNING, check_document, errors


class Command(BaseCommand):
    help = "检查年度报告 JSON 文档的格式和勾稽关系。退出码：0 无错误，1 有错误，2 文档无效。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="报告 JSON 文件")
        parser.add_argument("--json", action="store_true", help="以 JSON 数组输出检查结果")
        parser.add_argument(
            "--against",
            metavar="LAST",
            help="同一机关上一年度的报告（任一可读取的格式）：增加上年衔接、同比变化和内容雷同的检查",
        )
        add_signature_flag(parser)

    def handle(
        self, *args, file, json: bool = False, against: str | None = None, accept_unverified: bool = False, **options
    ):
        doc = load_verified_document_or_exit(file, accept_unverified=accept_unverified, say=self.stderr.write)
        last = (
            load_verified_document_or_exit(against, accept_unverified=accept_unverified, say=self.stderr.write)
            if against
            else None
        )
        previous: dict | None
        if last is not None:
            previous = last
        else:
            try:
                previous = previous_document(doc["agency"], doc["year"])
            except DatabaseError:
                # No database (or not migrated): the cross-year warnings stay silent, as specified.
                previous = None
        findings = check_document(doc, previous)
        # Hints never change the exit code; they are looked for only where something is wrong.
        localisation = culprit.localise(doc) if errors(findings) else culprit.Localisation(())
        hints = culprit.hint_findings(doc, localisation)
        if json:
            self.stdout.write(_dumps([f.as_dict() for f in findings + hints]))
        else:
            for f in findings:
                self.stdout.write(
                    f"[{SEVERITY_LABELS[f.severity]}] {f.rule}（{RULE_LABELS[f.rule]}）{f.message}"
                    f"  单元格：{', '.join(f.cells)}"
                )
            for line in culprit.summary(doc["template"], localisation):
                self.stdout.write(line)
            n_errors = len(errors(findings))
            n_warnings = sum(f.severity == WARNING for f in findings)
            self.stdout.write(f"共 {n_errors} 个错误，{n_warnings} 个提示。")
        if errors(findings):
            raise SystemExit(1)


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
