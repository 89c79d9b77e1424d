"""The county's round board (年度工作台): every subordinate agency's report of a year, due dates,
reminders, its Excel export and the bulk downloads. Thin: data from `annual.board`, the workbook
from `annual.board_export`, bulk jobs from `annual.bulk` and `annual.jobs`, access from
`annual.permissions`, reminders from `annual.reminders`.

Access: anonymous → login; an agency whose board the user may not see (or one without
subordinates) → 404; seen but not theirs to run (administrators) → 403 for a POST.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .. import county_archives, permissions
from ..board import (
    COLUMNS,
    NOT_SUBMITTED,
    REVIEW_LABELS,
    STATE_LABELS,
    STATE_ORDER,
    Board,
    build_board,
    compiling_year,
)
from ..board_export import board_workbook
from ..bulk import BULK_KINDS, BULK_LABELS, BulkJob, bulk_jobs
from ..forms.county import DeadlineForm, ReminderForm
from ..models import Agency, Job, RoundDeadline
from ..reminders import send_reminders
from ..tree import AgencyTree

BOARD_PARAMETERS = ("state", "level", "sort", "review", "q")
YEARS_SHOWN = 4  # the year selector: the year being compiled and the three before it


def _board_agency(request: HttpRequest, agency_id: int, year: int) -> tuple[Agency, AgencyTree]:
    if not 2000 <= year <= 2100:
        raise Http404("没有这个年度")
    agency = get_object_or_404(Agency, pk=agency_id)
    tree = AgencyTree.load()
    if not permissions.can_view_board(request.user, agency, tree):
        raise Http404("没有找到该机关的工作台")
    return agency, tree


def _board_url(agency_id: int, year: int) -> str:
    return reverse("county-board", args=[agency_id, year])


@login_required
@require_GET
def my_board(request: HttpRequest) -> HttpResponse:
    agency = permissions.board_agency(request.user)
    if agency is None:
        raise Http404("您所在的机关没有下级机关")
    return redirect(_board_url(agency.pk, compiling_year(timezone.localdate())))


def _rollup_url(agency_id: int, year: int) -> str | None:
    # The roll-up page lives in its own module; the board links to it when it is installed.
    try:
        return reverse("county-rollup", kwargs={"agency_id": agency_id, "year": year})
    except NoReverseMatch:
        return None


def _shown(request: HttpRequest, data: Board) -> dict:
    """The board's filters from the query string (unknown values ignored) and the rows they
    leave: the page and its XLSX export show the same rows."""
    state = request.GET.get("state", "")
    state = state if state in STATE_LABELS else ""
    review = request.GET.get("review", "")
    review = review if review in REVIEW_LABELS else ""
    level = request.GET.get("level", "")
    level_value = int(level) if level.isdigit() and int(level) in data.levels else None
    laggards = request.GET.get("sort") == "laggards"
    query = request.GET.get("q", "").strip()[:100]
    rows = data.filtered(state=state, level=level_value, laggards=laggards, review=review, query=query)
    return {"state": state, "review": review, "level": level_value, "laggards": laggards, "q": query, "rows": rows}


@login_required
@require_GET
def board(request: HttpRequest, agency_id: int, year: int) -> HttpResponse:
    agency, tree = _board_agency(request, agency_id, year)
    today = timezone.localdate()
    data = build_board(agency, year, today=today, tree=tree)
    current = compiling_year(today)
    years = sorted({*range(current - YEARS_SHOWN + 1, current + 1), year}, reverse=True)
    can_run = permissions.can_run_round(request.user, agency, tree)
    latest = bulk_jobs(agency, year)
    return render(
        request,
        "annual/county/board.html",
        {
            "board": data,
            **_shown(request, data),
            "columns": COLUMNS,
            "years": years,
            "state_choices": [(s, STATE_LABELS[s]) for s in STATE_ORDER],
            "review_choices": list(REVIEW_LABELS.items()),
            "not_submitted": NOT_SUBMITTED,
            "can_run": can_run,
            "deadline_form": DeadlineForm(
                instance=data.deadline, initial={"subordinates_due": data.subordinates_due, "own_due": data.own_due}
            ),
            "rollup_url": _rollup_url(agency.pk, year),
            "bulk_jobs": [(kind, label, latest.get(kind)) for kind, label in BULK_KINDS],
        },
    )


@login_required
@require_GET
def board_xlsx(request: HttpRequest, agency_id: int, year: int) -> HttpResponse:
    """The board as shown (same filters, same columns) as an Excel workbook."""
    agency, tree = _board_agency(request, agency_id, year)
    data = build_board(agency, year, today=timezone.localdate(), tree=tree)
    content = board_workbook(data, _shown(request, data)["rows"])
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    name = f"{agency.name}{year}年度工作台.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


def _run(request: HttpRequest, agency_id: int, year: int) -> tuple[Agency, AgencyTree]:
    agency, tree = _board_agency(request, agency_id, year)
    if not permissions.can_run_round(request.user, agency, tree):
        raise PermissionDenied("只有本机关或上级机关的审核人可以设置截止日期和发送催报提醒。")
    return agency, tree


@login_required
@require_POST
def deadlines(request: HttpRequest, agency_id: int, year: int) -> HttpResponse:
    agency, _ = _run(request, agency_id, year)
    existing = RoundDeadline.objects.filter(agency=agency, year=year).first()
    form = DeadlineForm(request.POST, instance=existing or RoundDeadline(agency=agency, year=year))
    if form.is_valid():
        deadline = form.save(commit=False)
        deadline.updated_by = request.user
        deadline.save()
        messages.success(
            request,
            f"{year} 年度截止日期已保存：下级机关 {deadline.subordinates_due:%Y-%m-%d}，"
            f"本级 {deadline.own_due:%Y-%m-%d}。",
        )
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"截止日期未保存：{error}")
    return redirect(_board_url(agency.pk, year))


@login_required
@require_POST
def remind(request: HttpRequest, agency_id: int, year: int) -> HttpResponse:
    agency, tree = _run(request, agency_id, year)
    # The board's own agency is offered too, so selecting it is answered (not reminded), not refused.
    ids = [agency.pk, *tree.descendant_ids(agency.pk)]
    form = ReminderForm(request.POST, agency_ids=ids)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    else:
        outcome = send_reminders(
            root=agency,
            agency_ids=form.cleaned_data["agency"],
            year=year,
            sender=request.user,
            insist=form.cleaned_data["insist"],
            site_url=request.build_absolute_uri("/"),
        )
        (messages.success if outcome.sent else messages.warning)(request, outcome.summary())
    # Back to the board as it was filtered; only the board's own parameters are carried.
    kept = QueryDict(request.POST.get("query", "")).dict()
    query = urlencode({k: v for k, v in kept.items() if k in BOARD_PARAMETERS})
    return redirect(_board_url(agency.pk, year) + (f"?{query}" if query else ""))


@login_required
@require_POST
def bulk_start(request: HttpRequest, agency_id: int, year: int, kind: str) -> HttpResponse:
    agency, _ = _run(request, agency_id, year)
    if kind not in BULK_LABELS:
        raise Http404("没有这种批量下载")
    current = bulk_jobs(agency, year).get(kind)
    if current is not None and not current.job.finished:
        messages.info(request, f"“{current.label}”正在生成，完成后可在此下载。")
    else:
        county_archives.start_county_job(kind, agency, year, user=request.user)
        messages.success(request, f"已开始生成“{BULK_LABELS[kind]}”，完成后可在此下载。")
    return redirect(_board_url(agency.pk, year) + "#bulk")


def _bulk_job(request: HttpRequest, agency_id: int, year: int, pk: int) -> BulkJob:
    agency, _ = _board_agency(request, agency_id, year)
    job = get_object_or_404(Job, pk=pk, agency=agency, kind__in=BULK_LABELS, params__year=year)
    return BulkJob(job)


@login_required
@require_GET
@never_cache
def bulk_status(request: HttpRequest, agency_id: int, year: int, pk: int) -> JsonResponse:
    """{"status", "progress", "finished", "error", "download"} of a bulk job, for the board's poll."""
    bulk = _bulk_job(request, agency_id, year, pk)
    return JsonResponse(
        {
            "status": bulk.job.status,
            "progress": bulk.progress,
            "finished": bulk.job.finished,
            "error": bulk.job.error,
            "download": reverse("county-bulk-download", args=[agency_id, year, pk]) if bulk.ready else "",
        },
        json_dumps_params={"ensure_ascii": False},
    )


@login_required
@require_GET
def bulk_download(request: HttpRequest, agency_id: int, year: int, pk: int) -> FileResponse:
    agency, _ = _board_agency(request, agency_id, year)
    bulk = _bulk_job(request, agency_id, year, pk)
    if not bulk.ready:
        raise Http404("文件尚未生成")
    name = f"{agency.name}{year}年度{bulk.label}.zip"
    try:
        handle = bulk.job.output.open("rb")
    except OSError:
        raise Http404("文件已不在存储中，请重新生成") from None
    return FileResponse(handle, as_attachment=True, filename=name, content_type="application/zip")
