"""Job status for the self-updating waiting page, and the health check for load balancers."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .. import permissions
from ..draft_pdfs import superseded
from ..models import Job


@login_required
@require_safe
@never_cache
def job_status(request, pk: int):
    """{"status", "label", "finished", "attempts", "error", "superseded"} of a job the user may see (404 otherwise)."""
    job = get_object_or_404(Job, pk=pk)
    if not permissions.can_see_job(request.user, job):
        raise Http404
    return JsonResponse(
        {
            "status": job.status,
            "label": job.get_status_display(),
            "finished": job.finished,
            "attempts": job.attempts,
            "error": job.error,
            # A draft replaced by a newer version of its report: the page asks for the PDF again.
            "superseded": superseded(job),
        }
    )


@require_safe
@never_cache
def healthz(request):
    """200 when the database (and Redis, when jobs use it) answer; 503 naming what failed."""
    checks = {"database": _check_database()}
    if settings.HAS_CELERY:
        checks["redis"] = _check_redis()
    healthy = all(result == "ok" for result in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "fail", **checks},
        status=200 if healthy else 503,
        json_dumps_params={"ensure_ascii": False},
    )


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure is the answer
        connection.close_if_unusable_or_obsolete()
        return f"数据库连接失败（{exc.__class__.__name__}）"


def _check_redis() -> str:
    import redis

    try:
        client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        return "ok"
    except Exception as exc:  # noqa: BLE001
        return f"Redis 连接失败（{exc.__class__.__name__}）"
