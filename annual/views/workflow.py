"""Pages of the approval workflow: the review page, transitions, comments, explanations, history.

Views only translate HTTP to `annual.workflow` calls and back. Access: anonymous → login; a
report the user may not see → 404; seen but not theirs to act on → 403 for a POST, and the page
shows no forms.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from .. import permissions, workflow
from ..agencies import exemption_record
from ..audit import annotate_comments, audit_trail, changes_since_return
from ..formatting import person_name
from ..forms.workflow import CommentForm, PublishForm, TransitionForm
from ..interchange import ROW_RELATIONS, report_to_document
from ..models import Report
from ..sections import missing_basics_notice
from .entry import hint_items


def _back(report, request):
    """Where to go after a POST: the page it came from, if it is one of ours, else the review page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("report-approval", pk=report.pk)


def _flash_errors(request, form) -> None:
    """A refused form's errors as messages on the page the user goes back to."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def _board_url(user, report) -> str | None:
    """For a county reviewer, the round board of their agency in the report's year."""
    m = permissions.membership(user)
    if m is None or not permissions.is_county_reviewer(user, report):
        return None
    return reverse("county-board", args=[m.agency_id, report.year])


def _exemption_path(user, report) -> dict | None:
    """For a report only an exemption can get approved: the admin page of the agency's setting
    for whoever may change it, else the administrators to ask."""
    if not permissions.lone_approver_blocked(report):
        return None
    if permissions.can_exempt_agency(user):
        url = reverse("admin:annual_agency_change", args=[report.agency_id]) + "#id_single_approver_exempt"
        return {"url": url}
    return {"ask": [person_name(u) for u in permissions.exemption_granters()]}


@login_required
@require_GET
def approval(request, pk: int):
    """The report's review page: state, findings with explanations, changes since the last
    return, review comments, and the forms of the actions the user may take."""
    rows = Report.objects.select_related("agency").prefetch_related(*ROW_RELATIONS)
    report = permissions.get_visible_report(request.user, pk, queryset=rows)
    doc = report_to_document(report)  # once, for the rules and the changes since a return
    gate = workflow.check_gate(report, doc)
    transitions = list(report.transitions.select_related("actor").order_by("-at", "-pk"))
    returned, changes = changes_since_return(report, doc, transitions)
    actions = {rule.action: rule for rule in workflow.allowed_actions(request.user, report)}
    conflict = permissions.approval_conflict(request.user, report) if "approve" in actions else ""
    comments = annotate_comments(report, report.comments.select_related("author"))
    for t in transitions:
        t.rule = workflow.rule_for(t)  # type: ignore[attr-defined]  # read by the template beside t
    return render(
        request,
        "annual/workflow/approval.html",
        {
            "report": report,
            "gate": gate,
            "hints": hint_items(report, doc, gate.errors),
            "basics_notice": missing_basics_notice(doc, report),
            "can_edit": permissions.can_edit(request.user, report),
            "warnings": [(w, gate.explanations.get(w.key, "")) for w in gate.warnings],
            "can_explain": permissions.can_explain(request.user, report),
            "max_explanation_chars": workflow.MAX_EXPLANATION_CHARS,
            "returned": returned,
            "changes": changes,
            "actions": actions,
            "transition_form": TransitionForm(initial={"revision": report.revision}),
            "publish_form": PublishForm(
                initial={
                    "revision": report.revision,
                    "portal_published_on": report.portal_published_on or timezone.localdate(),
                }
            ),
            "comments": comments,
            "can_comment": permissions.can_comment(request.user, report),
            "comment_form": CommentForm(version=report.template),
            "transitions": transitions,
            "separation_refusal": workflow.separation_refusal(conflict) if conflict else "",
            "exemption": exemption_record(report.agency),
            "exemption_path": _exemption_path(request.user, report),
            "returned_landing": returned,
            "open_comments": [c for c in comments if c.resolved_at is None],
            "county_reviewed": workflow.COUNTY_APPROVE in actions and workflow.county_reviewed(report),
            "review_required_by": workflow.review_required_by(report) if actions else None,
            "board_url": _board_url(request.user, report),
        },
    )


