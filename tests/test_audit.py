"""Audit: every value change (who, when, old → new) and every transition with its reason is
recorded and shown; an approver sees what changed since the return."""

from __future__ import annotations

from django.urls import reverse

from annual import sections
from annual.audit import audit_trail, changes_since_return, document_changes
from annual.interchange import load_report, report_to_document
from annual.models import ReportState, Transition
from annual.path_labels import describe_path
from annual.workflow import perform_transition

S = ReportState
CELL = "applications.granted.natural_person"


def save_cells(report, key: str, changes: dict, user):
    """Save one section through the entry service, as the entry page does."""
    fresh = load_report(report.pk)
    values = sections.section_values(report_to_document(fresh), fresh, key)
    values.update(changes)
    return sections.save_section(
        report.pk, key, values, loaded_revision=sections.section_revision(fresh, key), user=user
    )


def fix_received(report, user):
    """Move one 自然人 application from 三（一）予以公开 to 三（二）部分公开, totals kept right
    (no rule fires, so the report can be resubmitted). Returns the old and new 予以公开·自然人."""
    a = report_to_document(load_report(report.pk))["applications"]
    changes = {
        CELL: a["granted"]["natural_person"] - 1,
        "applications.granted.total": a["granted"]["total"] - 1,
        "applications.partially_granted.natural_person": a["partially_granted"]["natural_person"] + 1,
        "applications.partially_granted.total": a["partially_granted"]["total"] + 1,
    }
    save_cells(report, "applications", changes, user)
    return a["granted"]["natural_person"], changes[CELL]


def test_value_change_recorded_with_user_and_old_new(personas):
    report = personas.report_a
    old, new = fix_received(report, personas.preparer_a)
    entries = [e for e in audit_trail(report) if e.kind == "values" and e.user == personas.preparer_a]
    assert len(entries) == 1, "one save is one entry"
    label = describe_path(report.template, CELL)
    assert label == "三（一）予以公开·自然人"
    changes = {c.label: (c.old, c.new) for c in entries[0].changes}
    assert changes[label] == (old, new)
    assert len(changes) == 4


def test_text_change_recorded(personas):
    report = personas.report_a
    save_cells(report, "overview", {"overview": "新的总体情况。"}, personas.approver_a)
    entry = next(e for e in audit_trail(report) if e.kind == "values" and e.user == personas.approver_a)
    (change,) = [c for c in entry.changes if c.label == "一、总体情况"]
    assert change.new == "新的总体情况。" and change.old != change.new


def test_transitions_recorded_with_reason_and_revision(personas):
    report = personas.report_a
    perform_transition(report, "submit", user=personas.preparer_a)
    perform_transition(report, "return", user=personas.approver_a, reason="一、本年新收的自然人数有误")
    submit, ret = Transition.objects.filter(report=report)
    assert (submit.from_state, submit.to_state, submit.actor, submit.reason) == (
        S.DRAFT,
        S.SUBMITTED,
        personas.preparer_a,
        "",
    )
    assert (ret.from_state, ret.to_state, ret.actor, ret.reason) == (
        S.SUBMITTED,
        S.RETURNED,
        personas.approver_a,
        "一、本年新收的自然人数有误",
    )
    assert ret.revision == report.revision and ret.document == report_to_document(load_report(report.pk))
    titles = [e.title for e in audit_trail(report) if e.kind == "transition"]
    assert titles == ["退回修改：待审核 → 已退回", "提交审核：草稿 → 待审核"]


def test_history_page_shows_values_and_transitions(client, personas):
    report = personas.report_a
    perform_transition(report, "submit", user=personas.preparer_a)
    perform_transition(report, "return", user=personas.approver_a, reason="请核对自然人数")
    old, new = fix_received(report, personas.preparer_a)
    client.force_login(personas.county_approver)
    page = client.get(reverse("report-history", args=[report.pk])).content.decode()
    assert "理由：请核对自然人数" in page
    assert "退回修改：待审核 → 已退回" in page and "appr_a" in page
    row = (
        f'<td>三（一）予以公开·自然人</td><td class="text-break" data-old>{old}</td><td>→</td>'
        f'<td class="text-break" data-new>{new}</td>'
    )
    assert row in page
    # Newest first: the preparer's fix is above the return.
    assert page.index("data-old>" + str(old)) < page.index("理由：请核对自然人数")


def test_changes_since_return_shows_exactly_the_fixed_cells(client, personas):
    report = personas.report_a
    perform_transition(report, "submit", user=personas.preparer_a)
    perform_transition(report, "return", user=personas.approver_a, reason="请核对")
    old, new = fix_received(report, personas.preparer_a)
    perform_transition(report, "submit", user=personas.preparer_a)
    returned, changes = changes_since_return(report)
    assert returned.reason == "请核对"
    assert {c.path for c in changes} == {
        CELL,
        "applications.granted.total",
        "applications.partially_granted.natural_person",
        "applications.partially_granted.total",
    }
    first = next(c for c in changes if c.path == CELL)
    assert (first.label, first.old, first.new) == ("三（一）予以公开·自然人", old, new)
    client.force_login(personas.approver_a)
    page = client.get(reverse("report-approval", args=[report.pk])).content.decode()
    assert f'data-change="{CELL}"' in page and "退回后的修改" in page


def test_changes_since_return_empty_without_return(personas):
    assert changes_since_return(personas.report_a) == (None, [])


def test_document_changes_names_header_facts_and_texts(doc_2021):
    after = {**doc_2021, "meta": {**doc_2021["meta"], "signed_by": "新落款"}, "problems": "新问题"}
    labels = {c.label for c in document_changes(doc_2021, after)}
    assert labels == {"落款单位", "五、存在的主要问题及改进情况"}
