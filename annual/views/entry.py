"""Entry pages: home, new report, one page per section step, and the review page.

Views stay thin: access goes through `annual.permissions`, saving through
`annual.sections.save_section`, findings through the rule engine.
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.html import json_script
from django.views.decorators.http import require_GET, require_POST

from .. import board, permissions, report_cache, rules, sections
from .. import template_spec as spec
from ..document import blank_document
from ..forms import NewReportForm, form_class_for
from ..forms.sections import TEXT_HINT, grid_config
from ..layout import build_table
from ..models import Report, ReportState, Transition
from ..normalize import format_value
from ..pdf.context import build_context
from ..tree import AgencyTree


class Utf8JSONEncoder(DjangoJSONEncoder):
    """JSON with Chinese as UTF-8 instead of \\u escapes: a third of the bytes for messages."""

    def __init__(self, *args, **kwargs):
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


def _step_url(report: Report, step: sections.Step) -> str:
    return reverse("report-step", args=[report.pk, step.slug])


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The user's agency's reports by year, its due date, and for whoever runs a round (a county
    approver, an administrator) the year's counts with a link to the round board.

    A fixed number of queries whatever the number of reports or agencies: rows, comment counts
    and returns are read in bulk, and subordinates' reports are the board's business.
    """
    user = request.user
    member = permissions.membership(user)
    today = timezone.localdate()
    reports = []
    if member is not None:
        reports = list(
            Report.objects.filter(agency_id=member.agency_id)
            .select_related("agency")
            .prefetch_related(
                Prefetch(
                    "transitions",
                    to_attr="returns_newest_first",
                    queryset=Transition.objects.filter(to_state=ReportState.RETURNED)
                    .select_related("actor")
                    .order_by("-at", "-pk"),
                ),
            )
            .annotate(open_comment_count=Count("comments", filter=Q(comments__resolved_at__isnull=True)))
            .order_by("-year")
        )
    by_pk = report_cache.documents(reports)
    docs = {r.year: by_pk[r.pk] for r in reports}
    own = [
        {
            "report": report,
            "overview": sections.overview(report, doc=docs[report.year], previous=docs.get(report.year - 1)),
            "editable": permissions.can_edit(user, report),
        }
        for report in reports
    ]
    can_create = member is not None and permissions.can_create_report(user, member.agency)
    default_year = sections.default_new_year(today, {r.year for r in reports})
    year = board.compiling_year(today)
    tree = AgencyTree.load()
    due = board.agency_due(member.agency_id, year, tree) if member is not None else None
    board_agency = permissions.board_agency(user, tree)
    return render(
        request,
        "annual/home.html",
        {
            "member": member,
            "own": own,
            "can_create": can_create,
            "new_form": NewReportForm(initial={"year": default_year}),
            "steps": sections.STEPS,
            "template_versions": spec.VERSION_CHOICES,
            "year": year,
            "due": board.Deadline(
                due,
                today,
                done=any(r.year == year and r.state == ReportState.PUBLISHED for r in reports),
                submitted=any(r.year == year and r.state not in board.NOT_SUBMITTED for r in reports),
            )
            if due
            else None,
            "round": board.round_counts(board_agency, year, tree) if board_agency else None,
            "board_agency": board_agency,
        },
    )


@login_required
@require_POST
def new_report(request: HttpRequest) -> HttpResponse:
    member = permissions.membership(request.user)
    if member is None or not permissions.can_create_report(request.user, member.agency):
        messages.error(request, "您没有为本机关新建报告的权限。")
        return redirect("home")
    form = NewReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, "新建报告失败：" + "；".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("home")
    year = form.cleaned_data["year"]
    try:
        report = sections.create_report(member.agency, year, request.user)
    except (sections.ReportExists, ValidationError) as exc:
        messages.error(request, f"新建报告失败：{exc.message if isinstance(exc, ValidationError) else exc}")
        return redirect("home")
    version = dict(spec.VERSION_CHOICES)[report.template]
    note = (
        "，已从上年报告带入上年结转等数据"
        if report.application_rows.filter(key="carried_over", total__isnull=False).exists()
        else ""
    )
    messages.success(request, f"已新建 {year} 年度报告（{version}）{note}。")
    return redirect(_step_url(report, sections.BASIC))


