"""Load-test data: one agency, preparer and draft per simulated preparer, a few approved reports,
and a county reader. Idempotent; used by `./dev load` (bench/locustfile.py)."""

import json
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from annual.document import load_file
from annual.interchange import write_document
from annual.models import Agency, AgencyKind, Job, JobStatus, Membership, Report, ReportState, Role
from annual.workflow import perform_transition

DEMO = Path(__file__).resolve().parents[2] / "demo_data" / "cangnan-education-2021.json"
COUNTY = "负载测试县人民政府"


class Command(BaseCommand):
    help = "载入负载测试数据：每个模拟填报人一个机关和一份草稿，若干份已通过的报告，一个县级审核人。"

    def add_arguments(self, parser):
        parser.add_argument("--preparers", type=int, default=45)
        parser.add_argument("--approved", type=int, default=5)
        parser.add_argument("--password", required=True)
        parser.add_argument("--ids-out", help="写出报告编号（JSON），供 bench/locustfile.py 使用")

    def handle(self, *args, preparers, approved, password, ids_out=None, **options):
        doc = load_file(str(DEMO))
        self.hashed = make_password(password)  # hashed once: PBKDF2 per account would take minutes
        county, _ = Agency.objects.update_or_create(name=COUNTY, defaults={"kind": AgencyKind.GOVERNMENT})
        self._user("bench_county", county, Role.APPROVER, password)
        for i in range(1, preparers + 1):
            agency, _ = Agency.objects.get_or_create(name=f"负载测试第{i:02d}局", defaults={"parent": county})
            self._user(f"bench{i:02d}", agency, Role.PREPARER, password)
            if not Report.objects.filter(agency=agency, year=doc["year"]).exists():
                write_document({**doc, "agency": agency.name}, agency)
        waiting = []
        for i in range(1, approved + 1):
            agency, _ = Agency.objects.get_or_create(name=f"负载测试定稿第{i:02d}局", defaults={"parent": county})
            preparer = self._user(f"bench_done{i:02d}", agency, Role.PREPARER, password)
            approver = self._user(f"bench_ok{i:02d}", agency, Role.APPROVER, password)
            report = Report.objects.filter(agency=agency, year=doc["year"]).first()
            if report is None:
                report = write_document({**doc, "agency": agency.name}, agency)
            if report.state == ReportState.DRAFT:
                perform_transition(report, "submit", user=preparer)
                perform_transition(report, "approve", user=approver)
            waiting += list(Job.objects.filter(report=report, kind="final_pdf").values_list("pk", flat=True))
        deadline = time.monotonic() + 600
        while Job.objects.filter(pk__in=waiting).exclude(status__in=(JobStatus.DONE, JobStatus.FAILED)).exists():
            if time.monotonic() > deadline:
                raise CommandError("定稿 PDF 任务 10 分钟内未完成，请检查 Celery worker。")
            time.sleep(0.5)
        if ids_out:
            reports = Report.objects.filter(agency__parent=county, year=doc["year"])
            Path(ids_out).write_text(
                json.dumps(
                    {
                        "approved": list(
                            reports.filter(state=ReportState.APPROVED).order_by("pk").values_list("pk", flat=True)
                        ),
                        "drafts": list(
                            reports.exclude(state=ReportState.APPROVED).order_by("pk").values_list("pk", flat=True)
                        ),
                        # The county's round board of the year the load reports are for.
                        "board": reverse("county-board", args=[county.pk, doc["year"]]),
                        "sessions": {
                            user.username: _session(user)
                            for user in get_user_model().objects.filter(username__startswith="bench")
                        },
                    }
                )
            )
        self.stdout.write(
            f"负载测试数据就绪：{preparers} 个填报人（bench01…），{approved} 份已通过报告，县级审核人 bench_county。"
        )

    def _user(self, username, agency, role, password):
        user, created = get_user_model().objects.get_or_create(username=username)
        if created or not user.check_password(password):
            user.password = self.hashed
            user.save()
        Membership.objects.update_or_create(user=user, defaults={"agency": agency, "role": role})
        return user


def _session(user) -> str:
    """A signed-in session for `user`, as the login view would make it: the load test measures
    pages, not 50 simultaneous PBKDF2 password checks at ramp-up."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    assert store.session_key is not None  # create() saved the session under a new key
    return store.session_key
