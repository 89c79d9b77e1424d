"""The county's round board (年度工作台): every subordinate agency's report of a year, due dates,
reminders. Thin: data from `annual.board`, access from `annual.permissions`, reminders from
`annual.reminders`.

Access: anonymous → login; an agency whose board the user may not see (or one without
subordinates) → 404; seen but not theirs to run (administrators) → 403 for a POST.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from .. import permissions
from ..board import (
    NOT_SUBMITTED,
    STATE_LABELS,
    STATE_ORDER,
    build_board,
    compiling_year,
)
from ..forms.county import DeadlineForm, ReminderForm
from ..models import Agency, RoundDeadline
from ..reminders import send_reminders
from ..tree import AgencyTree

BOARD_PARAMETERS = ("state", "level", "sort")
YEARS_SHOWN = 4  # the year selector: the year being compiled and the three before it


def _board_agency(request: HttpRequest, agency_id: int, year: int) -> tuple[Agency, AgencyTree]:
    if not 2000 <= year <= 2100:
        raise Http404("没有这个年度")
    agency = get_object_or_404(Agency, pk=agency_id)
    tree = Agency.objects.tree()
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


@login_required
@require_GET
def board(request: HttpRequest, agency_id: int, year: int) -> HttpResponse:
    agency, tree = _board_agency(request, agency_id, year)
    today = timezone.localdate()
    data = build_board(agency, year, today=today, tree=tree)
    state = request.GET.get("state", "")
    state = state if state in STATE_LABELS else ""
    level = request.GET.get("level", "")
    level_value = int(level) if level.isdigit() and int(level) in data.levels else None
    laggards = request.GET.get("sort") == "laggards"
    current = compiling_year(today)
    years = sorted({*range(current - YEARS_SHOWN + 1, current + 1), year}, reverse=True)
    return render(
        request,
        "annual/county/board.html",
        {
            "board": data,
            "rows": data.filtered(state=state, level=level_value, laggards=laggards),
            "state": state,
            "level": level_value,
            "laggards": laggards,
            "years": years,
            "state_choices": [(s, STATE_LABELS[s]) for s in STATE_ORDER],
            "not_submitted": NOT_SUBMITTED,
            "can_run": permissions.can_run_round(request.user, agency, tree),
            "deadline_form": DeadlineForm(
                instance=data.deadline, initial={"subordinates_due": data.subordinates_due, "own_due": data.own_due}
            ),
            "rollup_url": _rollup_url(agency.pk, year),
        },
    )


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
        )
        (messages.success if outcome.sent else messages.warning)(request, outcome.summary())
    # Back to the board as it was filtered; only the board's own parameters are carried.
    kept = QueryDict(request.POST.get("query", "")).dict()
    query = urlencode({k: v for k, v in kept.items() if k in BOARD_PARAMETERS})
    return redirect(_board_url(agency.pk, year) + (f"?{query}" if query else ""))
