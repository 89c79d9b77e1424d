"""Two app servers, one database and one Redis: sessions, save conflicts and approval locks
behave as on one server. Run by `./dev load` when LOAD_PORTS names two ports, or by hand:

    .venv/bin/python bench/two_servers.py http://127.0.0.1:8171 http://127.0.0.1:8172

with the servers' environment (DATABASE_URL, …): the script arranges its own agency, users and
a submitted report in the database, then talks to both servers over HTTP only. Exit 0 when
every check holds; each check prints one line.
"""

from __future__ import annotations

import os
import re
import sys
import threading

import django
import requests

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportsite.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from annual.document import load_file
from annual.interchange import write_document
from annual.models import (
    Agency,
    Membership,
    Report,
    ReportSnapshot,
    ReportState,
    Role,
    Transition,
)
from annual.workflow import perform_transition

PASSWORD = "two-servers-check-1"
AGENCY = "双服务器检查局"
DEMO = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "annual", "demo_data", "cangnan-education-2021.json"
)


def arrange() -> tuple[Report, dict]:
    agency, _ = Agency.objects.get_or_create(name=AGENCY)
    hashed = make_password(PASSWORD)
    users = {}
    for name, role in (("two_prep", Role.PREPARER), ("two_ok1", Role.APPROVER), ("two_ok2", Role.APPROVER)):
        user, _ = get_user_model().objects.get_or_create(username=name)
        user.password = hashed
        user.save()
        Membership.objects.update_or_create(user=user, defaults={"agency": agency, "role": role})
        users[name] = user
    # A fresh report every run, two years apart: no "last year's report" to raise continuity warnings.
    year = 2030 + 2 * Report.objects.filter(agency=agency).count()
    doc = {**load_file(DEMO), "agency": AGENCY, "year": year}
    return write_document(doc, agency), users


def session(base: str, username: str) -> requests.Session:
    s = requests.Session()
    page = s.get(f"{base}/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    r = s.post(
        f"{base}/login/",
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        allow_redirects=False,
    )
    assert r.status_code == 302, f"login {username} on {base}: {r.status_code}"
    return s


def form_fields(html: str) -> dict:
    form = re.search(r'<form[^>]*id="step-form".*?</form>', html, re.DOTALL).group(0)
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form))
    fields.update({k: v for k, v in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.DOTALL)})
    return {k: v.replace("&#x27;", "'").replace("&quot;", '"').replace("&amp;", "&") for k, v in fields.items()}


def csrf(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def check(ok: bool, text: str) -> bool:
    print(("通过 " if ok else "失败 ") + text)
    return ok


def main(a: str, b: str) -> int:
    report, _ = arrange()
    results = []

    # 1. A session made on server A is valid on server B (sessions live in the shared database).
    s = session(a, "two_prep")
    other = requests.Session()
    other.cookies.update(s.cookies)
    home = other.get(f"{b}/", allow_redirects=False)
    results.append(
        check(
            home.status_code == 200 and f'data-report="{report.pk}"' in home.text,
            "在 A 登录的会话在 B 上有效 / a session from A works on B",
        )
    )

    # 2. Optimistic concurrency: both servers show revision r; A saves; B's save of r is a 409 conflict.
    url = f"/reports/{report.pk}/overview/"
    on_a = form_fields(s.get(a + url).text)
    on_b = form_fields(other.get(b + url).text)
    on_a["overview"] = on_a.get("overview", "") + "（A 的修改）"
    on_b["overview"] = on_b.get("overview", "") + "（B 的修改）"
    saved = s.post(a + url, on_a, allow_redirects=False)
    conflict = other.post(b + url, on_b, allow_redirects=False)
    report.refresh_from_db()
    results.append(
        check(
            saved.status_code == 302
            and conflict.status_code == 409
            and "A 的修改" in report.overview
            and "B 的修改" not in report.overview,
            f"A 保存 {saved.status_code}，B 以旧修订号保存得到冲突 {conflict.status_code} / stale save on B is a conflict",
        )
    )

    # 3. Row locks: two approvers approve at the same moment, one through each server: one wins.
    perform_transition(report, "submit", user=get_user_model().objects.get(username="two_prep"))
    approvers = [(a, session(a, "two_ok1")), (b, session(b, "two_ok2"))]
    tokens = [csrf(sess.get(f"{base}/reports/{report.pk}/approval/").text) for base, sess in approvers]
    responses = [None, None]
    start = threading.Barrier(2)

    def approve(i):
        base, sess = approvers[i]
        start.wait()
        responses[i] = sess.post(
            f"{base}/reports/{report.pk}/transition/approve/",
            {"reason": "", "revision": "", "csrfmiddlewaretoken": tokens[i]},
        )

    threads = [threading.Thread(target=approve, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    texts = [r.text for r in responses]
    won = sum("已审核通过" in t for t in texts)
    refused = sum("不能审核通过" in t for t in texts)
    approvals = Transition.objects.filter(report=report, to_state=ReportState.APPROVED).count()
    results.append(
        check(
            won == 1 and refused == 1 and approvals == 1 and ReportSnapshot.objects.filter(report=report).count() == 1,
            f"同时审核通过：成功 {won}、被拒 {refused}、通过记录 {approvals}、快照 "
            f"{ReportSnapshot.objects.filter(report=report).count()} / concurrent approvals on A and B",
        )
    )
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
