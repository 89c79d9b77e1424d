"""The entry wizard in a real Chromium, as a preparer."""

from __future__ import annotations

import pytest

from annual import template_spec as spec
from annual.interchange import load_report, report_to_document

pytestmark = pytest.mark.browser

COLUMNS = [c.key for c in spec.APPLICATION_COLUMNS]
SEED_ERROR_TARGETS = {
    "applications.withheld_internal_affairs.total",  # row_total 三(三)5
    "applications.carried_forward.total",  # row_total 四、结转
    "applications.handled_total.natural_person",  # handled_total 43 vs 44, and balance
    "applications.carried_forward.natural_person",  # balance 50 vs 44
}


def step(report, slug):
    return f"/reports/{report.pk}/{slug}/"


def cell(page, path):
    return page.locator(f'[name="{path}"]')


def live_errors(page) -> list[str]:
    return page.locator("[data-findings-list] li").all_inner_texts()


def error_targets(page) -> set[str]:
    return set(page.eval_on_selector_all(".cell.chk-target", "els => els.map(e => e.name)"))


def test_seed_table_entered_as_published_shows_four_errors_then_corrections_clear_them(office, open_page, seed_doc):
    report = office.blank
    page = open_page(office.users["tianbao"], step(report, "applications"))
    for row, values in seed_doc["applications"].items():
        for col in COLUMNS:
            if values[col] is not None:
                cell(page, f"applications.{row}.{col}").fill(str(values[col]))

    errors = live_errors(page)
    assert len(errors) == 4
    assert any("5.属于三类内部事务信息：六类申请人之和为 0，总计填写为 1" in e for e in errors)
    assert any("四、结转下年度继续办理：六类申请人之和为 0，总计填写为 6" in e for e in errors)
    assert any("（七）总计·自然人：各项之和为 43，填写为 44" in e for e in errors)
    assert any(
        "自然人栏：一（本年新收）＋二（上年结转）为 50，三（七）总计＋四（结转下年度）为 44" in e for e in errors
    )
    assert error_targets(page) == SEED_ERROR_TARGETS
    assert page.locator("[data-live-summary]").inner_text() == "4 处勾稽错误：可以保存，但提交审核前须改正"

    page.get_by_test_id("save").click()  # errors never block saving
    page.wait_for_load_state()
    assert "已保存" in page.locator(".app-messages").inner_text()
    assert page.get_by_test_id("errors-applications").inner_text() == "4"  # the server found the same
    doc = report_to_document(load_report(report.pk))
    assert doc["applications"] == seed_doc["applications"]
    page.reload()
    for row, values in seed_doc["applications"].items():
        for col in COLUMNS:
            expected = "" if values[col] is None else str(values[col])
            assert cell(page, f"applications.{row}.{col}").input_value() == expected, (row, col)
    assert len(live_errors(page)) == 4

    cell(page, "applications.withheld_internal_affairs.natural_person").fill("1")
    cell(page, "applications.carried_forward.natural_person").fill("6")
    assert live_errors(page) == []
    assert error_targets(page) == set()
    assert "全部一致" in page.locator("[data-live-summary]").inner_text()
    page.get_by_test_id("save").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("errors-applications").count() == 0
    assert cell(page, "applications.carried_forward.natural_person").input_value() == "6"


def test_totals_fill_in_from_parts_until_overwritten(office, open_page):
    page = open_page(office.users["tianbao"], step(office.blank, "applications"))
    cell(page, "applications.granted.natural_person").fill("4")
    cell(page, "applications.granted.commercial").fill("３")  # full-width
    assert cell(page, "applications.granted.total").input_value() == "7"
    assert cell(page, "applications.handled_total.natural_person").input_value() == "4"
    assert cell(page, "applications.handled_total.total").input_value() == "7"
    cell(page, "applications.granted.total").fill("9")  # the user's own figure
    cell(page, "applications.granted.research").fill("1")
    assert cell(page, "applications.granted.total").input_value() == "9"
    assert any("（一）予以公开：六类申请人之和为 8，总计填写为 9" in e for e in live_errors(page))
    cell(page, "applications.granted.total").fill("")  # cleared: automatic again
    cell(page, "applications.granted.research").fill("2")
    assert cell(page, "applications.granted.total").input_value() == "9"
    cell(page, "applications.granted.natural_person").fill("4a")
    assert "无法识别" in " ".join(live_errors(page))
    assert "is-invalid" in cell(page, "applications.granted.natural_person").get_attribute("class")


def test_keyboard_moves_like_a_spreadsheet(office, open_page):
    page = open_page(office.users["tianbao"], step(office.blank, "applications"))
    cell(page, "applications.received.natural_person").click()
    page.keyboard.type("5")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.name") == "applications.carried_over.natural_person"
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.name") == "applications.carried_over.commercial"
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.name") == "applications.received.commercial"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "applications.received.research"
    assert page.url.endswith(step(office.blank, "applications"))  # Enter did not submit


