"""The rows of the round board, drawn in Python.

A city's board has a few hundred rows of eight cells; the template language spends about a
millisecond on each, which alone would exceed the board's time budget. Every value goes through
`_e` (the standard library's HTML escape, quotes included: what the template's autoescape does)
before it is put into the markup.
"""

from __future__ import annotations

from html import escape

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from ..board import COLUMNS, NOT_SUBMITTED, REVIEW_EARLY, BoardRow
from ..formatting import person_name

register = template.Library()
NONE = '<span class="text-body-secondary">—</span>'
PASSED = '<span class="text-success">通过</span>'


def _e(value) -> str:
    return escape(str(value), quote=True)


def _row(row: BoardRow, can_run: bool, approval: tuple[str, str]) -> str:
    report = row.report
    name = _e(row.name)
    cells = []
    if can_run:
        box = (
            (
                f'<input type="checkbox" class="form-check-input" name="agency" value="{row.agency_id}" '
                f'aria-label="提醒{name}">'
            )
            # The board's own agency is the sender, never a recipient.
            if row.state in NOT_SUBMITTED and row.depth > 0
            else ""
        )
        cells.append(f'<td class="sel-col">{box}</td>')
    link = f'<a href="{_e(approval[0])}/{report.pk}/{_e(approval[1])}">{name}</a>' if report else name
    cells.append(f'<td class="agency-name depth-{row.depth}" title="{name}">{link}</td>')
    behind = (
        ' <span class="badge behind-badge" data-behind title="未提交，且已逾期或临近截止时仍有未填完的部分或错误">进度落后</span>'
        if row.behind
        else ""
    )
    cells.append(
        f'<td class="text-nowrap"><span class="badge state-badge state-{_e(row.state)}">'
        f"{_e(row.state_label)}</span>{behind}</td>"
    )
    review = row.review
    # Not yet approved: a dash, as for other cells with nothing in them yet (the filter names it).
    shown_review = NONE if review == REVIEW_EARLY else _e(row.review_label)
    cells.append(
        f'<td class="text-nowrap small"><span class="review review-{review}" data-review="{review}" '
        f'title="{_e(row.review_label)}">{shown_review}</span></td>'
    )
    if report:
        done, total = row.filled
        status = "fill-complete" if done == total else ("fill-partial" if done else "fill-empty")
        cells.append(
            f'<td class="text-center text-nowrap"><span class="fill {status}">{_e(row.filled_text)}</span></td>'
        )
        checks = []
        if row.errors:
            checks.append(f'<span class="badge text-bg-danger" data-errors="{row.errors}">{row.errors} 错误</span>')
        if row.warnings:
            checks.append(
                f'<span class="badge text-bg-warning" data-warnings="{row.warnings}">{row.warnings} 提示</span>'
            )
        shown = " ".join(checks) or PASSED
        cells.append(f'<td class="text-nowrap">{shown}</td>')
    else:
        cells.append(f'<td class="text-center text-nowrap">{NONE}</td><td class="text-nowrap">{NONE}</td>')
    if row.last_change_at:
        when = timezone.localtime(row.last_change_at).strftime("%m-%d %H:%M")
        change = f"{_e(row.last_change_by)} · {when}" if row.last_change_by else when
    else:
        change = NONE
    cells.append(f'<td class="text-nowrap small">{change}</td>')
    deadline = row.deadline
    # Red only for what is still owed; a late submission is history, in a neutral colour.
    if deadline.overdue:
        css = "text-danger fw-semibold"
    elif deadline.late_days or deadline.absent:
        css = "text-body-secondary"
    else:
        css = "text-success" if deadline.done or deadline.submitted else ""
    reminded = ""
    if row.last_reminder:
        sent = timezone.localtime(row.last_reminder.sent_at)
        reminded = (
            f'<span class="text-body-secondary" data-reminded title="{_e(person_name(row.last_reminder.sender))} 于 '
            f'{sent:%Y-%m-%d %H:%M} 提醒"> · 已提醒 {sent:%m-%d}</span>'
        )
    cells.append(
        f'<td class="text-nowrap small"><span class="{css}" data-deadline="{deadline.days_left}" '
        f'title="截止 {deadline.due.isoformat()}">{_e(deadline.text)}</span>{reminded}</td>'
    )
    if report and row.portal_text:
        url = _e(report.portal_url)
        cells.append(
            f'<td class="text-nowrap small"><a href="{url}" rel="noopener noreferrer" data-portal-url '
            f'title="{url}">{_e(row.portal_text)}</a></td>'
        )
    else:
        cells.append(f'<td class="text-nowrap small">{NONE}</td>')
    report_attr = f' data-report="{report.pk}"' if report else ""
    return (
        f'<tr data-agency="{row.agency_id}" data-state="{_e(row.state)}" data-depth="{row.depth}"{report_attr}>'
        + "".join(cells)
        + "</tr>"
    )


@register.simple_tag
def board_rows(rows: list[BoardRow], can_run: bool) -> SafeString:
    """The <tr> of every row (the <tbody>'s content)."""
    if not rows:
        return mark_safe(
            f'<tr><td colspan="{len(COLUMNS) + can_run}" class="text-body-secondary">没有符合条件的机关。</td></tr>'
        )
    # One reverse for all rows; each row's report id goes where the 0 is.
    head, tail = reverse("report-approval", args=[0]).rsplit("/0/", 1)
    return mark_safe("\n".join(_row(row, can_run, (head, tail)) for row in rows))
