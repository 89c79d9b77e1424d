"""The portal HTML page passes axe-core (vendored from npm) in real Chromium with zero violations.

The page is the package's `report.html`, loaded as a file (it has no script of its own and
links nothing); axe is injected from static/vendor/axe-core/ and run with its default rules
(WCAG 2 A/AA and best practices).
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from annual.exports import DRAFT_NOTICE
from annual.exports.html import page_html

AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"


@pytest.mark.parametrize("which", ["2019", "2021"])
def test_portal_page_has_no_axe_violations(browser, tmp_path, seed_doc, doc_2021, which):
    doc = copy.deepcopy(seed_doc if which == "2019" else doc_2021)
    page_file = tmp_path / "report.html"
    # The 2021 page carries the draft notice a not yet approved report's page shows.
    page_file.write_text(page_html(doc, draft=DRAFT_NOTICE if which == "2021" else ""), encoding="utf-8")
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    try:
        page = context.new_page()
        page.goto(page_file.as_uri())
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("() => axe.run(document)")
    finally:
        context.close()
    violations = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:5]) for v in result["violations"]]
    assert violations == []
    assert len(result["passes"]) > 10  # axe did run its rules on the page
    assert any(p["id"] == "td-headers-attr" for p in result["passes"])
