"""Generated print cases: the largest document the format allows (shared by the PDF tests and
bench/pdf_bench.py), and LibreOffice's print of a DOCX."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pdfplumber

from annual import template_spec as spec
from annual.document import MAX_COUNT, MAX_TEXT_CHARS, blank_document, validate
from annual.money import MONEY_MAX
from tests.documents import EDUCATION_2021_FILE, SEED_FILE, demo_doc

# 60 characters, units and organs that a line of the title or the signature must not strand.
LONG_AGENCY = (
    "浙江省温州市苍南县人民政府办公室政务公开与数字化改革工作领导小组"
    "办公室暨苍南县大数据发展管理中心政府信息公开与政策解读科"
)
MAX_MONEY = str(MONEY_MAX)  # the largest amount the document allows


def long_narrative(seed: dict, length: int = MAX_TEXT_CHARS) -> str:
    """`length` characters of real report prose: the seed's sections over and over, with its
    （一） headings, figures, URLs and quotation marks."""
    source = "\n\n".join(seed[key] for key in ("intro", "overview", "problems"))
    text = ""
    while len(text) < length:
        text += source + "\n\n"
    return text[:length].rstrip()


def worst_case_document() -> dict:
    """A 2019-format document (its money cells print 万元 after the amount) with every count at
    MAX_COUNT, every signed change at −MAX_COUNT, every amount at the largest allowed value, a
    60-character agency and all four narratives at their maximum length."""
    assert len(LONG_AGENCY) == 60
    seed = demo_doc(SEED_FILE)
    doc = blank_document(agency=LONG_AGENCY, year=2020, version="2019")
    for block in spec.PROACTIVE_BLOCKS["2019"]:
        for item in block.items:
            for f in block.fields:
                doc["proactive"][item.key][f.key] = (
                    MAX_MONEY if f.kind == spec.MONEY else -MAX_COUNT if f.kind == spec.SIGNED else MAX_COUNT
                )
    for row in doc["applications"].values():
        for key in row:
            row[key] = MAX_COUNT
    for group in doc["review_litigation"].values():
        for key in group:
            group[key] = MAX_COUNT
    for key in ("intro", "overview", "problems", "other_matters"):
        doc[key] = long_narrative(seed)
    doc["meta"] = {"signed_by": LONG_AGENCY, "signed_on": "2021-01-29"}
    validate(doc)
    return doc


def landscape_document() -> dict:
    """The worst case's tables (三 and 四 on landscape pages) with the seed's narratives: the
    tables of the worst case at a twentieth of its pages."""
    seed = demo_doc(SEED_FILE)
    doc = worst_case_document()
    doc.update({key: seed[key] for key in ("intro", "overview", "problems", "other_matters")})
    validate(doc)
    return doc


def realistic_large_document() -> dict:
    """The 2021 demo report with the sizes real reports reach (issue 20): 7-digit counts in 三
    (a city's applications), 5-digit counts in 四, 123456.7890 万元 in 二; every rule still holds."""
    doc = demo_doc(EDUCATION_2021_FILE)
    added = {"natural_person": 1808000, "commercial": 1234000, "total": 1808000 + 1234000}
    for row in ("received", "granted", "handled_total"):  # both sides of every rule grow alike
        cells = doc["applications"][row]
        for column, more in added.items():
            cells[column] = (cells[column] or 0) + more
    for group in doc["review_litigation"].values():
        group["upheld"] = (group["upheld"] or 0) + 12000
        group["total"] = (group["total"] or 0) + 12000
    doc["proactive"]["fees"]["amount_wan_yuan"] = "123456.7890"
    validate(doc)
    return doc


# A paragraph of addresses as reports print them: a portal path with a query, an e-mail
# address, a long object-storage URL with a 32-character hash and no separator, and a file name.
URLS = (
    "https://www.cncn.gov.cn/col/col1229486745/index.html?uid=5428921&pageNum=2",
    "zwgk_office@cangnan.gov.cn",
    "http://zjjcmspublic.oss-cn-hangzhou-zwynet-d01-a.internet.cn/jcms_files/jcms1/web3096/site/attach/0/"
    "a3f9e1c2b7d84e5f9a0b1c2d3e4f5a6b.pdf",
    "ftp://files.example.org/pub/reports/2020/annual-report-final-version-with-appendices.zip",
)


def url_document() -> dict:
    """The seed with a paragraph of long URLs and an e-mail address opening its 一、总体情况."""
    doc = demo_doc(SEED_FILE)
    a, b, c, d = URLS
    doc["overview"] = (
        f"本机关通过门户网站{a}集中公开政策文件，公众也可发送电子邮件至{b}咨询，"
        f"或访问{c}下载附件，备用地址为{d}。\n\n{doc['overview']}"
    )
    validate(doc)
    return doc


def pdf_text(pdf: bytes) -> str:
    """The text of every page of `pdf`, as pdfplumber extracts it."""
    with pdfplumber.open(io.BytesIO(pdf)) as plumber:
        return "\n".join(page.extract_text() or "" for page in plumber.pages)


SOFFICE = shutil.which("soffice")


def libreoffice_pdf(source: Path) -> Path:
    """LibreOffice's PDF of the document at `source` (headless, written beside it), with a
    private profile beside it too, so parallel runs never share one."""
    assert SOFFICE is not None, "LibreOffice (soffice) is not installed"
    profile = source.parent / "lo-profile"
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(source.parent),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pdf = source.with_suffix(".pdf")
    assert pdf.exists(), f"LibreOffice wrote no {pdf.name}"
    return pdf


def font_programs(raw: bytes) -> dict:
    """The embedded font programs of a PDF (fontTools TTFonts), by base font name less its subset tag."""
    import pikepdf
    from fontTools.ttLib import TTFont

    programs = {}
    with pikepdf.open(io.BytesIO(raw)) as pdf:
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                descriptor = font.DescendantFonts[0].FontDescriptor
                stream = descriptor.get("/FontFile3") or descriptor.get("/FontFile2")
                programs[str(font.BaseFont).split("+", 1)[1]] = TTFont(io.BytesIO(stream.read_bytes()))
    return programs
