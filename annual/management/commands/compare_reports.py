import os
import sys

from django.core.management.base import BaseCommand, CommandError

from annual.cli import INVALID_DOCUMENT, load_document_or_exit
from annual.exports.comparison import WRITERS, comparison_json


class Command(BaseCommand):
    help = (
        "比较两份年度报告（任一可读取的格式）：逐格列出表格数据的变化，逐段比较正文。"
        "输出格式由 -o 的扩展名决定：" + "、".join(WRITERS) + "；不写 -o 时把 JSON 输出到标准输出。"
        "退出码：0 完成，2 有文件无法读取。"
    )

    def add_arguments(self, parser):
        parser.add_argument("a", help="甲：通常是上一年度的报告")
        parser.add_argument("b", help="乙：通常是本年度的报告")
        parser.add_argument("-o", "--output", help="输出文件（.json、.xlsx 或 .pdf）")

    def handle(self, *args, a, b, output=None, **options):
        writer = comparison_json
        if output:
            extension = os.path.splitext(output)[1].lower()
            if extension not in WRITERS:
                raise CommandError(
                    f"不支持的输出格式“{extension or output}”：输出文件的扩展名应为" + "、".join(WRITERS),
                    returncode=INVALID_DOCUMENT,
                )
            writer = WRITERS[extension]
        first, second = load_document_or_exit(a), load_document_or_exit(b)
        data = writer(first, second)
        if not output:
            try:
                sys.stdout.buffer.write(data)
                sys.stdout.flush()
            except OSError as exc:
                raise CommandError(f"无法写出结果：{exc.strerror}", returncode=1) from None
            return
        partial = f"{output}.partial"
        try:
            with open(partial, "wb") as fh:
                fh.write(data)
            os.replace(partial, output)
        except OSError as exc:
            raise CommandError(f"无法写入 {output}：{exc.strerror}", returncode=1) from None
        self.stderr.write(f"已写出 {output}")