@login_required
def report_root(request: HttpRequest, pk: int) -> HttpResponse:
    report = permissions.get_visible_report(request.user, pk)
    if report.state == ReportState.RETURNED and permissions.can_edit(request.user, report):
        # Returned: land on the reason and the open comments, each linking to its cell.
        return redirect("report-approval", pk=report.pk)
    step = sections.BASIC if permissions.can_edit(request.user, report) else sections.REVIEW
    return redirect(_step_url(report, step))


def _target(request: HttpRequest, report: Report, step: sections.Step) -> str:
    """Where to go after a save: the next/previous step, a step jumped to, or back here."""
    action = request.POST.get("action", "save")
    previous, following = sections.neighbours(step)
    target = step
    if action == "next" and following:
        target = following
    elif action == "prev" and previous:
        target = previous
    elif request.POST.get("goto") in sections.STEPS_BY_SLUG:
        target = sections.STEPS_BY_SLUG[request.POST["goto"]]
    return _step_url(report, target)


def _conflict_rows(form, conflict: sections.SectionConflict) -> list[dict]:
    """The cells both people changed: theirs as saved, mine as submitted."""
    mine = form.section_values()
    labels = form.labels()
    return [
        {
            "name": name,
            "label": labels.get(name, name),
            "mine": format_value(mine.get(name)),
            "theirs": format_value(conflict.current.get(name)),
        }
        for name in conflict.cells
    ]


def _offer_merged(form, conflict: sections.SectionConflict) -> None:
    """Show the merge on the page: the saver's value where they changed a cell, the saved value
    everywhere else, at the revision now saved; saving again then replaces only the listed cells."""
    data = form.data.copy()
    for name, value in conflict.merged.items():
        if name not in conflict.cells:
            data[name] = form.fields[name].prepare_value(value) if value is not None else ""
    data["revision"] = str(conflict.revision)
    data["report_revision"] = str(conflict.report_revision)
    form.data = data


@login_required
def report_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    current = sections.STEPS_BY_SLUG.get(step)
    if current is None:
        raise Http404("没有这一步")
    if current is sections.REVIEW:
        return _review(request, permissions.get_visible_report(request.user, pk, queryset=report_cache.page_reports()))
    conflict = None
    status = 200
    if request.method == "POST":
        # Saving needs neither the rows nor last year's report: read them only to show a page.
        report = permissions.get_visible_report(request.user, pk)
        editable = permissions.can_edit(request.user, report)
        form_class = form_class_for(current.key, report.template)
        if not editable:
            messages.error(request, f"此报告当前为“{report.get_state_display()}”，不能修改。")
            return redirect(_step_url(report, current))
        form = form_class(request.POST, report=report, doc=None)
        if form.is_valid():
            try:
                result = sections.save_section(
                    report.pk,
                    current.key,
                    form.section_values(),
                    loaded_revision=form.cleaned_data["revision"],
                    user=request.user,
                    loaded_report_revision=form.cleaned_data["report_revision"],
                )
            except sections.NotEditable as exc:
                messages.error(request, f"此报告当前为“{exc}”，不能修改，未保存。")
                return redirect(_step_url(report, current))
            except sections.SectionConflict as exc:
                conflict = {"rows": _conflict_rows(form, exc), "by": exc.saved_by, "at": exc.saved_at}
                _offer_merged(form, exc)
                status = 409
            else:
                at = timezone.localtime().strftime("%H:%M:%S")
                what = f"{result.changed} 处修改" if result.changed else "内容未变"
                merged = (
                    (f"；本部分在您打开页面后已被“{result.merged_with}”保存，其修改已保留，本次只写入了您改动的格")
                    if result.merged_with
                    else ""
                )
                messages.success(request, f"已保存“{current.label}”（{at}，{what}{merged}）。")
                return redirect(_target(request, report, current))
        else:
            status = 422
        report = permissions.get_visible_report(request.user, pk, queryset=report_cache.page_reports())
        doc = report_cache.document(report)
    else:
        report = permissions.get_visible_report(request.user, pk, queryset=report_cache.page_reports())
        editable = permissions.can_edit(request.user, report)
        doc = report_cache.document(report)
        form = form_class_for(current.key, report.template)(report=report, doc=doc, readonly=not editable)
    return render(
        request,
        _template(current),
        _step_context(request, report, current, form, doc, editable, conflict),
        status=status,
    )


