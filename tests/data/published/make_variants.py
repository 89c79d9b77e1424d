"""Writes the corpus files that stand for how real offices print their reports, each from an
answer document edited by hand here (the answers are written next to the PDFs):

    .venv/bin/python tests/data/published/make_variants.py

- education-2021-errors.json: the 2021 demo report with printed arithmetic errors like a real
  2023 report's (行政复议 维持 10, 纠正 1, 总计 0; 本年新收 自然人 25 with 总计 27).
- education-2021-left-libreoffice.pdf: its DOCX export (annual.exports.docx) with every
  paragraph left-aligned (no justification), a two-column page header (agency | title) on
  every page, and table 二's fee printed in 元 (「本年收费金额（单位：元）」, 592375), converted
  by LibreOffice headless. Answer: education-2021-errors.json (the reader converts 元 to 万元).
- education-2021-chromium.pdf: the print HTML (annual.pdf.html.render_html) with 三's （六）
  printed as one row 「（六）其他处理」 (the 2019 way), printed through Chromium (Playwright
  page.pdf). Answer: education-2021-single-other.json (the row's figures in other_misc, the
  two other sub-rows null, printed_variants ["other_single_row"]).
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reportsite.settings")

import django  # noqa: E402

django.setup()

from docx import Document  # noqa: E402
from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: E402
from docx.shared import Pt  # noqa: E402

from annual.document import load_file, validate  # noqa: E402
from annual.exports.docx import document_bytes  # noqa: E402
from annual.pdf.html import render_html  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def errors_doc() -> dict:
    doc = load_file(str(ROOT / "annual" / "demo_data" / "cangnan-education-2021.json"))
    doc["review_litigation"]["review"].update({"upheld": 10, "corrected": 1, "other": 0, "pending": 0, "total": 0})
    doc["applications"]["received"]["natural_person"] = 25
    return validate(doc)


def write_json(name: str, doc: dict) -> None:
    (HERE / name).write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def left_libreoffice(doc: dict) -> None:
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "education-2021-left-libreoffice.docx"
        path.write_bytes(document_bytes(doc))
        d = Document(str(path))
        for p in d.paragraphs:
            if p.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY:
                p.alignment = WD_ALIGN_PARAGRAPH.LEFT
        for style in d.styles:
            fmt = getattr(style, "paragraph_format", None)
            if fmt is not None and fmt.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY:
                fmt.alignment = WD_ALIGN_PARAGRAPH.LEFT
        for table in d.tables:
            for row in table.rows:
                for cell in row.cells:
                    for p in cell.paragraphs:
                        for run in p.runs:
                            if "本年收费金额" in run.text and "万元" in run.text:
                                run.text = run.text.replace("万元", "元")
                            if run.text.strip() == "59.2375":
                                run.text = "592375"
                        if p.text.strip() == "59.2375" and not p.runs:
                            p.add_run("592375")
        header = d.sections[0].header
        header.is_linked_to_previous = False
        grid = header.add_table(rows=1, cols=2, width=d.sections[0].page_width - d.sections[0].left_margin * 2)
        grid.cell(0, 0).text = doc["agency"]
        grid.cell(0, 1).text = f"{doc['year']}年度政府信息公开工作年度报告"
        grid.cell(0, 1).paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        for cell in grid.rows[0].cells:
            for run in cell.paragraphs[0].runs:
                run.font.size = Pt(9)
        d.save(str(path))
        subprocess.run(
            ["soffice", "--headless", "--convert-to", "pdf", "--outdir", work, str(path)],
            check=True,
            capture_output=True,
            timeout=180,
        )
        (HERE / "education-2021-left-libreoffice.pdf").write_bytes(path.with_suffix(".pdf").read_bytes())


def single_other(doc: dict) -> dict:
    answer = copy.deepcopy(doc)
    rows = answer["applications"]
    merged = {}
    for column in rows["other_misc"]:
        parts = [rows[k][column] for k in ("other_no_correction", "other_unpaid_fee", "other_misc")]
        merged[column] = None if all(v is None for v in parts) else sum(v or 0 for v in parts)
    rows["other_misc"] = merged
    rows["other_no_correction"] = {c: None for c in merged}
    rows["other_unpaid_fee"] = {c: None for c in merged}
    answer["meta"]["printed_variants"] = ["other_single_row"]
    return validate(answer)


def chromium(doc: dict, answer: dict) -> None:
    from playwright.sync_api import sync_playwright

    html = render_html(doc)
    start = html.index('<tr class="level3" data-row="applications.other_no_correction">')
    end = html.index('<tr class="level2" data-row="applications.handled_total">')
    cells = "".join(
        f'<td class="num">{"" if v is None else v}</td>' for v in answer["applications"]["other_misc"].values()
    )
    single = f'<tr class="level2"><th colspan="2" class="label" scope="row">（六）其他处理</th>{cells}</tr>\n'
    html = html[:start] + single + html[end:]
    html = html.replace('rowspan="22" class="label vertical outcomes"', 'rowspan="20" class="label vertical outcomes"')
    with tempfile.TemporaryDirectory() as work:
        page_path = Path(work) / "print.html"
        page_path.write_text(html, encoding="utf-8")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.goto(page_path.as_uri(), wait_until="load")
            pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
            browser.close()
    (HERE / "education-2021-chromium.pdf").write_bytes(pdf)


if __name__ == "__main__":
    doc = errors_doc()
    write_json("education-2021-errors.json", doc)
    left_libreoffice(doc)
    answer = single_other(doc)
    write_json("education-2021-single-other.json", answer)
    chromium(doc, answer)
