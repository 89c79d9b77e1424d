"""The entry grid's messages and editing conflicts in a real Chromium (#9 items 4, 11 and 12)."""

from __future__ import annotations

import pytest

from annual.interchange import load_report, report_to_document

pytestmark = pytest.mark.browser


def step(report, slug):
    return f"/reports/{report.pk}/{slug}/"


def cell(page, path):
    return page.locator(f'[name="{path}"]')


def summary(page) -> str:
    return page.locator("[data-live-summary]").inner_text()


def test_unreadable_cell_says_the_page_will_not_be_saved_and_sums_say_they_will(office, open_page):
    page = open_page(office.users["tianbao"], step(office.seed, "applications"))
    # The seed's four cross-total errors do not stop a save.
    assert summary(page) == "4 处勾稽错误：可以保存，但提交审核前须改正"
    cell(page, "applications.granted.commercial").fill("3件")
    text = summary(page)
    assert "1 处填写无法识别：有这样的格时，按“保存”本页的所有修改都不会保存" in text
    assert "不影响保存" not in text
    assert (
        "三（一）予以公开·商业企业：“3件”无法识别。按“非负整数”规则"
        in page.locator("[data-findings-list]").inner_text()
    )


def test_fee_cell_is_checked_while_typing(office, open_page):
    page = open_page(office.users["tianbao"], step(office.seed, "proactive"))
    amount = cell(page, "proactive.procurement.amount_wan_yuan")
    amount.fill("12.34567")
    assert "is-invalid" in amount.get_attribute("class")
    assert (
        "政府集中采购·采购总金额：“12.34567”无法识别。按“金额”规则" in page.locator("[data-findings-list]").inner_text()
    )
    assert "不会保存" in summary(page)
    amount.fill("12.3456")
    assert "is-invalid" not in amount.get_attribute("class")
    assert summary(page) == "所有填写均可识别"


def test_paste_wider_than_the_grid_says_what_was_dropped(office, open_page):
    page = open_page(office.users["tianbao"], step(office.seed, "review-litigation"))
    target = cell(page, "review_litigation.litigation_after_review.other")  # three columns from the end
    target.focus()
    page.evaluate(
        """(text) => {
        const data = new DataTransfer();
        data.setData("text/plain", text);
        document.activeElement.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
    }""",
        "1\t2\t3\t4\t5",
    )
    assert cell(page, "review_litigation.litigation_after_review.total").input_value() == "3"
    notice = page.locator("[data-grid-notice]")
    assert notice.is_visible()
    assert notice.inner_text() == "粘贴的内容超出表格，以下 2 个值未填入：“4”、“5”"


def test_focused_cell_stays_clear_of_the_sticky_header_and_footer(office, open_page):
    page = open_page(office.users["tianbao"], step(office.seed, "applications"))
    cell(page, "applications.received.natural_person").focus()
    for _ in range(24):  # walk down the whole table with the keyboard
        page.keyboard.press("Enter")
        box = page.evaluate("""() => {
            const input = document.activeElement, box = input.getBoundingClientRect();
            return {name: input.name, top: box.top, bottom: box.bottom,
                    head: input.closest("table").querySelector("thead").getBoundingClientRect().bottom,
                    foot: document.querySelector(".step-footer").getBoundingClientRect().top};
        }""")
        assert box["bottom"] <= box["foot"] and box["top"] >= box["head"] - 1, box


def test_top_submit_is_a_real_button_that_submits(office, open_page):
    report = office.blank  # no errors, no warnings
    page = open_page(office.users["tianbao"], step(report, "review"))
    submit = page.locator('[data-workflow-panel] [data-action="submit"]')
    assert submit.evaluate("e => e.tagName") == "BUTTON"
    submit.click()
    page.wait_for_load_state()
    assert load_report(report.pk).state == "submitted"


def test_two_people_edit_different_cells_and_saving_anyway_loses_nothing(office, open_page):
    report = office.seed
    first = open_page(office.users["tianbao"], step(report, "review-litigation"))
    second = open_page(office.users["shenhe"], step(report, "review-litigation"))
    cell(first, "review_litigation.review.upheld").fill("2")
    cell(first, "review_litigation.review.corrected").fill("7")
    first.get_by_test_id("save").click()
    first.wait_for_load_state()
    # A different cell: merged, no conflict.
    cell(second, "review_litigation.litigation_direct.pending").fill("4")
    second.get_by_test_id("save").click()
    second.wait_for_load_state()
    assert second.get_by_test_id("conflict").count() == 0
    values = report_to_document(load_report(report.pk))["review_litigation"]
    assert (values["review"]["upheld"], values["review"]["corrected"], values["litigation_direct"]["pending"]) == (
        2,
        7,
        4,
    )
    # The same cell, on a stale page: a conflict naming only that cell; 保存 again keeps the rest.
    third = open_page(office.users["shenhe"], step(report, "review-litigation"))
    cell(first, "review_litigation.review.upheld").fill("3")
    first.get_by_test_id("save").click()
    first.wait_for_load_state()
    cell(first, "review_litigation.litigation_direct.other").fill("8")
    first.get_by_test_id("save").click()
    first.wait_for_load_state()
    cell(third, "review_litigation.review.upheld").fill("5")
    third.get_by_test_id("save").click()
    third.wait_for_load_state()
    conflict = third.get_by_test_id("conflict")
    # Both changed 结果维持, and so its automatic 总计; nothing else.
    assert conflict.locator("tbody tr td:first-child").all_inner_texts() == ["行政复议·结果维持", "行政复议·总计"]
    assert cell(third, "review_litigation.litigation_direct.other").input_value() == "8"
    third.get_by_test_id("save").click()
    third.wait_for_load_state()
    values = report_to_document(load_report(report.pk))["review_litigation"]
    assert values["review"]["upheld"] == 5
    assert values["litigation_direct"]["other"] == 8 and values["review"]["corrected"] == 7
