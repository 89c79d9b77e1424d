"""The approval workflow: the one transition table and the one function that changes state.

    草稿 ──提交审核──▶ 待审核 ──审核通过──▶ 已通过 ──登记发布──▶ 已发布
     ▲  ◀──撤回提交──   │                   │                  │
     │                 └──退回修改──▶ 已退回 ◀──重新打开（已通过 / 已发布）
     └──────────────── 已退回 ──提交审核──▶ 待审核

County review (复核), by an approver of an agency above the report's: 复核退回 sends a submitted,
or approved and unpublished, report back with a reason; 复核通过 records the county's consent on
an approved report without changing its state. When an agency above has
`publication_requires_review`, 登记发布 waits for a 复核通过 after the latest approval.

Reopening goes to 已退回 rather than 草稿 on purpose: the report is editable again, the reason
is on record like a return's, and the preparer sees it as "returned with a reason", which is
what happened. A published report may be reopened too (a correction after publication); it
must then be approved and published again.

`perform_transition` is the only code that assigns `Report.state`. A `pre_save` guard below
refuses any other change to a locked report's values, so a code path that forgets to check
`Report.is_editable` fails loudly instead of silently changing an approved report.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.signals import pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone

from . import notifications, permissions
from .formatting import person_name
from .interchange import load_report, previous_document, report_to_document
from .models import (
    Agency,
    ApplicationRow,
    ProactiveItem,
    Report,
    ReportSnapshot,
    ReportState,
    ReviewComment,
    ReviewLitigationGroup,
    Role,
    Transition,
    WarningExplanation,
)
from .rules import ERROR, WARNING, Finding, check_document
from .transitions import APPROVE, COUNTY_APPROVE, PUBLISH, RETURN, TRANSITIONS, Rule, rule_for

# Re-exported: callers name the actions through the workflow that performs them.
from .transitions import COUNTY_RETURN as COUNTY_RETURN
from .transitions import REOPEN as REOPEN
from .transitions import SUBMIT as SUBMIT
from .transitions import WITHDRAW as WITHDRAW
from .tree import AgencyTree

S = ReportState
EDITABLE_STATES = frozenset({S.DRAFT, S.RETURNED})
# An explanation of one warning is a few sentences; the cap keeps the review page and the audit
# trail readable (250 000 characters used to be accepted).
MAX_EXPLANATION_CHARS = 2000


class TransitionError(Exception):
    """A transition was refused; the message (Chinese) says why and is meant for the user."""


class ReportLocked(PermissionDenied):
    """A write reached a report that only the workflow may change."""


# The only Report fields a transition writes; the lock guard lets exactly these through.
WORKFLOW_FIELDS = frozenset({"state", "portal_url", "portal_published_on", "updated_at"})


def may_act(user, report: Report, rule: Rule) -> bool:
    """`user` is whom `rule` is for: the own agency in its roles, or for a county rule an
    approver of an agency above the report's."""
    if rule.county:
        return permissions.is_county_reviewer(user, report)
    return permissions.acts_for(user, report, rule.roles)


def allowed_actions(user, report: Report) -> list[Rule]:
    """The transitions `user` may attempt on `report` in its current state (gate not evaluated)."""
    return [rule for rule in TRANSITIONS.values() if report.state in rule.sources and may_act(user, report, rule)]


def county_reviewed(report: Report) -> bool:
    """The latest approval of `report` is a county 复核通过 (it follows the own approval)."""
    latest = report.transitions.filter(to_state=S.APPROVED).order_by("-at", "-pk").values_list("action", flat=True)
    return latest.first() == COUNTY_APPROVE


def review_required_by(report: Report) -> Agency | None:
    """The agency above `report`'s whose setting makes publication wait for a county review."""
    ancestors = AgencyTree.load().ancestor_ids(report.agency_id)
    return Agency.objects.filter(pk__in=ancestors, publication_requires_review=True).order_by("pk").first()


# --- Submission gate --------------------------------------------------------------------------


