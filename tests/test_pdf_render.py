"""Real WeasyPrint renders checked with pypdf and pdfplumber: pages, fonts, figures in cells,
watermark, page numbers, and the URL fetcher's wall."""

import copy
import datetime
import http.server
import io
import threading

import pdfplumber
import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from annual import template_spec as spec
from annual.document import MAX_TEXT_CHARS, DocumentError, validate
from annual.pdf import DraftMark, render_pdf
from annual.pdf.build_fonts import LOCAL_FACE_FILES
from annual.pdf.html import STYLESHEET
from annual.pdf.render import asset_path, html_to_pdf, url_fetcher

pytestmark = pytest.mark.pdf

DRAFT = DraftMark(state="草稿", printed_at=datetime.datetime(2021, 1, 30, 9, 5))


@pytest.fixture(scope="module")
def seed_pdf() -> bytes:
    import json

    from tests.documents import DEMO_DIR

    doc = json.loads((DEMO_DIR / "cangnan-2020.json").read_text(encoding="utf-8"))
    return render_pdf(doc)


@pytest.fixture(scope="module")
def pdf_2021() -> bytes:
    import json

    from tests.documents import DEMO_DIR

    doc = json.loads((DEMO_DIR / "cangnan-education-2021.json").read_text(encoding="utf-8"))
    return render_pdf(doc, draft=DRAFT)


def page_texts(pdf: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(pdf)) as plumber:
        return [page.extract_text() or "" for page in plumber.pages]


def tables(pdf: bytes) -> list[tuple[int, list[list]]]:
    """(page number, rows) of every ruled table, cells as pdfplumber reads them (None = merged)."""
    with pdfplumber.open(io.BytesIO(pdf)) as plumber:
        return [(i + 1, t) for i, page in enumerate(plumber.pages) for t in page.filter(not_watermark).extract_tables()]


def not_watermark(obj) -> bool:
    # The 「草稿」 watermark is the only text set larger than the 22 pt title.
    return obj.get("object_type") != "char" or obj.get("size", 0) < 40


def images(reader: PdfReader) -> list:
    found = []
    for page in reader.pages:
        for xobject in (page["/Resources"].get("/XObject") or {}).values():
            if xobject.get_object().get("/Subtype") == "/Image":
                found.append(xobject)
    return found


def flat(cell) -> str:
    return "" if cell is None else cell.replace("\n", "")


def application_rows_printed(pdf: bytes) -> dict[str, list[str]]:
    """Numbered row label -> the seven figures printed on that row of 三."""
    found = {}
    for _, rows in tables(pdf):
        for row in rows:
            cells = [flat(c) for c in row]
            # Ten columns; pdfplumber merges label columns that no rule separates on a page.
            if len(cells) not in (8, 9, 10) or cells[0] == "申请人情况":
                continue
            label = next((c for c in reversed(row[:-7]) if c), "")
            found[flat(label)] = cells[-7:]
    return found


def expected_value(value) -> str:
    return "" if value is None else str(value)


@pytest.mark.parametrize("fixture, doc_fixture", [("seed_pdf", "seed_doc"), ("pdf_2021", "doc_2021")])
def test_render_figures_in_their_table_cells(fixture, doc_fixture, request):
    pdf, doc = request.getfixturevalue(fixture), request.getfixturevalue(doc_fixture)
    version = doc["template"]
    printed = application_rows_printed(pdf)
    for row in spec.application_rows(version):
        values = doc["applications"][row.key]
        assert printed[row.numbered_label] == [expected_value(values[c.key]) for c in spec.APPLICATION_COLUMNS], row.key

    labels = {item.label for item, _ in spec.proactive_items(version)}
    proactive = {
        flat(r[0]): [flat(c) for c in r[1:] if c is not None]
        for _, rows in tables(pdf)
        for r in rows
        if r and flat(r[0]) in labels
    }
    for item, block in spec.proactive_items(version):
        printed_values = proactive[item.label]
        for f, shown in zip(block.fields, printed_values):
            value = doc["proactive"][item.key][f.key]
            if f.kind == spec.MONEY and value is not None and "万元" not in f.label:
                assert shown == f"{value}万元"
            else:
                assert shown == expected_value(value), (item.key, f.key)

    review = next(rows for _, rows in tables(pdf) if len(rows[0]) == 15)
    assert [flat(c) for c in review[-1]] == [
        expected_value(doc["review_litigation"][g.key][f.key]) for g in spec.REVIEW_GROUPS for f in spec.REVIEW_FIELDS
    ]


