from django.core.management.base import BaseCommand

from annual.cli import load_document_or_exit, output_writer_or_exit, write_output_or_exit
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
        writer = output_writer_or_exit(output, WRITERS, comparison_json)
        first, second = load_document_or_exit(a), load_document_or_exit(b)
        if write_output_or_exit(self.stdout, output, writer(first, second)):
            self.stderr.write(f"已写出 {output}")