@dataclass
class Gate:
    """The findings of a report and the explanations given for its warnings."""

    errors: list[Finding]
    warnings: list[Finding]
    explanations: dict[str, str] = field(default_factory=dict)

    @property
    def unexplained(self) -> list[Finding]:
        return [w for w in self.warnings if not self.explanations.get(w.key, "").strip()]

    @property
    def passes(self) -> bool:
        return not self.errors and not self.unexplained

    def refusal(self, label: str) -> str:
        """Why the gate refuses, in Chinese, or "" when it passes."""
        parts = []
        if self.errors:
            shown = "；".join(f.message for f in self.errors[:3])
            more = f"等 {len(self.errors)} 处" if len(self.errors) > 3 else ""
            parts.append(f"报告还有错误未改正（{shown}{more}）")
        if self.unexplained:
            parts.append(f"有 {len(self.unexplained)} 条提示尚未填写说明")
        return f"不能{label}：" + "；".join(parts) + "。" if parts else ""


def check_gate(report: Report, doc: dict | None = None) -> Gate:
    """Run every rule on the report as stored (`doc`, if the caller already built it from the
    stored report) and collect the explanations of its warnings."""
    if doc is None:
        doc = report_to_document(load_report(report.pk))
    findings = check_document(doc, previous_document(report.agency.name, report.year))
    explanations = dict(WarningExplanation.objects.filter(report=report).values_list("finding_key", "text"))
    return Gate(
        errors=[f for f in findings if f.severity == ERROR],
        warnings=[f for f in findings if f.severity == WARNING],
        explanations=explanations,
    )


def save_explanations(report: Report, texts: dict[str, str], *, user) -> int:
    """Store the preparer's explanations of the report's current warnings; "" removes one.

    Keys that are not a current warning are ignored (the values may have changed since the
    page was drawn). Returns how many explanations the report now has for current warnings.
    """
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        if not permissions.can_explain(user, locked):
            raise TransitionError(
                f"报告状态为“{locked.get_state_display()}”，或您不是本机关的填报人/审核人，不能填写提示说明。"
            )
        gate = check_gate(locked)
        too_long = [
            (w, len(texts[w.key].strip()))
            for w in gate.warnings
            if w.key in texts and len(texts[w.key].strip()) > MAX_EXPLANATION_CHARS
        ]
        if too_long:
            warning, length = too_long[0]
            raise TransitionError(
                f"提示说明过长（{length} 字），每条说明最多 {MAX_EXPLANATION_CHARS} 字：{warning.message}。说明未保存。"
            )
        for warning in gate.warnings:
            if warning.key not in texts:
                continue
            text = texts[warning.key].strip()
            if text:
                WarningExplanation.objects.update_or_create(
                    report=locked, finding_key=warning.key, defaults={"text": text, "author": user}
                )
            else:
                WarningExplanation.objects.filter(report=locked, finding_key=warning.key).delete()
        current = {w.key for w in gate.warnings}
        return WarningExplanation.objects.filter(report=locked, finding_key__in=current).count()


def add_comment(report: Report, *, target: str, text: str, user) -> ReviewComment:
    """Record an approver's review comment on `target` (a cell path, a section key, or "" for
    the whole report): the one writer of comments. Refused (`TransitionError`, nothing written)
    unless `user` may comment on the report now (`permissions.can_comment`)."""
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        if not permissions.can_comment(user, locked):
            raise TransitionError(
                f"报告状态为“{locked.get_state_display()}”，现在不能提出审核意见"
                "（本机关审核人：待审核时；上级机关复核：待审核或已通过未发布时）。"
            )
        return _write_comment(locked, target=target, text=text, user=user)


def _write_comment(report: Report, *, target: str, text: str, user) -> ReviewComment:
    return ReviewComment.objects.create(report=report, target=target, text=text.strip(), author=user)


# --- The one function that changes state --------------------------------------------------------


