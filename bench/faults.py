"""Fault drills against a running production stack (`./dev serve`), one line per result.

    .venv/bin/python bench/faults.py http://127.0.0.1:8000 postgres redis

with the stack's environment (DATABASE_URL, CELERY_BROKER_URL, REDIS_PORT). Run as root on
the database machine: the PostgreSQL drills call `pg_ctlcluster` and `runuser -u postgres psql`.

- postgres: the cluster serving DATABASE_URL (found by its port in `pg_lsclusters`) is really
  restarted: `pg_ctlcluster VERSION NAME stop -m fast`, probes while it is down, then `start`.
  While down /healthz says 503 and names the database, a logged-in page answers the Chinese 500
  page (no traceback) and a save is refused the same way, with nothing of it written. After
  the start the same gunicorn processes (their pids, read before and after) answer pages,
  /healthz and saves within seconds, without a restart (CONN_HEALTH_CHECKS). Every other
  database of the cluster is down for those seconds too.
- postgres-connections: the same probes without stopping a shared cluster: the app's
  database refuses connections (ALLOW_CONNECTIONS false) and every open one is cut.
- redis: the broker (and the page cache on it) is shut down: /healthz names Redis, pages
  (those drawn from the cache too) and saves work, an approval
  commits with its job waiting on its row; Redis started again, beat or the next worker sweep
  sends the job and the final PDF appears; nothing is lost.
(A worker killed mid-render is tests/test_jobs_celery.py; a read-only storage is
tests/test_jobs.py; a full one, on a real tmpfs, is tests/test_storage_full.py.)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import requests
from django.conf import settings
from django.db import connection
from two_servers import arrange, check, csrf, form_fields, session

from annual.models import Job, JobStatus, Report, ReportSnapshot, ReportState

# How long the app may take to answer again once the database is back.
RECOVERY_SECONDS = 10


def psql(sql: str) -> None:
    subprocess.run(
        ["runuser", "-u", "postgres", "--", "psql", "-q", "-d", "postgres", "-c", sql],
        check=True,
        cwd="/",
        stdout=subprocess.DEVNULL,
    )


def cluster() -> tuple[str, str]:
    """The version and name of the local cluster listening on DATABASE_URL's port."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql" or db.get("HOST") not in ("", "localhost", "127.0.0.1", "::1"):
        sys.exit("PostgreSQL 重启演练需要在数据库所在机器上运行（DATABASE_URL 指向本机 PostgreSQL）")
    port = str(db.get("PORT") or 5432)
    listing = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True).stdout
    for version, name, cluster_port, *_ in (line.split() for line in listing.splitlines()):
        if cluster_port == port:
            return version, name
    sys.exit(f"pg_lsclusters 中没有端口 {port} 上的集群")


def cluster_status(version: str, name: str) -> str:
    listing = subprocess.run(["pg_lsclusters", "-h", version, name], capture_output=True, text=True).stdout.split()
    return listing[3] if len(listing) > 3 else "unknown"


