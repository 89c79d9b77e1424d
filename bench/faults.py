"""Fault drills against a running production stack (`./dev serve`), one line per result.

    .venv/bin/python bench/faults.py http://127.0.0.1:8000 postgres redis

with the stack's environment (DATABASE_URL, CELERY_BROKER_URL, REDIS_PORT). Run as root on
the database machine: the PostgreSQL drill uses `runuser -u postgres psql`.

- postgres: the app's database refuses connections and every open one is cut, as in a restart
  (the shared cluster itself is not stopped): /healthz says 503 and names the database, pages
  answer the Chinese 500 page (no traceback); connections allowed again, the same gunicorn
  processes answer 200 without a restart (CONN_HEALTH_CHECKS).
- redis: the broker is shut down: /healthz names Redis, pages and saves work, an approval
  commits with its job waiting on its row; Redis started again, beat or the next worker sweep
  sends the job and the final PDF appears; nothing is lost.
(A worker killed mid-render and a read-only storage are tests: tests/test_jobs_celery.py,
tests/test_jobs.py.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from django.conf import settings
from two_servers import arrange, check, csrf, form_fields, session

from annual.models import Job, JobStatus, Report, ReportSnapshot, ReportState


def psql(sql: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", "psql", "-q", "-d", "postgres", "-c", sql], check=True, cwd="/")


def postgres(base: str) -> list[bool]:
    db = settings.DATABASES["default"]["NAME"]
    arrange()
    s = session(base, "two_prep")
    results = [check(s.get(f"{base}/").status_code == 200, "数据库故障前首页 200")]
    psql(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS false')
    psql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db}'")
    try:
        health = [__import__("requests").get(f"{base}/healthz") for _ in range(3)]
        home = s.get(f"{base}/")
        results.append(
            check(
                all(h.status_code == 503 and "数据库连接失败" in h.json()["database"] for h in health),
                f"数据库不可用时 /healthz 返回 503 并指明数据库：{health[0].text}",
            )
        )
        results.append(
            check(
                home.status_code == 500 and "服务器出错" in home.text and "Traceback" not in home.text,
                f"数据库不可用时页面返回 {home.status_code} 中文提示、无堆栈",
            )
        )
    finally:
        psql(f'ALTER DATABASE "{db}" ALLOW_CONNECTIONS true')
    answers = [s.get(f"{base}/").status_code for _ in range(10)]
    results.append(check(answers == [200] * 10, f"数据库恢复后不重启即恢复：连续 10 次首页 {answers}"))
    return results


def redis(base: str) -> list[bool]:
    import requests
    from django.db import connection

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
        url = f"/reports/{report.pk}/overview/"
        fields = form_fields(prep.get(base + url).text)
        fields["overview"] = fields.get("overview", "") + "（Redis 停止时保存）"
        saved = prep.post(base + url, fields, allow_redirects=False)
        results.append(
            check(
                saved.status_code == 302 and "Redis 停止时保存" in Report.objects.get(pk=report.pk).overview,
                f"Redis 停止时保存成功（{saved.status_code}）",
            )
        )
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
        outcome += {"postgres": postgres, "redis": redis}[drill](base)
    sys.exit(0 if all(outcome) else 1)
