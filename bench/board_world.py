"""A county of 60 agencies for looking at the round board and the 汇总 at full size: the county
government, 县府办 and 40 other departments, and 18 townships, each with a preparer, and reports of this
round and the last in a spread of states (some late, some with errors, some half filled, one
office set up this year). Idempotent; the acceptance screenshots of the board use it.

    DATABASE_URL=… .venv/bin/python bench/board_world.py --password PW

States are arranged directly, as the board's tests do, not walked through the workflow: the
world is for the board's eyes, and 100 final PDFs would take minutes to render. That is why it
lives here, beside the other load generators, and not in the app: in the app only the workflow
assigns a report's state.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportsite.settings")

import django

django.setup()

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from annual.board import compiling_year
from annual.document import blank_document, load_file
from annual.interchange import write_document
from annual.models import Agency, AgencyKind, Membership, Report, ReportState, Role, Transition

S = ReportState
DEMO = ROOT / "annual" / "demo_data" / "cangnan-education-2021.json"
COUNTY = "示范县人民政府"
DEPARTMENTS = (
    "县人民政府办公室 县发展和改革局 县教育局 县科学技术局 县经济和信息化局 县公安局 县民政局 县司法局 县财政局 "
    "县人力资源和社会保障局 县自然资源和规划局 县生态环境分局 县住房和城乡建设局 县交通运输局 县水利局 县农业农村局 "
    "县商务局 县文化和广电旅游体育局 县卫生健康局 县退役军人事务局 县应急管理局 县审计局 县市场监督管理局 县统计局 "
    "县医疗保障局 县综合行政执法局 县林业局 县信访局 县机关事务管理中心 县大数据发展管理局 县行政审批局 县民族宗教事务局 "
    "县档案馆 县供销合作社 县气象局 县税务局 县消防救援大队 县人民防空办公室 县投资促进局 县粮食和物资储备局 县乡村振兴局"
).split()
TOWNSHIPS = (
    "城关镇 钱库镇 灵溪镇 龙港镇 宜山镇 金乡镇 马站镇 桥墩镇 矾山镇 藻溪镇 赤溪镇 大渔镇 "
    "岱岭乡 南宋镇 凤阳乡 莒溪镇 望里镇 沿浦镇"
).split()
# Cycled over the agencies: this round's report (None: not started; "errors": a draft whose
# totals do not add up; "partial": a draft with only its introduction).
THIS_ROUND = (S.PUBLISHED, S.APPROVED, S.SUBMITTED, "errors", S.DRAFT, "partial", None, S.APPROVED, S.RETURNED)
LAST_ROUND = (S.PUBLISHED, S.PUBLISHED, S.APPROVED, "late", S.PUBLISHED, None, S.DRAFT)


class World:
    """载入 60 个机关的示范县（县政府、县府办等 41 个部门、18 个乡镇）及本轮和上一轮的报告，用于查看工作台和汇总。"""

    def __init__(self, say=print):
        self.say = say

    @transaction.atomic
    def load(self, password: str) -> None:
        template = load_file(str(DEMO))
        hashed = make_password(password)
        year = compiling_year(timezone.localdate())
        county, _ = Agency.objects.update_or_create(name=COUNTY, defaults={"kind": AgencyKind.GOVERNMENT})
        approver = self._user("world_county", county, Role.APPROVER, hashed)
        names = ["示范" + n for n in DEPARTMENTS] + ["示范县" + n for n in TOWNSHIPS]
        for i, name in enumerate(names):
            agency, _ = Agency.objects.get_or_create(name=name, defaults={"parent": county})
            preparer = self._user(f"world{i + 1:02d}", agency, Role.PREPARER, hashed)
            if i == len(names) - 1:  # set up this year: last round's board shows it as such
                Agency.objects.filter(pk=agency.pk).update(established_on=datetime.date(year, 3, 1))
            else:
                self._report(template, agency, year - 1, LAST_ROUND[i % len(LAST_ROUND)], preparer, approver)
            self._report(template, agency, year, THIS_ROUND[i % len(THIS_ROUND)], preparer, approver)
        self.say(f"示范县就绪：{len(names) + 1} 个机关，{year - 1}、{year} 年度报告；县级审核人 world_county。")

    def _user(self, username, agency, role, hashed):
        user, _ = get_user_model().objects.get_or_create(username=username)
        user.password, user.email = hashed, f"{username}@example.gov.cn"
        user.save()
        Membership.objects.update_or_create(user=user, defaults={"agency": agency, "role": role})
        return user

    def _report(self, template: dict, agency: Agency, year: int, outcome, preparer, approver) -> None:
        if outcome is None or Report.objects.filter(agency=agency, year=year).exists():
            return
        doc = copy.deepcopy(template)
        doc.update(agency=agency.name, year=year)
        if outcome == "partial":
            doc = blank_document(agency=agency.name, year=year)
            doc["intro"] = template["intro"]
        if outcome == "errors":
            doc["applications"]["received"]["natural_person"] += 7
        report = write_document(doc, agency)
        state = {"errors": S.DRAFT, "partial": S.DRAFT, "late": S.APPROVED}.get(outcome, outcome)
        Report.objects.filter(pk=report.pk).update(
            state=state,
            portal_url=f"https://www.example.gov.cn/art/{year + 1}/art_{report.pk}.html"
            if state == S.PUBLISHED
            else "",
            portal_published_on=datetime.date(year + 1, 1, 25) if state == S.PUBLISHED else None,
        )
        if state in (S.DRAFT, S.RETURNED):
            return
        # When it was submitted: on time, or (for "late") 12 days after the departments' 1月31日.
        day = datetime.date(year + 1, 2, 12) if outcome == "late" else datetime.date(year + 1, 1, 20)
        submitted = Transition.objects.create(
            report=report, from_state=S.DRAFT, to_state=S.SUBMITTED, actor=preparer, action="submit"
        )
        Transition.objects.filter(pk=submitted.pk).update(
            at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
        )
        if state in (S.APPROVED, S.PUBLISHED) and report.pk % 3 == 0:
            Transition.objects.create(
                report=report, from_state=S.APPROVED, to_state=S.APPROVED, actor=approver, action="county_approve"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=World.__doc__)
    parser.add_argument("--password", required=True, help="县级审核人 world_county 和各机关填报人的密码")
    World().load(parser.parse_args().password)