def _template(step: sections.Step) -> str:
    if step.key in sections.TEXT_KEYS:
        return "annual/entry/text.html"
    return {
        "basic": "annual/entry/basic.html",
        "proactive": "annual/entry/proactive.html",
        "applications": "annual/entry/applications.html",
        "review_litigation": "annual/entry/review_litigation.html",
    }[step.key]


def _step_context(request, report, step, form, doc, editable, conflict) -> dict:
    ov = report_cache.overview(report, doc)
    previous, following = sections.neighbours(step)
    context = {
        "report": report,
        "step": step,
        "form": form,
        "ov": ov,
        "editable": editable,
        "conflict": conflict,
        "prev_step": previous,
        "next_step": following,
        "step_findings": ov.findings_for(step),
        "step_hints": [h for h in hint_items(report, ov.doc, ov.findings) if h["step"] == step],
        "dirty": form.is_bound,
        "version_label": dict(spec.VERSION_CHOICES)[report.template],
        # The form's inputs as saved in this version, the same for everyone with the same `editable`:
        # drawn once per version ({% fragment %}). A form posted back shows what was typed instead.
        "fragment": "" if form.is_bound else f"{report_cache.stamp_of(report)}:{step.key}:{int(editable)}",
    }
    if step.key in sections.TABLE_KEYS:
        grid, grid_json = _grid(step.key, report.template)
        # Drawn only when the fragment below is not cached.
        context.update(table=SimpleLazyObject(lambda: form.entry_table(doc)), grid=grid, grid_json=grid_json)
    elif step.key in sections.TEXT_KEYS:
        context["hint"] = TEXT_HINT
    return context


@functools.cache
def _grid(key: str, version: str) -> tuple[dict, str]:
    """What grid.js needs for the table `key` of `version`: its cells and checks are the spec's,
    whatever the values, so it is built once per process."""
    grid = grid_config(build_table(blank_document(agency="-", year=2000, version=version), key), version)
    return grid, json_script(grid, "grid-config", encoder=Utf8JSONEncoder)


def hint_items(report: Report, doc: dict, findings: list[rules.Finding]) -> list[dict[str, Any]]:
    """The probable culprits with the entry step where each is corrected."""
    items = []
    for h in report_cache.hints(report, doc, findings):
        step = sections.finding_step(h)
        items.append({"finding": h, "step": step, "url": f"{_step_url(report, step)}#cell-{h.cells[0]}"})
    return items


def _review(request: HttpRequest, report: Report) -> HttpResponse:
    """The whole report read-only in official order, and every finding grouped by severity."""
    ov = report_cache.overview(report)
    doc = ov.doc
    findings: list[dict[str, Any]] = []
    for f in ov.findings:
        target = sections.finding_step(f)
        anchor = f"cell-{f.cells[0]}" if f.rule != "narrative_numbers" else f"cell-{target.key}"
        findings.append(
            {
                "finding": f,
                "step": target,
                "url": f"{_step_url(report, target)}#{anchor}",
                "rule_label": rules.RULE_LABELS.get(f.rule, f.rule),
            }
        )
    meta = doc["meta"]
    meta_rows = [(label, meta.get(key)) for key, label in spec.META_FIELDS if meta.get(key)]
    meta_rows += [
        (label, meta.get("contact", {}).get(key))
        for key, label in spec.CONTACT_FIELDS
        if meta.get("contact", {}).get(key)
    ]
    return render(
        request,
        "annual/entry/review.html",
        {
            "report": report,
            "step": sections.REVIEW,
            "ov": ov,
            "doc": doc,
            "editable": permissions.can_edit(request.user, report),
            "errors": [f for f in findings if f["finding"].severity == rules.ERROR],
            "warnings": [f for f in findings if f["finding"].severity == rules.WARNING],
            "hints": hint_items(report, doc, ov.findings),
            "meta_rows": meta_rows,
            "intro_label": spec.INTRO_LABEL,
            # What prints, built by the print's own function: the page cannot show anything else.
            # Drawn only when the fragment of this version is not cached.
            "printed": SimpleLazyObject(lambda: build_context(doc, title=report.display_title)),
            "fragment": report_cache.stamp_of(report),
            "prev_step": sections.neighbours(sections.REVIEW)[0],
            "next_step": None,
            "version_label": dict(spec.VERSION_CHOICES)[report.template],
        },
    )
