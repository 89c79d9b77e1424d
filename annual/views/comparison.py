"""比较两份报告: a report beside last year's (or any other the user can see), cell by cell and
paragraph by paragraph, with the 内容雷同 share; downloadable as XLSX and PDF. Thin: the
comparison is `annual.comparison`, the files `annual.exports.comparison`."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .. import comparison, report_cache, rules
from ..exports import comparison as files
from ..interchange import previous_report
from ..models import Report
from ..permissions import get_visible_report, visible_reports
from .publish import _download

DOWNLOADS = {
    "xlsx": (files.comparison_workbook, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pdf": (files.comparison_pdf, "application/pdf"),
}


@login_required
@require_safe
def report_compare(request, pk: int):
    """This report (乙) against `?with=<pk>` (甲), by default the same agency's last year."""
    report = get_visible_report(request.user, pk)
    other_pk = request.GET.get("with", "")
    other: Report | None
    if other_pk:
        if not other_pk.isdigit():
            raise Http404("比较对象无效")
        other = get_visible_report(request.user, int(other_pk))
    else:
        other = previous_report(report)
    choices = (
        visible_reports(request.user)
        .select_related("agency")
        .exclude(pk=report.pk)
        .order_by("agency__name", "-year")[:300]
    )
    if other is None:
        return render(request, "annual/compare.html", {"report": report, "other": None, "choices": choices})
    a, b = report_cache.document(other), report_cache.document(report)
    fmt = request.GET.get("format", "")
    if fmt:
        if fmt not in DOWNLOADS:
            raise Http404("不支持的下载格式")
        write, content_type = DOWNLOADS[fmt]
        return _download(write(a, b), f"{files.title(a, b)}.{fmt}", content_type)
    result = comparison.compare(a, b)
    unusual = {f.cells[0] for f in rules.year_on_year_findings(b, a)}
    rows = [
        {**dict(zip(("name", "a", "b", "delta", "ratio"), row, strict=True)), "unusual": change["path"] in unusual}
        for change, row in zip(result["cells"], files.cell_rows(result, b), strict=True)
    ]
    pool = comparison.shingles("\n".join(a.get(k) or "" for k in comparison.NARRATIVE_KEYS))
    sections = files.section_views(a, b)
    for view, key in zip(sections, comparison.NARRATIVE_KEYS, strict=True):
        view["copied"] = comparison.copied(b.get(key), [pool]).share
        view["flagged"] = view["copied"] > comparison.COPIED_THRESHOLD
    context = {
        "report": report,
        "other": other,
        "choices": choices,
        "title": files.title(a, b),
        "a_label": files.label(a),
        "b_label": files.label(b),
        "note": result.get("note", ""),
        "rows": rows,
        "sections": sections,
        "threshold": comparison.COPIED_THRESHOLD,
    }
    return render(request, "annual/compare.html", context)