def perform_transition(
    report: Report,
    action: str,
    *,
    user,
    reason: str = "",
    revision: int | None = None,
    portal_url: str = "",
    portal_published_on: datetime.date | None = None,
    comment: tuple[str, str] | None = None,
) -> str:
    """Perform `action` on `report` as `user` and return the new state.

    Checks, in order: the action exists; `user` acts for the report's agency in a role the
    table allows; the report (re-read under `select_for_update`, so two approvers acting at
    once are serialised and the second sees the first's result) is in a source state; the
    page the user acted on was not stale (`revision`, when given); the reason, when required;
    the submission gate, for submit and approve; publication details, for publish.

    Side effects, all in one transaction: `Report.state` (and for publish `portal_url`,
    `portal_published_on`) saved with the acting user in the audit history; a `Transition`
    with reason, revision and the report document; on approve, open review comments resolved
    and `annual.snapshots.freeze_report` called (values frozen; the final PDF is a job that
    never undoes the approval); after commit, a notification e-mail job. `report` itself is refreshed. Raises `TransitionError` (Chinese
    message, nothing written) when refused.

    `revision` is the revision the user saw (None: not checked); `portal_url` and
    `portal_published_on` are the publication details, for publish only; `comment`, for return
    only, is a (target, text) review comment saved with the return, in the same transaction.
    """
    rule = TRANSITIONS.get(action)
    if rule is None:
        raise TransitionError(f"未知的操作：{action}")
    reason = (reason or "").strip()

    with transaction.atomic():
        locked = Report.objects.select_for_update().select_related("agency").get(pk=report.pk)
        if not may_act(user, locked, rule):
            allowed = "、".join(Role(r).label for r in rule.roles)
            raise TransitionError(f"只有{'上级机关' if rule.county else '本机关'}的{allowed}可以{rule.label}。")
        if locked.state not in rule.sources:
            raise TransitionError(_state_refusal(locked, rule))
        if rule.action == APPROVE:
            conflict = permissions.approval_conflict(user, locked)
            if conflict:
                raise TransitionError(separation_refusal(conflict))
        expected = revision
        if expected is not None and int(expected) != locked.revision:
            raise TransitionError(
                f"不能{rule.label}：您打开页面后报告已被修改（修订号 {expected} → {locked.revision}），请刷新页面核对后再操作。"
            )
        if rule.reason_required and not reason:
            raise TransitionError(f"{rule.label}必须填写理由。")
        if rule.action == COUNTY_APPROVE and county_reviewed(locked):
            raise TransitionError("不能复核通过：该报告本次审核通过后已经复核通过。")
        # The report's values as they stand, built once: checked, recorded, frozen.
        doc = report_to_document(load_report(locked.pk))
        if rule.gated:
            refusal = check_gate(locked, doc).refusal(rule.label)
            if refusal:
                raise TransitionError(refusal)
        update_fields = ["state", "updated_at"]
        if rule.action == PUBLISH:
            reviewer = review_required_by(locked)
            if reviewer is not None and not county_reviewed(locked):
                raise TransitionError(
                    f"不能登记发布：{reviewer.name}要求下级机关的报告经其复核通过后才能发布，该报告尚未复核通过。"
                )
            locked.portal_url, locked.portal_published_on = _publication(locked, portal_url, portal_published_on)
            update_fields += ["portal_url", "portal_published_on"]

        source = locked.state
        locked.state = rule.target
        locked._history_user = user  # the audit history names the actor even outside a request
        locked.save(update_fields=update_fields)
        transition = Transition.objects.create(
            report=locked,
            from_state=source,
            to_state=rule.target,
            actor=user,
            reason=reason,
            revision=locked.revision,
            document=doc,
            action=rule.action,
        )
        if rule.action == RETURN and comment:
            target, text = comment
            _write_comment(locked, target=target, text=text, user=user)
        if rule.action == COUNTY_APPROVE:
            ReviewComment.objects.filter(report=locked, resolved_at__isnull=True).update(resolved_at=timezone.now())
        if rule.action == APPROVE:
            ReviewComment.objects.filter(report=locked, resolved_at__isnull=True).update(resolved_at=timezone.now())
            _freeze(locked, user, transition, doc)
        if rule.notify:
            # The job row is written after commit too: a refused transition leaves no mail job.
            transaction.on_commit(lambda: notifications.start_notification(transition))

    report.refresh_from_db()
    return report.state


def separation_refusal(conflict: str) -> str:
    return (
        f"不能审核通过：{conflict}。为保证审核独立，须由本机关另一名审核人审核通过；"
        f"只有一名审核人的机关，可请管理员在机关设置中开启豁免。"
    )


def _state_refusal(report: Report, rule: Rule) -> str:
    message = f"不能{rule.label}：报告当前状态为“{report.get_state_display()}”"
    last = report.transitions.select_related("actor").order_by("-at", "-pk").first()
    if last is not None:
        done = rule_for(last)
        when = timezone.localtime(last.at).strftime("%Y-%m-%d %H:%M")
        message += f"（{person_name(last.actor)} 已于 {when} {done.label if done else '变更状态'}）"
    return message + "。"


