import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test import override_settings

from annual.demo_round import load_round
from annual.document import load_file
from annual.interchange import write_document
from annual.models import Agency, AgencyKind, Membership, Report, Role

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo_data"
COUNTY = "苍南县人民政府"
REPORTS = (
    ("苍南县人民政府办公室", "cangnan-2020.json"),
    ("苍南县教育局", "cangnan-education-2021.json"),
)
OTHER_AGENCIES = ("灵溪镇人民政府", "苍南县卫生健康局")
ACCOUNTS = (
    # username, agency, role, description
    ("tianbao", "苍南县人民政府办公室", Role.PREPARER, "县府办填报人"),
    ("shenhe", "苍南县人民政府办公室", Role.APPROVER, "县府办审核人"),
    ("jiaoyu", "苍南县教育局", Role.PREPARER, "教育局填报人"),
    ("jiaoyu_shenhe", "苍南县教育局", Role.APPROVER, "教育局审核人"),
    # A second approver in each office: whoever submitted a report or changed it since the
    # last return may not approve it (separation of duties), so an office needs two.
    ("shenhe2", "苍南县人民政府办公室", Role.APPROVER, "县府办第二审核人"),
    ("jiaoyu_shenhe2", "苍南县教育局", Role.APPROVER, "教育局第二审核人"),
    ("xian_shenhe", COUNTY, Role.APPROVER, "县政府审核人（查看下属机关）"),
    ("guanli", COUNTY, Role.ADMIN, "管理员"),
)
# The administrator who sets the demo's exemptions, as one would in the admin.
ADMIN = "guanli"


class Command(BaseCommand):
    help = "载入演示数据：苍南县的机关、两份报告（2019 版与 2021 版）和演示账号，并打印账号密码。"

    def add_arguments(self, parser):
        parser.add_argument("--password", help="所有演示账号使用此密码（默认每次随机生成）")

    def handle(self, *args, password=None, **options):
        # The demo's workflow steps notify their people, after commit; in `./dev run` those mails
        # would land in the console in the middle of the logins. Kept in memory instead.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            self._load(password)

    @transaction.atomic
    def _load(self, password: str | None) -> None:
        # The county government's own report is due 3月31日; 县府办, the departments and the
        # townships report by 1月31日 (条例第五十条), the model's default kind.
        county, _ = Agency.objects.update_or_create(name=COUNTY, defaults={"kind": AgencyKind.GOVERNMENT})
        agencies = {COUNTY: county}
        for name in [name for name, _ in REPORTS] + list(OTHER_AGENCIES):
            agency, _ = Agency.objects.get_or_create(name=name, defaults={"parent": county})
            agencies[name] = agency
        # The people first: the round below acts as them, and whether an office has one approver
        # (and so an exemption from separation of duties) depends on who works there.
        logins = []
        User = get_user_model()
        for username, agency_name, role, description in ACCOUNTS:
            user, _ = User.objects.get_or_create(username=username)
            # A reserved domain: notifications show up in the console backend and can go nowhere else.
            user.email = f"{username}@cangnan.example"
            user.is_staff = role == Role.ADMIN
            user.is_superuser = role == Role.ADMIN
            secret = password or _memorable_password()
            user.set_password(secret)
            user.save()
            Membership.objects.update_or_create(user=user, defaults={"agency": agencies[agency_name], "role": role})
            logins.append(f"  {username:<14} {secret:<16} {description}")
        for name, filename in REPORTS:
            doc = load_file(str(DEMO_DIR / filename))
            existing = Report.objects.filter(agency=agencies[name], year=doc["year"]).first()
            if existing is None:
                write_document(doc, agencies[name])
                self.stdout.write(f"已载入报告：{name} {doc['year']} 年度（{doc['template']} 版）")
            else:
                self.stdout.write(f"报告已存在，未改动：{name} {doc['year']} 年度")
        admin = User.objects.get(username=ADMIN)
        year = load_round(county, load_file(str(DEMO_DIR / "cangnan-education-2021.json")), self.stdout.write, admin)
        self.stdout.write(f"县政府审核人 xian_shenhe 登录后可在“{year} 年度工作台”查看下属机关的进度。")
        self.stdout.write("\n演示账号（用户名 / 密码 / 身份）：")
        for line in logins:
            self.stdout.write(line)


def _memorable_password() -> str:
    return "demo-" + secrets.token_hex(5)
