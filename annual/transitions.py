"""The transition table of the approval workflow: plain data, on the ground floor.

Which action leads from which states to which, who may take it, whether it needs a reason or
the submission gate, and whom it notifies. `annual.workflow` performs transitions by this
table; the audit trail, the notifications and the permission predicates read it, so none of
them needs the workflow itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import ReportState, Role, Transition

S = ReportState

# States whose values are frozen and whose PDF is the stored snapshot.
FROZEN_STATES = (S.APPROVED, S.PUBLISHED)


@dataclass(frozen=True)
class Rule:
    action: str
    label: str  # the button, and the verb in messages: 提交审核, 退回修改, …
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]  # roles in the report's own agency that may act
    reason_required: bool = False
    gated: bool = False  # the submission gate (no errors, every warning explained) must pass
    notify: str | None = None  # "approvers" or "preparers" of the agency
    county: bool = False  # acted on by an approver of an agency above, not by the own agency


SUBMIT, WITHDRAW, RETURN, APPROVE, PUBLISH, REOPEN = "submit", "withdraw", "return", "approve", "publish", "reopen"
COUNTY_RETURN, COUNTY_APPROVE = "county_return", "county_approve"

TRANSITIONS: dict[str, Rule] = {
    rule.action: rule
    for rule in (
        Rule(
            SUBMIT,
            "提交审核",
            (S.DRAFT, S.RETURNED),
            S.SUBMITTED,
            (Role.PREPARER, Role.APPROVER),
            gated=True,
            notify="approvers",
        ),
        # The preparer's way back before review; an approver who wants changes returns it instead.
        Rule(WITHDRAW, "撤回提交", (S.SUBMITTED,), S.DRAFT, (Role.PREPARER,), notify="approvers"),
        Rule(
            RETURN, "退回修改", (S.SUBMITTED,), S.RETURNED, (Role.APPROVER,), reason_required=True, notify="preparers"
        ),
        Rule(APPROVE, "审核通过", (S.SUBMITTED,), S.APPROVED, (Role.APPROVER,), gated=True, notify="preparers"),
        Rule(PUBLISH, "登记发布", (S.APPROVED,), S.PUBLISHED, (Role.PREPARER, Role.APPROVER)),
        Rule(
            REOPEN,
            "重新打开",
            (S.APPROVED, S.PUBLISHED),
            S.RETURNED,
            (Role.APPROVER,),
            reason_required=True,
            notify="preparers",
        ),
        Rule(
            COUNTY_RETURN,
            "复核退回",
            (S.SUBMITTED, S.APPROVED),
            S.RETURNED,
            (Role.APPROVER,),
            reason_required=True,
            notify="agency",
            county=True,
        ),
        Rule(COUNTY_APPROVE, "复核通过", (S.APPROVED,), S.APPROVED, (Role.APPROVER,), notify="agency", county=True),
    )
}

# Every (from, to) pair of the own agency's rules belongs to exactly one action, so a Transition
# recorded before actions were stored still names its action; county rules were always stored.
_OWN_RULES = [rule for rule in TRANSITIONS.values() if not rule.county]
_ACTION_BY_STATES = {(source, rule.target): rule for rule in _OWN_RULES for source in rule.sources}
assert len(_ACTION_BY_STATES) == sum(len(r.sources) for r in _OWN_RULES), "ambiguous transition table"


def rule_for(transition: Transition) -> Rule | None:
    return TRANSITIONS.get(transition.action) or _ACTION_BY_STATES.get((transition.from_state, transition.to_state))