def test_render_seed_pages_and_page_numbers(seed_pdf):
    texts = page_texts(seed_pdf)
    # The seed prints on eight pages of 22 lines with these fonts; a page or so either way
    # would mean the type size or the margins changed.
    assert 7 <= len(texts) <= 9
    for number, text in enumerate(texts, start=1):
        assert f"— {number} —" in text
    assert texts[0].replace("\n", "").startswith("苍南县人民政府办公室2020年度政府信息公开工作年度报告")
    assert "2021年1月29日" in texts[-1]


def test_render_page_numbers_alternate_sides(seed_pdf):
    with pdfplumber.open(io.BytesIO(seed_pdf)) as plumber:
        for number, page in enumerate(plumber.pages[:4], start=1):
            dash = [w for w in page.extract_words() if w["text"] == str(number) and w["top"] > page.height * 0.85]
            assert dash, number
            x = dash[0]["x0"]
            # GB/T 9704: odd pages on the right, even pages on the left.
            assert (x > page.width / 2) == (number % 2 == 1)


def test_render_fonts_embedded_and_subset(seed_pdf, pdf_2021):
    for pdf in (seed_pdf, pdf_2021):
        reader = PdfReader(io.BytesIO(pdf))
        fonts = {}
        for page in reader.pages:
            for font in page["/Resources"]["/Font"].values():
                font = font.get_object()
                fonts[font["/BaseFont"]] = font
        assert fonts
        for name, font in fonts.items():
            assert name[7] == "+" and name[1:7].isalpha() and name[1:7].isupper(), name  # ABCDEF+Name: a subset
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), name
            assert any(face in name for face in ("CJK", "Report-", "WenKai", "UKai", "GB2312", "Song")), name


def test_render_header_of_applications_repeats_on_continuation(seed_doc):
    # On a page too short for the whole of 三 (A4 wide, 20 cm high), it breaks between row groups:
    # every part opens with the three header rows and no row is cut.
    from weasyprint import CSS, HTML

    from annual.pdf import render_html
    from annual.pdf.html import ASSET_DIR
    from annual.pdf.render import _font_config, _stylesheets

    html = render_html(seed_doc, link_stylesheet=False)
    short_page = CSS(string="@page { size: 210mm 200mm; margin: 20mm 26mm 20mm 28mm }", font_config=_font_config())
    pdf = HTML(string=html, base_url=ASSET_DIR.as_uri() + "/", url_fetcher=url_fetcher()).write_pdf(
        stylesheets=[*_stylesheets(), short_page], font_config=_font_config()
    )
    parts = [rows for _, rows in tables(pdf) if any(flat(c or "") == "申请人情况" for c in rows[0])]
    assert len(parts) >= 2
    labels = []
    for rows in parts:
        assert flat(rows[0][0]) == flat(spec.BALANCE_NOTE)
        assert [flat(c) for c in rows[1] if c] == ["自然人", "法人或其他组织", "总计"]
        labels += [flat(c) for row in rows[3:] for c in row if c and not flat(c).isdigit()]
    # Every row label appears exactly once across the parts: none lost, none cut in two.
    for row in spec.application_rows("2019"):
        assert sum(1 for label in labels if label.endswith(flat(row.label))) == 1, row.label


def test_render_watermark_on_drafts_only(seed_pdf, pdf_2021):
    draft_texts = page_texts(pdf_2021)
    assert all("草稿" in t and "状态：草稿" in t for t in draft_texts)
    assert not any("草稿" in t for t in page_texts(seed_pdf))


def test_render_markup_in_narrative_prints_as_text(seed_doc):
    doc = copy.deepcopy(seed_doc)
    doc["overview"] = '<img src="file:///etc/passwd"> <a href="http://example.invalid/x">链接</a>'
    pdf = render_pdf(doc)
    text = "".join(page_texts(pdf))
    assert '<img src="file:///etc/passwd">' in text.replace("\n", "")
    assert "root:x:0:0" not in text
    reader = PdfReader(io.BytesIO(pdf))
    assert images(reader) == []
    assert not any("/Annots" in page for page in reader.pages)