@login_required
@require_POST
def transition(request, pk: int, action: str):
    report = permissions.get_visible_report(request.user, pk)
    rule = workflow.TRANSITIONS.get(action)
    if rule is None or rule.imported:  # an import is done by uploading its file, not by a button
        raise Http404("没有这个操作")
    if not workflow.may_act(request.user, report, rule):
        raise PermissionDenied(f"您不能{rule.label}这份报告。")
    form = (PublishForm if action == workflow.PUBLISH else TransitionForm)(request.POST)
    if not form.is_valid():
        _flash_errors(request, form)
        return _back(report, request)
    comment = None
    if action == workflow.RETURN and request.POST.get("comment_text", "").strip():
        # A comment typed but not added goes with the return (approval.js puts it in the POST);
        # if it cannot be saved, nothing is returned, so it is not lost without a word.
        typed = CommentForm(
            {"target": request.POST.get("comment_target", ""), "text": request.POST["comment_text"]},
            version=report.template,
        )
        if not typed.is_valid():
            messages.error(request, "未退回：随退回一起提交的审核意见有误，请改正后再退回。")
            _flash_errors(request, typed)
            return _back(report, request)
        comment = (typed.cleaned_data["target"], typed.cleaned_data["text"])
    try:
        workflow.perform_transition(
            report,
            action,
            user=request.user,
            reason=form.cleaned_data["reason"],
            revision=form.cleaned_data["revision"],
            portal_url=form.cleaned_data.get("portal_url", ""),
            portal_published_on=form.cleaned_data.get("portal_published_on"),
            comment=comment,
        )
    except workflow.TransitionError as exc:
        messages.error(request, str(exc))
    else:
        sent = "，未添加的审核意见已一并提交" if comment else ""
        messages.success(request, f"已{rule.label}{sent}，报告现为“{report.get_state_display()}”。")
    return _back(report, request)


@login_required
@require_POST
def explanations(request, pk: int):
    """Save the explanations of warnings; with `submit` in the POST, then submit for review."""
    report = permissions.get_visible_report(request.user, pk)
    if not permissions.works_on(request.user, report):
        raise PermissionDenied("只有本机关的填报人或审核人可以填写提示说明。")
    texts = {
        key.removeprefix("explanation:"): value for key, value in request.POST.items() if key.startswith("explanation:")
    }
    try:
        workflow.save_explanations(report, texts, user=request.user)
        if "submit" in request.POST:
            revision = request.POST.get("revision", "")
            workflow.perform_transition(
                report, workflow.SUBMIT, user=request.user, revision=int(revision) if revision.isdigit() else None
            )
            messages.success(request, "已提交审核。")
        else:
            messages.success(request, "提示说明已保存。")
    except workflow.TransitionError as exc:
        messages.error(request, str(exc))
    return redirect("report-approval", pk=report.pk)


@login_required
@require_POST
def add_comment(request, pk: int):
    report = permissions.get_visible_report(request.user, pk)
    if not permissions.writes_comments(request.user, report):
        raise PermissionDenied("只有本机关或上级机关的审核人可以提出审核意见。")
    if not permissions.can_comment(request.user, report):
        messages.error(
            request,
            f"报告状态为“{report.get_state_display()}”，现在不能提出审核意见"
            "（本机关审核人：待审核时；上级机关复核：待审核或已通过未发布时）。",
        )
        return redirect("report-approval", pk=report.pk)
    form = CommentForm(request.POST, version=report.template)
    if form.is_valid():
        try:
            workflow.add_comment(
                report, target=form.cleaned_data["target"], text=form.cleaned_data["text"], user=request.user
            )
        except workflow.TransitionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "审核意见已添加；退回后填报人会在对应位置看到。")
    else:
        _flash_errors(request, form)
    return redirect(reverse("report-approval", args=[report.pk]) + "#comments")


@login_required
@require_GET
def history(request, pk: int):
    """Every value change (who, when, old → new) and every transition with its reason."""
    report = permissions.get_visible_report(request.user, pk)
    return render(request, "annual/workflow/history.html", {"report": report, "entries": audit_trail(report)})
