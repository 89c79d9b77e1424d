"""The demo county's round of the year being compiled: subordinate agencies in every state, so
the round board (年度工作台) shows what it is for. Used by `load_demo`; never touches a report
that already exists.

Every state is reached through `annual.workflow.perform_transition` (approval freezes a real
PDF), by each agency's own people: the demo's logins where it has them, else demo people who
have no usable password.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.test.utils import override_settings
from django.utils import timezone

from . import workflow
from .board import compiling_year
from .document import blank_document
from .interchange import write_document
from .models import Agency, Membership, Report, ReportState, Role

S = ReportState
# (agency, what becomes of its report this year): a state, "errors" (a draft that breaks a
# total), "partial" (a draft with only its texts begun), or None (no report yet: 未建立).
ROUND = (
    ("苍南县教育局", S.PUBLISHED),
    ("苍南县卫生健康局", S.APPROVED),
    ("苍南县财政局", S.SUBMITTED),
    ("苍南县民政局", S.RETURNED),
    ("苍南县自然资源和规划局", "errors"),
    ("灵溪镇人民政府", "partial"),
    ("苍南县公安局", None),
    ("钱库镇人民政府", None),
    ("苍南县市场监督管理局", S.SUBMITTED),
    ("苍南县人民政府办公室", S.DRAFT),
)
PORTAL = "https://www.cncn.gov.cn/art/{year}/1/20/art_{pk}.html"


def _people(agency: Agency) -> tuple:
    """The agency's preparer and approver: its own people where it has them (the demo's
    logins), else a demo person of that role, created here."""
    User = get_user_model()
    found = []
    for role in (Role.PREPARER, Role.APPROVER):
        member = agency.members.filter(role=role).select_related("user").order_by("user__username").first()
        if member is not None:
            found.append(member.user)
            continue
        username = f"demo_{agency.pk}_{role}"
        short = agency.name.removeprefix("苍南县")
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"email": f"{username}@cangnan.example", "first_name": f"{short}{Role(role).label}"},
        )
        if created:
            user.set_unusable_password()
            user.save()
        Membership.objects.get_or_create(user=user, defaults={"agency": agency, "role": role})
        found.append(user)
    return tuple(found)


def settle_exemption(agency: Agency, admin) -> None:
    """Exempt the agency from separation of duties exactly when it has a single approver, as
    `admin` would in the admin, so the history names who set it and when."""
    single = agency.members.filter(role=Role.APPROVER).count() == 1
    if agency.single_approver_exempt != single:
        agency.single_approver_exempt = single
        agency._history_user = admin  # type: ignore[attr-defined]  # simple_history records the actor
        agency.save()


def _document(template: dict, agency: Agency, year: int) -> dict:
    doc = copy.deepcopy(template)
    old_name, old_year = doc["agency"], doc["year"]
    doc.update(agency=agency.name, year=year)
    for key in ("intro", "overview", "problems", "other_matters"):
        doc[key] = doc[key].replace(old_name, agency.name).replace(f"{old_year}年", f"{year}年")
    doc["meta"] = {k: v for k, v in doc["meta"].items() if k not in ("published_on", "signed_on", "index_number")}
    doc["meta"]["signed_by"] = agency.name
    return doc


def load_round(county: Agency, template: dict, say: Callable[[str], None], admin) -> int:
    """Create the demo round's agencies and reports under `county`; returns the year. `admin`
    is the administrator recorded as having set the one-approver offices' exemptions.

    The demo people's notification e-mails are kept in memory: they would only clutter the
    console of `./dev run`, and their addresses lead nowhere.
    """
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        return _load_round(county, template, say, admin)


def _load_round(county: Agency, template: dict, say: Callable[[str], None], admin) -> int:
    year = compiling_year(timezone.localdate())
    for name, outcome in ROUND:
        agency, _ = Agency.objects.get_or_create(name=name, defaults={"parent": county})
        preparer, approver = _people(agency)
        # A one-approver office, as many townships are, is exempted; 县府办 and 教育局 have two.
        settle_exemption(agency, admin)
        if outcome is None or Report.objects.filter(agency=agency, year=year).exists():
            continue
        if outcome == "partial":
            doc = blank_document(agency=agency.name, year=year)
            doc["intro"] = _document(template, agency, year)["intro"]
        else:
            doc = _document(template, agency, year)
        if outcome in (S.SUBMITTED, S.RETURNED, S.APPROVED, S.PUBLISHED):
            # A report goes for approval dated (成文日期): GB/T 9704 prints the date under the
            # 落款, and an approved copy without one would be sent back.
            doc["meta"]["signed_on"] = timezone.localdate().isoformat()
        if outcome == S.PUBLISHED:
            doc["meta"]["published_on"] = timezone.localdate().isoformat()
        if outcome == "errors":
            doc["applications"]["received"]["natural_person"] = (
                doc["applications"]["received"].get("natural_person") or 0
            ) + 7
        report = write_document(doc, agency)
        _advance(report, outcome, preparer, approver)
        say(f"已载入演示报告：{name} {year} 年度（{report.get_state_display()}）")
    return year


def _advance(report: Report, outcome, preparer, approver) -> None:
    if outcome not in (S.SUBMITTED, S.RETURNED, S.APPROVED, S.PUBLISHED):
        return
    workflow.perform_transition(report, workflow.SUBMIT, user=preparer)
    if outcome == S.RETURNED:
        workflow.perform_transition(
            report, workflow.RETURN, user=approver, reason="三、依申请公开的说明不够具体，请补充。"
        )
    if outcome in (S.APPROVED, S.PUBLISHED):
        workflow.perform_transition(report, workflow.APPROVE, user=approver)
    if outcome == S.PUBLISHED:
        workflow.perform_transition(
            report,
            workflow.PUBLISH,
            user=preparer,
            portal_url=PORTAL.format(year=report.year + 1, pk=report.pk),
            portal_published_on=timezone.localdate(),
        )
