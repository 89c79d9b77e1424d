"""The 汇总 pages: the roll-up in the official layout, a cell's drill-down, its PDF, and
「从汇总生成本级报告」. Thin: the roll-up is `annual.rollup`, the county report's generation and
staleness `annual.rollup_report`, access `annual.permissions`."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from .. import permissions
from .. import template_spec as spec
from ..document import value_at
from ..layout import Cell, build_tables
from ..models import Agency, Report
from ..pdf import PdfRenderError
from ..rollup import (
    Comparison,
    RollupError,
    YearOnYear,
    build_rollup,
    compare,
    county_year,
    narrative_draft,
    render_rollup_pdf,
    rollup_title,
)
from ..rollup_report import NotEditable, basis_status, generate_county_report
from .pdf import _pdf_response


def _agency(request: HttpRequest, agency_id: int, year: int) -> Agency:
    """The agency if the user may see its roll-up, else 404 (ids reveal nothing)."""
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None or not 2000 <= year <= 2100 or not permissions.can_view_rollup(request.user, agency):
        raise Http404("没有找到该机关的汇总")
    return agency


@dataclass(frozen=True)
class ShownCell:
    """A layout cell as the roll-up page draws it: value cells carry last year and the change."""

    cell: Cell
    comparison: Comparison | None = None


def _shown_tables(doc: dict, yoy: YearOnYear | None) -> list[dict]:
    """The official tables of `doc`, each value cell with its year-on-year comparison over the
    matched agencies (`yoy`; none when no agency is in both years)."""
    previous = yoy.before if yoy else None
    prev_paths = {p for p, _ in spec.value_cells(previous["template"])} if previous else set()
    tables = []
    for key, table in build_tables(doc).items():
        groups = []
        for group in table.groups:
            rows = []
            for row in group:
                cells = []
                for cell in row.cells:
                    if not cell.is_value or yoy is None or previous is None:
                        cells.append(ShownCell(cell))
                        continue
                    comparison = compare(
                        value_at(yoy.now, cell.path),
                        value_at(previous, cell.path),
                        cell.kind,
                        exists=cell.path in prev_paths,
                        total=cell.value,
                    )
                    cells.append(ShownCell(cell, comparison))
                rows.append({"css": row.css, "cells": cells})
            groups.append(rows)
        tables.append({"key": key, "heading": spec.SECTIONS_BY_KEY[key].heading, "table": table, "groups": groups})
    return tables


@login_required
@require_safe
def rollup_page(request: HttpRequest, agency_id: int, year: int) -> HttpResponse:
    agency = _agency(request, agency_id, year)
    data = county_year(agency, year)
    own = Report.objects.filter(pk=data.own.report_id).select_related("agency").first() if data.own else None
    status = basis_status(own, current=data.rollup) if own is not None and data.rollup is not None else None
    rollup = data.rollup
    yoy = data.year_on_year
    context = {
        "agency": agency,
        "year": year,
        "data": data,
        "rollup": rollup,
        "title": rollup_title(rollup) if rollup else f"{agency.name}{year}年度汇总",
        "tables": _shown_tables(rollup.document, yoy) if rollup else [],
        "yoy": yoy,
        "own": own,
        "basis": status,
        "can_generate": permissions.can_generate_from_rollup(request.user, agency),
        "narrative": narrative_draft(rollup.document) if rollup and rollup.parts else "",
        "years": [year - 1, year + 1] if year < 2100 else [year - 1],
    }
    return render(request, "annual/rollup/page.html", context)


@login_required
@require_safe
def rollup_cell(request: HttpRequest, agency_id: int, year: int) -> HttpResponse:
    """Which agencies contribute what to one cell (?path=applications.received.total).

    The page fetches it into a dialog (?partial=1); opened directly it is a page of its own."""
    agency = _agency(request, agency_id, year)
    try:
        rollup = build_rollup(agency, year)
    except RollupError as exc:
        return render(
            request, "annual/rollup/cell.html", {"agency": agency, "year": year, "error": str(exc)}, status=409
        )
    path = request.GET.get("path", "")
    kinds = dict(spec.value_cells(rollup.template))
    if path not in kinds:
        raise Http404("没有这个单元格")
    rows = rollup.contributions(path)
    total = value_at(rollup.document, path)
    shown = []
    for part, value in rows:
        share = ""
        # A document's figures are counts (int) or amounts (decimal strings).
        if (
            isinstance(value, int | str)
            and isinstance(total, int | str)
            and float(total)
            and kinds[path] != spec.SIGNED
        ):
            share = f"{float(value) * 100 / float(total):.1f}%"
        shown.append({"part": part, "value": value, "share": share})
    outside = [
        {"left": x, "value": value_at(x.entry.document, path)}
        for x in rollup.left_out
        if x.entry is not None and x.entry.template == rollup.template
    ]
    template = "annual/rollup/_cell_body.html" if request.GET.get("partial") == "1" else "annual/rollup/cell.html"
    return render(
        request,
        template,
        {
            "agency": agency,
            "year": year,
            "rollup": rollup,
            "path": path,
            "label": spec.describe_cell(rollup.template, path),
            "total": total,
            "rows": shown,
            "contributing": sum(1 for _, v in rows if v not in (None, 0, "0")),
            "outside": outside,
        },
    )


@login_required
@require_safe
def rollup_pdf(request: HttpRequest, agency_id: int, year: int) -> HttpResponse:
    agency = _agency(request, agency_id, year)
    try:
        rollup = build_rollup(agency, year)
        pdf = render_rollup_pdf(rollup, printed_at=timezone.localtime())
    except RollupError as exc:
        messages.error(request, str(exc))
        return redirect("county-rollup", agency_id=agency.pk, year=year)
    except PdfRenderError as exc:
        return render(request, "annual/pdf/error.html", {"message": str(exc)}, status=503)
    return _pdf_response(pdf, f"{rollup_title(rollup)}.pdf")


@login_required
@require_POST
def rollup_generate(request: HttpRequest, agency_id: int, year: int) -> HttpResponse:
    """「从汇总生成本级报告」 / refresh: the agency's own approver only (others: 403, or 404 if
    they may not even see the roll-up)."""
    agency = _agency(request, agency_id, year)
    if not permissions.can_generate_from_rollup(request.user, agency):
        return HttpResponse("只有本机关的审核人可以从汇总生成本级报告。", status=403)
    back = reverse("county-rollup", kwargs={"agency_id": agency.pk, "year": year})
    try:
        report, created = generate_county_report(agency, year, user=request.user)
    except (RollupError, NotEditable) as exc:
        messages.error(request, str(exc))
        return redirect(back)
    verb = "已从汇总生成" if created else "已从汇总更新"
    messages.success(request, f"{verb}本级报告“{report.display_title}”的表二、表三、表四（修订号 {report.revision}）。")
    return redirect(back + "#own-report")