def _publication(report: Report, portal_url: str, on: datetime.date | None) -> tuple[str, datetime.date]:
    url = (portal_url or "").strip()
    if not url:
        raise TransitionError("登记发布必须填写发布网址。")
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise TransitionError(f"发布网址“{url}”不是有效的 http(s) 网址。") from None
    if not isinstance(on, datetime.date):
        raise TransitionError("登记发布必须填写发布日期。")
    if on > timezone.localdate():
        raise TransitionError(f"发布日期 {on.isoformat()} 晚于今天，请填写实际发布的日期。")
    approved = report.transitions.filter(to_state=S.APPROVED).order_by("-at", "-pk").first()
    if approved is not None and on < timezone.localdate(approved.at):
        raise TransitionError(
            f"发布日期 {on.isoformat()} 早于审核通过的日期 {timezone.localdate(approved.at).isoformat()}。"
        )
    return url, on


def _freeze(report: Report, user, approval: Transition, doc: dict) -> None:
    # Imported here: the snapshot module leads to the PDF renderer (WeasyPrint), which the rest
    # of the workflow, and every import of this module, has no need to load.
    from .snapshots import freeze_report

    freeze_report(report, user=user, approval=approval, document=doc)


# --- Lock guard ---------------------------------------------------------------------------------


def _refuse_if_locked(report_id: int | None) -> None:
    if report_id is None:
        return
    state = Report.objects.filter(pk=report_id).values_list("state", flat=True).first()
    if state is not None and state not in EDITABLE_STATES:
        raise ReportLocked(f"报告状态为“{S(state).label}”，已锁定，数据不能修改；如需修改请由审核人退回或重新打开。")


@receiver(pre_save, sender=Report, dispatch_uid="annual.workflow.report_lock")
def _guard_report(sender, instance: Report, raw=False, update_fields=None, **kwargs):
    """Refuse saving a locked report's values; the workflow saves only `WORKFLOW_FIELDS`."""
    if raw or (update_fields is not None and set(update_fields) <= WORKFLOW_FIELDS):
        return
    _refuse_if_locked(instance.pk)


@receiver(pre_delete, sender=Report, dispatch_uid="annual.workflow.report_delete_lock")
def _guard_report_delete(sender, instance: Report, **kwargs):
    """Only a draft that was never submitted may be deleted: once submitted, a report has an
    audit trail (transitions, perhaps a frozen approved PDF), which must outlive it. Instance,
    queryset and admin deletes all send this signal; the PROTECT foreign keys of the trail stop
    a delete that bypasses it."""
    state = Report.objects.filter(pk=instance.pk).values_list("state", flat=True).first()
    if state is not None and state != S.DRAFT:
        raise ReportLocked(f"报告状态为“{S(state).label}”，不能删除。")
    if Transition.objects.filter(report_id=instance.pk).exists():
        raise ReportLocked("报告曾提交审核，其流转记录、审核意见和定稿快照须保留，不能删除。")


@receiver(pre_delete, sender=Transition, dispatch_uid="annual.workflow.transition_delete_lock")
@receiver(pre_delete, sender=ReportSnapshot, dispatch_uid="annual.workflow.snapshot_delete_lock")
@receiver(pre_delete, sender=ReviewComment, dispatch_uid="annual.workflow.comment_delete_lock")
def _guard_trail_delete(sender, instance, **kwargs):
    """The audit trail is append-only: no transition, snapshot or review comment is ever deleted."""
    raise ReportLocked(f"{sender._meta.verbose_name}是审核记录的一部分，不能删除。")


@receiver(pre_save, sender=ProactiveItem, dispatch_uid="annual.workflow.proactive_lock")
@receiver(pre_save, sender=ApplicationRow, dispatch_uid="annual.workflow.application_lock")
@receiver(pre_save, sender=ReviewLitigationGroup, dispatch_uid="annual.workflow.review_lock")
@receiver(pre_delete, sender=ProactiveItem, dispatch_uid="annual.workflow.proactive_delete_lock")
@receiver(pre_delete, sender=ApplicationRow, dispatch_uid="annual.workflow.application_delete_lock")
@receiver(pre_delete, sender=ReviewLitigationGroup, dispatch_uid="annual.workflow.review_delete_lock")
def _guard_row(sender, instance, raw=False, origin=None, **kwargs):
    """Refuse saving or deleting one table row of a locked report (bulk writes go through
    `write_document`, whose report save the guard above already refuses).

    Deleting a whole report cascades to its rows; whether that is allowed is decided by the
    report's own guard (drafts only), so a cascade from a Report or a Report queryset passes.
    """
    if raw or isinstance(origin, Report) or (isinstance(origin, QuerySet) and origin.model is Report):
        return
    _refuse_if_locked(instance.report_id)
