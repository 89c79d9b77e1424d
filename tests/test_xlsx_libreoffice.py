"""LibreOffice Calc as a second real client of the workbook: it opens and prints it (every figure
is in its PDF), and a workbook it re-saves, with formulas it computed and at the largest values, reads back identically.

Needs Debian's libreoffice-calc-nogui (./dev test installs it) and pdftotext (poppler-utils).
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from annual import layout
from annual import template_spec as spec
from annual.document import blank_document
from annual.exports.xlsx import cell_refs, workbook_bytes
from annual.imports.xlsx import read_workbook
from tests.documents import largest_document

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = [ROOT / "annual/demo_data/cangnan-2020.json", ROOT / "annual/demo_data/cangnan-education-2021.json"]
SOFFICE = shutil.which("soffice")

pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui"
)


def convert(source: Path, target_format: str, tmp_path: Path) -> Path:
    """`soffice --convert-to`, headless, with a private profile so parallel runs never share one."""
    out = tmp_path / "out"
    subprocess.run(
        [
            SOFFICE,
            "--headless",
            "--norestore",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            target_format,
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    converted = out / f"{source.stem}.{target_format.split(':')[0]}"
    assert converted.exists(), f"LibreOffice wrote no {converted.name}"
    return converted


def distinct_document(version: str) -> dict:
    """Every cell a different figure, so finding each in the print proves each was printed."""
    doc = blank_document(agency="苍南县测试局", year=2019 if version == spec.V2019 else 2021, version=version)
    n = 1000
    for section in ("proactive", "applications", "review_litigation"):
        for row in doc[section].values():
            for key in row:
                n += 7
                row[key] = n
    for item, fields in spec.proactive_fields(version).items():
        for f in fields:
            if f.kind == spec.MONEY:
                doc["proactive"][item][f.key] = "59237.2449"
            elif f.kind == spec.SIGNED:
                doc["proactive"][item][f.key] = -doc["proactive"][item][f.key]
    return doc


@pytest.mark.parametrize("version", spec.VERSIONS)
def test_every_figure_appears_in_libreoffice_print(version, tmp_path):
    doc = distinct_document(version)
    source = tmp_path / "report.xlsx"
    source.write_bytes(workbook_bytes(doc, findings=[]))
    pdf = convert(source, "pdf", tmp_path)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    printed = set(re.findall(r"-?\d+(?:\.\d+)?", text))
    figures = [c.text.removesuffix("万元") for t in layout.build_tables(doc).values() for c in t.value_cells()]
    assert figures and all(f for f in figures)
    missing = [f for f in figures if f not in printed]
    assert missing == [], f"figures missing from LibreOffice's print: {missing}"
    assert "苍南县测试局" in text and "三、收到和处理政府信息公开申请情况" in text


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_workbook_resaved_by_libreoffice_reads_back_identically(path, tmp_path):
    doc = json.loads(path.read_text(encoding="utf-8"))
    source = tmp_path / "report.xlsx"
    source.write_bytes(workbook_bytes(doc))
    resaved = convert(source, "xlsx:Calc MS Excel 2007 XML", tmp_path)
    assert resaved.read_bytes() != source.read_bytes()
    assert read_workbook(resaved.read_bytes()) == doc


def test_formula_computed_by_libreoffice_is_read_from_its_cached_value(tmp_path):
    """A total typed as =SUM(...) has no value until a spreadsheet computes it; after LibreOffice
    saved it, the reader takes the cached result."""
    doc = json.loads(EXAMPLES[1].read_text(encoding="utf-8"))
    refs = cell_refs(doc)
    first = refs["applications.received.natural_person"].split("!")[1]
    last = refs["applications.received.other_org"].split("!")[1]
    sheet, total = refs["applications.received.total"].split("!")
    wb = load_workbook(io.BytesIO(workbook_bytes(doc)))
    wb[sheet.strip("「」")][total].value = f"=SUM({first}:{last})"
    source = tmp_path / "formula.xlsx"
    wb.save(source)
    resaved = convert(source, "xlsx:Calc MS Excel 2007 XML", tmp_path)
    assert load_workbook(resaved)[sheet.strip("「」")][total].data_type == "f"
    back = read_workbook(resaved.read_bytes())
    assert back["applications"]["received"]["total"] == sum(
        v for k, v in doc["applications"]["received"].items() if k != "total" and v is not None
    )
    assert back == doc  # the demo's total already equals the sum


@pytest.mark.parametrize("version", spec.VERSIONS)
def test_largest_values_survive_a_libreoffice_save(version, tmp_path):
    doc = largest_document(version)
    source = tmp_path / "largest.xlsx"
    source.write_bytes(workbook_bytes(doc))
    assert read_workbook(convert(source, "xlsx:Calc MS Excel 2007 XML", tmp_path).read_bytes()) == doc