def test_paste_tab_separated_rows_fills_consecutive_cells(office, open_page):
    page = open_page(office.users["tianbao"], step(office.blank, "applications"))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.evaluate("text => navigator.clipboard.writeText(text)", "46\t\t\t\t\t\t46\r\n4\t1\t-\t无\t\t\t5\r\n")
    cell(page, "applications.received.natural_person").click()
    page.keyboard.press("Control+V")
    assert cell(page, "applications.received.natural_person").input_value() == "46"
    assert cell(page, "applications.received.total").input_value() == "46"
    assert cell(page, "applications.carried_over.natural_person").input_value() == "4"
    assert cell(page, "applications.carried_over.commercial").input_value() == "1"
    assert cell(page, "applications.carried_over.research").input_value() == "-"
    assert cell(page, "applications.carried_over.total").input_value() == "5"
    page.get_by_test_id("save").click()
    page.wait_for_load_state()
    doc = report_to_document(load_report(office.blank.pk))
    assert doc["applications"]["received"]["total"] == 46
    assert doc["applications"]["carried_over"] == {
        "natural_person": 4,
        "commercial": 1,
        "research": None,
        "social_welfare": None,
        "legal_service": None,
        "other_org": None,
        "total": 5,
    }


def test_back_and_forth_between_steps_never_loses_input(office, open_page):
    report = office.blank
    page = open_page(office.users["tianbao"], step(report, "overview"))
    page.locator('[id="cell-overview"]').fill("（一）主动公开\n\n全年主动公开文件28件。")
    page.get_by_test_id("save-next").click()
    page.wait_for_url("**/proactive/")
    cell(page, "proactive.normative_documents.made").fill("28")
    cell(page, "proactive.procurement.amount_wan_yuan").fill("271.53")
    page.locator('.step-link[data-step="overview"]').click()  # jump back with unsaved edits: saved first
    page.wait_for_url("**/overview/")
    assert page.locator('[id="cell-overview"]').input_value() == "（一）主动公开\n\n全年主动公开文件28件。"
    page.locator('.step-link[data-step="proactive"]').click()
    page.wait_for_url("**/proactive/")
    assert cell(page, "proactive.normative_documents.made").input_value() == "28"
    assert cell(page, "proactive.procurement.amount_wan_yuan").input_value() == "271.53"
    page.get_by_role("button", name="← 保存并返回上一步").click()
    page.wait_for_url("**/overview/")
    page.go_back()
    page.wait_for_url("**/proactive/")
    page.reload()
    assert cell(page, "proactive.normative_documents.made").input_value() == "28"


def test_leaving_with_unsaved_edits_warns(office, open_page):
    page = open_page(office.users["tianbao"], step(office.blank, "problems"))
    page.locator('[id="cell-problems"]').click()  # a real gesture: Chromium only asks after one
    page.keyboard.type("未保存的文字")
    with page.expect_event("dialog") as dialog:
        page.close(run_before_unload=True)
    assert dialog.value.type == "beforeunload"
    dialog.value.dismiss()  # stay on the page: the text is still there
    assert page.locator('[id="cell-problems"]').input_value() == "未保存的文字"


def test_second_tab_gets_the_conflict_instead_of_overwriting(office, open_page):
    report = office.seed
    first = open_page(office.users["tianbao"], step(report, "review-litigation"))
    second = open_page(office.users["shenhe"], step(report, "review-litigation"))
    cell(first, "review_litigation.review.upheld").fill("2")
    first.get_by_test_id("save").click()
    first.wait_for_load_state()
    cell(second, "review_litigation.review.upheld").fill("5")
    second.get_by_test_id("save").click()
    second.wait_for_load_state()
    conflict = second.get_by_test_id("conflict")
    assert "保存冲突" in conflict.inner_text() and "tianbao" in conflict.inner_text()
    assert "行政复议·结果维持" in conflict.inner_text()
    assert cell(second, "review_litigation.review.upheld").input_value() == "5"
    assert report_to_document(load_report(report.pk))["review_litigation"]["review"]["upheld"] == 2


def test_review_lists_findings_and_links_to_the_cell(office, open_page):
    page = open_page(office.users["tianbao"], step(office.seed, "review"))
    assert page.get_by_test_id("review-error-count").inner_text() == "4"
    page.get_by_test_id("review-errors").locator("a").first.click()
    page.wait_for_url("**/applications/#cell-*")
    assert page.evaluate("document.activeElement.name") == "applications.withheld_internal_affairs.total"


def test_sign_in_through_the_login_page(office, browser, live_server):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.goto(live_server.url + "/")
    page.fill("#id_username", "tianbao")
    page.fill("#id_password", "browser-test-pass-42")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(live_server.url + "/")
    assert page.locator(f'[data-report="{office.seed.pk}"]').count() == 1
    context.close()
