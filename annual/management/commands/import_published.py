from django.core.management.base import BaseCommand, CommandError

from annual.cli import INVALID_DOCUMENT
from annual.models import AgencyKind
from annual.placement import PlacementError, clean_name
from annual.published_folder import HEADER, FolderError, import_folder


class Command(BaseCommand):
    help = (
        "导入一个县的已发布年度报告（文件夹或 .zip 中的每个 .pdf/.html）：每份报告放在其标题所写的机关下"
        "（机关不存在则在 --parent 下新建），导入为“已发布（导入）”。每个文件一行结果；读取失败的文件什么也不保存。"
        "退出码：0 全部导入且勾稽相符，1 全部导入但有报告违反勾稽规则，2 有文件无法读取或导入。"
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="文件夹，或 .zip 压缩包")
        parser.add_argument("--parent", required=True, help="县（上级机关）名称：新建的机关放在它之下")
        parser.add_argument(
            "--kind",
            default=AgencyKind.DEPARTMENT.value,
            help="新建机关的类别：government（本级人民政府）或 department（部门、乡镇，默认）",
        )

    def handle(self, *args, path, parent, kind=AgencyKind.DEPARTMENT.value, **options):
        if kind not in AgencyKind.values:
            raise CommandError(
                f"--kind 的值“{kind}”无效：应为 government（本级人民政府）或 department（部门、乡镇）",
                returncode=INVALID_DOCUMENT,
            )
        try:
            parent = clean_name(parent, "--parent")
        except PlacementError as exc:
            raise CommandError(str(exc), returncode=INVALID_DOCUMENT) from None
        self.stdout.write(HEADER)
        outcomes = []
        try:
            for outcome in import_folder(path, parent, kind=kind):
                outcomes.append(outcome)
                self.stdout.write(outcome.line())
        except FolderError as exc:
            raise CommandError(str(exc), returncode=INVALID_DOCUMENT) from None
        if not outcomes:
            raise CommandError(f"{path} 中没有 .pdf 或 .html 文件", returncode=INVALID_DOCUMENT)
        failed = [o for o in outcomes if o.failed]
        broken = [o for o in outcomes if not o.failed and o.errors]
        self.stdout.write(
            f"共 {len(outcomes)} 个文件：导入 {len(outcomes) - len(failed)} 个"
            f"（其中 {len(broken)} 个违反勾稽规则，按原样保存），未导入 {len(failed)} 个"
        )
        if failed:
            lines = "\n  ".join(f"{o.file}：{o.outcome}：{o.reason}" for o in failed)
            raise CommandError(f"以下文件未导入：\n  {lines}", returncode=INVALID_DOCUMENT)
        if broken:
            raise CommandError(
                "以下报告违反勾稽规则（按发布的原样保存）：" + "、".join(o.file for o in broken), returncode=1
            )