def server_pids(base: str) -> set[int]:
    """The gunicorn master and workers serving `base`: every process holding its listening socket."""
    port = urlsplit(base).port
    listing = subprocess.run(["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True, check=True).stdout
    return {int(pid) for pid in re.findall(r"pid=(\d+)", listing)}


def outage(base: str, cut: Callable[[], bool], restore: Callable[[], bool]) -> list[bool]:
    """Probe the stack while `cut` keeps the database away, then after `restore`."""
    report, _ = arrange()
    s = session(base, "two_prep")
    url = f"/reports/{report.pk}/overview/"
    results = [check(s.get(f"{base}/").status_code == 200, "数据库故障前首页 200")]
    fields = form_fields(s.get(base + url).text)  # the form as the preparer had it open
    fields["overview"] = fields.get("overview", "") + "（数据库停止时保存）"
    before = Report.objects.values_list("revision", "overview").get(pk=report.pk)
    pids = server_pids(base)
    connection.close()  # this script's own connection does not survive the outage either
    results.append(cut())
    try:
        health = [requests.get(f"{base}/healthz") for _ in range(3)]
        results.append(
            check(
                all(h.status_code == 503 and "数据库连接失败" in h.json()["database"] for h in health),
                f"数据库不可用时 /healthz 返回 503 并指明数据库：{health[0].text}",
            )
        )
        home = s.get(f"{base}/")
        results.append(
            check(
                home.status_code == 500 and "服务器出错" in home.text and "Traceback" not in home.text,
                f"数据库不可用时已登录页面返回 {home.status_code} 中文提示、无堆栈",
            )
        )
        saved = s.post(base + url, fields, allow_redirects=False)
        results.append(
            check(
                saved.status_code == 500 and "服务器出错" in saved.text and "Traceback" not in saved.text,
                f"数据库不可用时保存返回 {saved.status_code} 中文提示、无堆栈",
            )
        )
    finally:
        results.append(restore())
    back = time.monotonic()
    first = s.get(f"{base}/").status_code
    while first != 200 and time.monotonic() - back < RECOVERY_SECONDS:
        time.sleep(0.2)
        first = s.get(f"{base}/").status_code
    waited = time.monotonic() - back
    answers = [s.get(f"{base}/").status_code for _ in range(20)]
    results.append(
        check(
            first == 200 and answers == [200] * 20,
            f"数据库恢复后 {waited:.1f} 秒内首页 200，随后连续 20 次：{sorted(set(answers))}",
        )
    )
    health = requests.get(f"{base}/healthz")
    results.append(check(health.status_code == 200, f"数据库恢复后 /healthz 返回 {health.status_code}"))
    results.append(
        check(
            Report.objects.values_list("revision", "overview").get(pk=report.pk) == before,
            "停止期间的保存没有写入任何内容（修订号和正文不变）",
        )
    )
    results.append(save_overview(s, base, report, "数据库恢复后保存"))
    after = server_pids(base)
    results.append(
        check(
            bool(pids) and after == pids,
            f"同一批 gunicorn 进程（{len(pids)} 个）未重启即恢复：前后 pid {'相同' if after == pids else '不同'}",
        )
    )
    return results


def save_overview(s, base: str, report: Report, marker: str) -> bool:
    """Save 一、总体情况 with `marker` appended, as the page's form would; saved means a redirect
    and the marker in the database."""
    url = f"/reports/{report.pk}/overview/"
    fields = form_fields(s.get(base + url).text)
    fields["overview"] = fields.get("overview", "") + f"（{marker}）"
    saved = s.post(base + url, fields, allow_redirects=False)
    return check(
        saved.status_code == 302 and marker in Report.objects.get(pk=report.pk).overview,
        f"{marker}成功（{saved.status_code}）",
    )


def postgres(base: str) -> list[bool]:
    version, name = cluster()

    def stop() -> bool:
        at = time.strftime("%H:%M:%S")
        subprocess.run(["pg_ctlcluster", version, name, "stop", "-m", "fast"], check=True)
        status = cluster_status(version, name)
        return check(status == "down", f"{at} pg_ctlcluster {version} {name} stop -m fast：集群状态 {status}")

    def start() -> bool:
        at = time.strftime("%H:%M:%S")
        subprocess.run(["pg_ctlcluster", version, name, "start"], check=True)
        status = cluster_status(version, name)
        return check(status == "online", f"{at} pg_ctlcluster {version} {name} start：集群状态 {status}")

    return outage(base, stop, start)


def postgres_connections(base: str) -> list[bool]:
    db = settings.DATABASES["default"]["NAME"]

    def refuse() -> bool:
        psql(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS false')
        psql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}'")
        return check(True, f"数据库 {db} 拒绝新连接，现有连接已切断")

    def allow() -> bool:
        psql(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS true')
        return check(True, f"数据库 {db} 重新允许连接")

    return outage(base, refuse, allow)


def redis(base: str) -> list[bool]:
    connection.close()  # this script's own connection may have been cut by the postgres drill
    port = os.environ.get("REDIS_PORT", "6379")
    report, _ = arrange()
    prep = session(base, "two_prep")
    subprocess.run(["redis-cli", "-p", port, "shutdown", "nosave"], capture_output=True, check=False)
    results = []
    try:
        health = requests.get(f"{base}/healthz")
        results.append(
            check(
                health.status_code == 503 and "Redis" in health.json().get("redis", ""),
                f"Redis 停止后 /healthz 返回 503 并指明 Redis：{health.text}",
            )
        )
        results.append(check(prep.get(f"{base}/").status_code == 200, "Redis 停止时首页正常"))
        # The pages drawn from the cache (DJANGO_CACHE_URL on the same Redis): a miss, not an error.
        pages = [prep.get(f"{base}/reports/{report.pk}/{step}/").status_code for step in ("applications", "review")]
        results.append(check(pages == [200, 200], f"Redis 停止时填报表格页和审阅页正常（缓存不命中）：{pages}"))
        results.append(save_overview(prep, base, report, "Redis 停止时保存"))
        token = csrf(prep.get(f"{base}/reports/{report.pk}/approval/").text)
        prep.post(
            f"{base}/reports/{report.pk}/transition/submit/",
            {"reason": "", "revision": "", "csrfmiddlewaretoken": token},
        )
        ok = session(base, "two_ok1")
        token = csrf(ok.get(f"{base}/reports/{report.pk}/approval/").text)
        answer = ok.post(
            f"{base}/reports/{report.pk}/transition/approve/",
            {"reason": "", "revision": "", "csrfmiddlewaretoken": token},
        )
        job = Job.objects.get(kind="final_pdf", report=report)
        results.append(
            check(
                answer.status_code == 200
                and Report.objects.get(pk=report.pk).state == ReportState.APPROVED
                and job.status == JobStatus.QUEUED
                and job.sent_at is None
                and "定稿生成中" in answer.text,
                f"Redis 停止时审核通过已提交，定稿任务排队等待（{job.get_status_display()}：{job.error}）",
            )
        )
    finally:
        subprocess.Popen(
            ["redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--daemonize", "yes"]
        ).wait()
    started = time.monotonic()
    while time.monotonic() - started < 240:
        job.refresh_from_db()
        if job.status in (JobStatus.DONE, JobStatus.FAILED):
            break
        time.sleep(1)
    snapshot = ReportSnapshot.objects.get(report=report)
    results.append(
        check(
            job.status == JobStatus.DONE and snapshot.ready,
            f"Redis 恢复后定稿任务自动执行：{job.get_status_display()}，用时约 {time.monotonic() - started:.0f} 秒，"
            f"快照 {ReportSnapshot.objects.filter(report=report).count()} 个",
        )
    )
    return results


if __name__ == "__main__":
    base, drills = sys.argv[1], sys.argv[2:] or ["postgres", "redis"]
    outcome = []
    for drill in drills:
        print(f"== {drill}")
        outcome += {"postgres": postgres, "postgres-connections": postgres_connections, "redis": redis}[drill](base)
    sys.exit(0 if all(outcome) else 1)