def test_url_fetcher_refuses_other_files_and_network(tmp_path):
    fetcher = url_fetcher()
    outside = tmp_path / "secret.css"
    outside.write_text("body { color: red }")
    for url in (
        "file:///etc/passwd",
        outside.as_uri(),
        STYLESHEET.parent.as_uri() + "/../../../manage.py",
        STYLESHEET.parent.as_uri() + "/%2e%2e/%2e%2e/%2e%2e/manage.py",
        "http://127.0.0.1/",
        "https://example.invalid/font.woff2",
        "data:text/css,body{color:red}",
        "ftp://127.0.0.1/x",
    ):
        assert asset_path(url) is None
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    served = fetcher.fetch(STYLESHEET.as_uri())
    assert served.read() == STYLESHEET.read_bytes()
    assert served.content_type == "text/css"


def test_weasyprint_never_contacts_http_or_reads_files_named_in_html(tmp_path):
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not an image")
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        # Unescaped markup straight into the renderer: the fetcher is the second wall.
        html = (
            f'<html><head><link rel="stylesheet" href="{url}/x.css"></head><body>'
            f'<img src="{url}/a.png"><img src="{secret.as_uri()}"><img src="file:///etc/passwd">'
            f'<p style="background: url({url}/b.png)">文字</p></body></html>'
        )
        pdf = html_to_pdf(html)
    finally:
        server.shutdown()
        server.server_close()
    assert hits == []
    assert pdf.startswith(b"%PDF")
    assert images(PdfReader(io.BytesIO(pdf))) == []


def test_one_megabyte_narrative_refused_at_input(seed_doc):
    doc = copy.deepcopy(seed_doc)
    doc["overview"] = "政" * (1024 * 1024)
    with pytest.raises(DocumentError) as exc:
        validate(doc)
    assert exc.value.problems == [("overview", f"文本过长：{1024 * 1024} 字，上限为 {MAX_TEXT_CHARS} 字")]


def test_longest_allowed_narrative_renders(seed_doc):
    doc = copy.deepcopy(seed_doc)
    paragraph = seed_doc["overview"].split("\n\n")[2]
    text = ""
    while len(text) < MAX_TEXT_CHARS:
        text += paragraph + "\n\n"
    doc["overview"] = text[:MAX_TEXT_CHARS]
    validate(doc)
    pdf = render_pdf(doc)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert pages > 50
    assert "— 1 —" in page_texts(pdf)[0]


def _embedded_fonts(pdf: bytes) -> dict[str, TTFont]:
    fonts = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            program = (descriptor.get("/FontFile3") or descriptor.get("/FontFile2")).get_object()
            fonts[str(font["/BaseFont"]).split("+", 1)[1]] = TTFont(io.BytesIO(program.get_data()))
    return fonts


def test_render_seed_pdf_embeds_subsets_of_the_bundled_gb2312_faces(seed_pdf):
    # WeasyPrint keeps every glyph id up to the highest one used, so a subset of an installed
    # 30 000–65 000-glyph face drags ~140 KB of empty slots along; the GB 2312 copies (under
    # 8 000 glyphs) do not.
    fonts = _embedded_fonts(seed_pdf)
    assert all(name.startswith("Report-") for name in fonts)
    assert all(font["maxp"].numGlyphs <= 8_000 for font in fonts.values())
    # FandolFang, the only free simplified 仿宋, has traced outlines twice as heavy as Noto
    # Serif's; its copy drops the detail no printer draws (build_fonts.Simplifier): 237 KB.
    assert len(seed_pdf) <= 300_000
    # The （一） sub-headings take the bundled 楷体 copy, not the 15 MB installed face.
    assert "Report-Kai-SC" in fonts and not any("WenKai" in n for n in fonts)


def test_render_body_text_is_set_in_fang_song_where_installed(seed_pdf):
    with pdfplumber.open(io.BytesIO(seed_pdf)) as plumber:
        body = [c["fontname"].split("+", 1)[1] for c in plumber.pages[0].chars if c["text"] == "根"]
    expected = "Report-Fang-SC" if LOCAL_FACE_FILES[0].exists() else "Report-Serif-SC"
    assert body and set(body) == {expected}


def test_render_in_another_thread_prints_the_same(seed_doc, seed_pdf):
    # Each thread parses its own copy of the stylesheet into its own font configuration.
    result = {}
    worker = threading.Thread(target=lambda: result.setdefault("pdf", render_pdf(seed_doc)))
    worker.start()
    worker.join()
    assert page_texts(result["pdf"]) == page_texts(seed_pdf)
    fonts = [
        sorted(
            str(f.get_object()["/BaseFont"])[7:]
            for p in PdfReader(io.BytesIO(pdf)).pages
            for f in p["/Resources"]["/Font"].values()
        )
        for pdf in (result["pdf"], seed_pdf)
    ]
    assert fonts[0] == fonts[1]
