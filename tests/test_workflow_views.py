"""The workflow pages over HTTP: what a refused action says, explanations, comments, publication."""

from __future__ import annotations

from django.urls import reverse

from annual import workflow
from annual.models import ReportState, ReviewComment, WarningExplanation

S = ReportState


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def arrange_state(report, state):
    type(report).objects.filter(pk=report.pk).update(state=state)  # arrangement only
    report.refresh_from_db()


def test_return_without_reason_shows_chinese_error(client, personas):
    arrange_state(personas.report_a, S.SUBMITTED)
    client.force_login(personas.approver_a)
    response = client.post(
        reverse("report-transition", args=[personas.report_a.pk, "return"]), {"reason": ""}, follow=True
    )
    assert "退回修改必须填写理由。" in messages_of(response)
    personas.report_a.refresh_from_db()
    assert personas.report_a.state == S.SUBMITTED


def test_publish_form_errors_name_the_field(client, personas):
    arrange_state(personas.report_a, S.APPROVED)
    client.force_login(personas.preparer_a)
    response = client.post(
        reverse("report-transition", args=[personas.report_a.pk, "publish"]),
        {"portal_url": "不是网址", "portal_published_on": "2022-13-45"},
        follow=True,
    )
    shown = messages_of(response)
    assert "发布网址不是有效的网址。" in shown and "发布日期格式应为 YYYY-MM-DD。" in shown
    personas.report_a.refresh_from_db()
    assert personas.report_a.state == S.APPROVED


def test_explanations_saved_then_submitted_from_review_page(client, personas):
    report = personas.report_a
    report.overview += "\n\n本年度共收到政府信息公开申请 99999 件。"
    report.save()
    (warning,) = workflow.check_gate(report).warnings
    client.force_login(personas.preparer_a)
    page = client.get(reverse("report-approval", args=[report.pk])).content.decode()
    assert f'name="explanation:{warning.key}"' in page
    # Submitting without an explanation is refused, and says why.
    response = client.post(
        reverse("report-explanations", args=[report.pk]), {f"explanation:{warning.key}": "", "submit": "1"}, follow=True
    )
    assert any("有 1 条提示尚未填写说明" in m for m in messages_of(response))
    response = client.post(
        reverse("report-explanations", args=[report.pk]),
        {f"explanation:{warning.key}": "总体情况中的数字含咨询件", "submit": "1"},
        follow=True,
    )
    assert "已提交审核。" in messages_of(response)
    report.refresh_from_db()
    assert report.state == S.SUBMITTED
    assert WarningExplanation.objects.get(report=report).text == "总体情况中的数字含咨询件"
    # The approver sees the warning together with the explanation, read-only.
    client.force_login(personas.approver_a)
    page = client.get(reverse("report-approval", args=[report.pk])).content.decode()
    assert "填报说明：总体情况中的数字含咨询件" in page and 'name="explanation:' not in page


def test_comment_on_unknown_target_refused(client, personas):
    arrange_state(personas.report_a, S.SUBMITTED)
    client.force_login(personas.approver_a)
    response = client.post(
        reverse("report-comment", args=[personas.report_a.pk]),
        {"target": "applications.nonexistent.total", "text": "x"},
        follow=True,
    )
    assert any("选择一个有效的选项" in m for m in messages_of(response))
    assert not ReviewComment.objects.exists()


def test_comment_on_section_and_whole_report(client, personas):
    arrange_state(personas.report_a, S.SUBMITTED)
    client.force_login(personas.approver_a)
    for target in ("", "problems"):
        client.post(reverse("report-comment", args=[personas.report_a.pk]), {"target": target, "text": "请补充"})
    assert sorted(ReviewComment.objects.values_list("target", flat=True)) == ["", "problems"]
    workflow.perform_transition(personas.report_a, "return", user=personas.approver_a, reason="见意见")
    client.force_login(personas.preparer_a)
    page = client.get(reverse("report-approval", args=[personas.report_a.pk])).content.decode()
    assert "整份报告" in page and "五、存在的主要问题及改进情况" in page
    step = reverse("report-step", args=[personas.report_a.pk, "problems"])
    assert f'href="{step}"' in page  # the section comment links to where it is fixed


def test_comments_partial_lists_open_comments_with_cell_links(personas, rf):
    from django.template.loader import render_to_string

    ReviewComment.objects.create(
        report=personas.report_a, target="applications.granted.total", text="核对总计", author=personas.approver_a
    )
    html = render_to_string("annual/workflow/_comments.html", {"report": personas.report_a})
    step = reverse("report-step", args=[personas.report_a.pk, "applications"])
    assert "三（一）予以公开·总计" in html and f'href="{step}#cell-applications.granted.total"' in html


def test_next_parameter_cannot_redirect_off_site(client, personas):
    arrange_state(personas.report_a, S.SUBMITTED)
    client.force_login(personas.preparer_a)
    for target in ("//evil.example.com/", "https://evil.example.com/", "/\\evil.example.com"):
        arrange_state(personas.report_a, S.SUBMITTED)
        response = client.post(reverse("report-transition", args=[personas.report_a.pk, "withdraw"]), {"next": target})
        assert response["Location"] == reverse("report-approval", args=[personas.report_a.pk]), target
    response = client.post(
        reverse("report-transition", args=[personas.report_a.pk, "submit"]), {"next": reverse("home")}
    )
    assert response["Location"] == reverse("home")


def test_publish_form_offers_today_in_iso_for_the_date_picker(client, personas):
    from django.utils import timezone

    arrange_state(personas.report_a, S.APPROVED)
    client.force_login(personas.preparer_a)
    page = client.get(reverse("report-approval", args=[personas.report_a.pk])).content.decode()
    assert f'type="date" name="portal_published_on" value="{timezone.localdate().isoformat()}"' in page


def test_review_page_says_which_header_facts_are_missing_and_what_the_approved_copy_lacks(client, personas):
    import datetime

    report = personas.report_a
    report.signed_on = None
    report.signed_by = "苍南县教育局"
    report.published_on = datetime.date(2027, 1, 20)
    report.save()
    arrange_state(report, S.SUBMITTED)
    client.force_login(personas.approver_a)
    page = client.get(reverse("report-approval", args=[report.pk])).content.decode()
    assert "基本信息尚未填全：成文日期。审核通过后的定稿按现有内容印制，落款处不印成文日期。" in page
    assert reverse("report-step", args=[report.pk, "basic"]) not in page  # the approver does not edit
    arrange_state(report, S.DRAFT)
    client.force_login(personas.preparer_a)
    page = client.get(reverse("report-approval", args=[report.pk])).content.decode()
    assert "data-missing-basics" in page and reverse("report-step", args=[report.pk, "basic"]) in page
    report.signed_on = datetime.date(2027, 1, 15)
    report.save()
    page = client.get(reverse("report-approval", args=[report.pk])).content.decode()
    assert "data-missing-basics" not in page
