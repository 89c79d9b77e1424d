import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from annual.cli import INVALID_DOCUMENT
from annual.models import Agency
from annual.pdf import PdfRenderError
from annual.rollup import RollupError, build_rollup, render_rollup_pdf
from annual.safe_input import os_error_reason

NOTHING_TO_SUM = 1


class Command(BaseCommand):
    help = (
        "汇总机关 NAME 所有下级机关（各层级）该年度报告的表二、表三、表四。NAME 本级的报告不计入。"
        "默认只汇总已通过或已发布的报告；--include-unapproved 纳入所有状态，--include-invalid 纳入有阻断性错误的报告。"
        "输出 .json（交换格式文档）或 .pdf（官方版式）。标准错误输出逐一列出纳入和未纳入的机关及原因。"
        "退出码：0 完成，1 没有可汇总的报告，2 参数错误（机关不存在、同一年度有两个模板版本等）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True, help="机关名称")
        parser.add_argument("--year", required=True, type=int, help="年度")
        parser.add_argument("--include-unapproved", action="store_true", help="纳入未通过审核的报告（任何状态）")
        parser.add_argument("--include-invalid", action="store_true", help="纳入有阻断性错误的报告")
        parser.add_argument("-o", "--output", required=True, help="输出文件：.json 或 .pdf")

    def handle(self, *args, agency, year, include_unapproved, include_invalid, output, **options):
        out = Path(output)
        suffix = out.suffix.lower()
        if suffix not in (".json", ".pdf"):
            raise CommandError(f"输出文件 {output} 应以 .json 或 .pdf 结尾", returncode=INVALID_DOCUMENT)
        name = agency.strip()
        target = Agency.objects.filter(name=name).first() if name else None
        if target is None:
            raise CommandError(f"没有名为“{agency}”的机关", returncode=INVALID_DOCUMENT)
        try:
            rollup = build_rollup(target, year, include_unapproved=include_unapproved, include_invalid=include_invalid)
        except RollupError as exc:
            raise CommandError(str(exc), returncode=INVALID_DOCUMENT) from None
        for part in rollup.parts:
            e = part.entry
            self.stderr.write(f"已纳入：{part.node.name}（{e.state_label}，{e.template} 年版，修订号 {e.revision}）")
        for left in rollup.left_out:
            self.stderr.write(f"未纳入：{left.node.name}（{left.detail}）")
        self.stderr.write(
            f"{name} {year} 年度汇总：纳入 {len(rollup.parts)} 个机关，未纳入 {len(rollup.left_out)} 个。"
        )
        if not rollup.parts:
            raise CommandError(
                f"{name} 的下级机关没有可汇总的 {year} 年度报告，未生成 {output}", returncode=NOTHING_TO_SUM
            )
        try:
            if suffix == ".json":
                data = (json.dumps(rollup.document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
            else:
                data = render_rollup_pdf(rollup, printed_at=timezone.localtime())
        except PdfRenderError as exc:
            raise CommandError(str(exc)) from None
        try:
            out.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"无法写入 {output}：{os_error_reason(exc)}", returncode=INVALID_DOCUMENT) from None
        self.stdout.write(f"已生成 {output}（{len(data)} 字节）")
