"""Two reports side by side (annual/comparison.py): changes, year-on-year warnings, 内容雷同."""

import copy
import io
import json

import pdfplumber
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from annual import comparison, rules
from annual.exports.comparison import comparison_pdf, comparison_workbook


@pytest.fixture
def changed_seed(seed_doc):
    """The seed with a few figures and one paragraph changed, as next year's report might be."""
    doc = copy.deepcopy(seed_doc)
    doc["applications"]["received"]["natural_person"] = 500
    doc["proactive"]["procurement"]["amount_wan_yuan"] = "300.1"
    doc["problems"] = "本年度重新撰写的问题部分：政务新媒体管理仍需加强，基层公开标准目录更新不够及时。"
    doc["overview"] = doc["overview"] + "\n\n新增一段：本年度加强了政务新媒体管理。"
    return doc


def test_compare_lists_every_changed_cell_with_delta_and_ratio(seed_doc, changed_seed):
    result = comparison.compare(seed_doc, changed_seed)
    assert result["a"] == {"agency": "苍南县人民政府办公室", "year": 2020, "template": "2019"}
    assert result["cells"] == [
        {
            "path": "proactive.procurement.amount_wan_yuan",
            "a": "271.53",
            "b": "300.1",
            "delta": "28.57",
            "ratio": 1.1052,
        },
        {"path": "applications.received.natural_person", "a": 46, "b": 500, "delta": 454, "ratio": 10.8696},
    ]
    sections = {s["key"]: s for s in result["sections"]}
    assert sections["intro"] == {"key": "intro", "similarity": 1.0, "changed_paragraphs": 0}
    assert sections["overview"]["changed_paragraphs"] == 1
    assert sections["problems"]["similarity"] < 0.3
    assert "note" not in result


def test_compare_blank_and_zero_cells(seed_doc):
    other = copy.deepcopy(seed_doc)
    other["applications"]["granted"]["commercial"] = None if seed_doc["applications"]["granted"]["commercial"] else 3
    (change,) = comparison.compare(seed_doc, other)["cells"]
    assert change["path"] == "applications.granted.commercial"
    assert change["delta"] is None and change["ratio"] is None


def test_compare_different_templates_compares_shared_cells_and_says_so(seed_doc, doc_2021):
    result = comparison.compare(seed_doc, doc_2021)
    assert "模板版本不同" in result["note"]
    paths = {c["path"] for c in result["cells"]}
    # 2021-only rows never appear; rows both have do.
    assert not any(p.startswith("applications.other_no_correction") for p in paths)
    assert "applications.received.total" in paths


def test_year_on_year_warns_tenfold_and_sign_flip(seed_doc, changed_seed):
    findings = rules.year_on_year_findings(changed_seed, seed_doc)
    assert [f.cells for f in findings] == [("applications.received.natural_person",)]
    assert "变化超过 10 倍" in findings[0].message and findings[0].severity == "warning"
    flipped = copy.deepcopy(seed_doc)
    last = copy.deepcopy(seed_doc)
    last["proactive"]["licensing"]["change"] = 5
    flipped["proactive"]["licensing"]["change"] = -3
    (f,) = rules.year_on_year_findings(flipped, last)
    assert f.cells == ("proactive.licensing.change",) and "正负号与上年相反" in f.message


def test_year_on_year_small_numbers_do_not_warn(seed_doc):
    last, this = copy.deepcopy(seed_doc), copy.deepcopy(seed_doc)
    last["applications"]["granted"]["commercial"] = 1
    this["applications"]["granted"]["commercial"] = 12
    assert rules.year_on_year_findings(this, last) == []


def test_copied_share_ignores_boilerplate(seed_doc):
    statutory = "根据《中华人民共和国政府信息公开条例》，编制本报告。"
    assert comparison.copied(statutory, [comparison.shingles(statutory)]).share == 0.0
    text = seed_doc["overview"]
    assert comparison.copied(text, [comparison.shingles(text)]).share == 1.0
    assert comparison.copied(text, [comparison.shingles("完全不同的一段文字，没有任何共同的内容。")]).share == 0.0


def test_copied_text_findings_flag_copied_sections_only(seed_doc, changed_seed):
    findings = rules.copied_text_findings(changed_seed, seed_doc)
    flagged = {f.cells[0]: f for f in findings}
    assert {"intro", "overview"} <= set(flagged)
    assert flagged["overview"].expected == comparison.COPIED_THRESHOLD
    assert 0.9 < flagged["overview"].actual <= 1.0
    assert "problems" not in flagged


def test_copied_across_a_county_names_the_source():
    base = "本单位全年通过门户网站主动公开各类信息，并认真办理依申请公开，做到件件有回音、事事有着落。"
    reports = {
        "甲": {"overview": base + "甲单位另有特色做法。", "intro": "", "problems": "", "other_matters": ""},
        "乙": {"overview": base, "intro": "", "problems": "", "other_matters": ""},
        "丙": {
            "overview": "丙单位今年首次建立了政务公开专栏，按月更新数据。",
            "intro": "",
            "problems": "",
            "other_matters": "",
        },
    }
    result = comparison.copied_across(reports)
    assert result["乙"]["overview"].share == 1.0 and result["乙"]["overview"].source == "甲"
    assert result["甲"]["overview"].source == "乙" and 0.5 < result["甲"]["overview"].share < 1.0
    assert result["丙"]["overview"].share == 0.0 and result["丙"]["overview"].source is None


def test_candidate_pairs_find_the_copied_pair():
    base = "本单位全年通过门户网站主动公开各类信息，并认真办理依申请公开，做到件件有回音、事事有着落。" * 3
    reports = {
        "甲": {"overview": base},
        "乙": {"overview": base + "乙补充一句。"},
        "丙": {"overview": "丙单位今年首次建立了政务公开专栏，按月更新数据，全年共发布信息一百余条，接受群众监督。"},
    }
    assert comparison.candidate_pairs(reports) == {("乙", "甲")} or comparison.candidate_pairs(reports) == {
        ("甲", "乙")
    }


def _write(tmp_path, name, doc):
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_compare_reports_cli_prints_json(tmp_path, seed_doc, changed_seed):
    out = io.StringIO()
    a, b = _write(tmp_path, "a.json", seed_doc), _write(tmp_path, "b.json", changed_seed)
    out_file = tmp_path / "cmp.json"
    call_command("compare_reports", a, b, "-o", str(out_file), stderr=out)
    result = json.loads(out_file.read_text(encoding="utf-8"))
    assert [c["path"] for c in result["cells"]] == [
        "proactive.procurement.amount_wan_yuan",
        "applications.received.natural_person",
    ]


def test_compare_reports_cli_unreadable_input_exits_2(tmp_path, seed_doc):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError) as err:
        call_command("compare_reports", _write(tmp_path, "a.json", seed_doc), str(bad))
    assert err.value.returncode == 2


def test_compare_reports_cli_refuses_unknown_extension(tmp_path, seed_doc):
    a = _write(tmp_path, "a.json", seed_doc)
    with pytest.raises(CommandError) as err:
        call_command("compare_reports", a, a, "-o", str(tmp_path / "x.txt"))
    assert err.value.returncode == 2 and "扩展名" in str(err.value)


def test_comparison_workbook_lists_cells_and_paragraphs(seed_doc, changed_seed):
    wb = load_workbook(io.BytesIO(comparison_workbook(seed_doc, changed_seed)))
    cells = [[c.value for c in row] for row in wb["表格变化"].iter_rows(min_row=4)]
    assert cells[1][:4] == ["一、本年新收政府信息公开申请数量·自然人", 46, 500, 454]
    texts = [[c.value for c in row] for row in wb["正文变化"].iter_rows(min_row=2)]
    assert any(r[0] == "五、存在的主要问题及改进情况" and r[3].startswith("本年度重新撰写") for r in texts)


@pytest.mark.pdf
def test_comparison_pdf_prints_changes_in_the_report_look(seed_doc, changed_seed):
    with pdfplumber.open(io.BytesIO(comparison_pdf(seed_doc, changed_seed))) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages)
    squeezed = "".join(text.split())
    assert "苍南县人民政府办公室2020年度与2020年度报告对比" in squeezed
    assert "本年新收" in squeezed and "+454" in squeezed and "+28.57" in squeezed
    assert "本年度重新撰写的问题部分" in squeezed


@pytest.mark.django_db
def test_check_report_against_adds_year_on_year_and_copied_text(tmp_path, seed_doc, changed_seed):
    out = io.StringIO()
    this, last = _write(tmp_path, "this.json", changed_seed), _write(tmp_path, "last.json", seed_doc)
    with pytest.raises(SystemExit) as exit_:
        call_command("check_report", this, "--against", last, "--json", stdout=out)
    assert exit_.value.code == 1  # the seed's own four errors, still there
    findings = json.loads(out.getvalue())
    rules_seen = {f["rule"] for f in findings}
    assert {"year_on_year", "copied_text", "carry_over_continuity"} <= rules_seen
    copied = [f for f in findings if f["rule"] == "copied_text"]
    overview = next(f for f in copied if f["cells"] == ["overview"])
    assert overview["expected"] == comparison.COPIED_THRESHOLD and overview["actual"] > 0.9


@pytest.mark.django_db
def test_check_report_against_consistent_new_year_exits_0(tmp_path, doc_2021):
    """A report compared with a copy of itself as last year: no error, the copying is a warning."""
    this = copy.deepcopy(doc_2021)
    this["applications"]["carried_over"] = copy.deepcopy(doc_2021["applications"]["carried_forward"])
    out = io.StringIO()
    try:
        call_command(
            "check_report",
            _write(tmp_path, "this.json", this),
            "--against",
            _write(tmp_path, "l.json", doc_2021),
            stdout=out,
        )
    except SystemExit as exc:  # the moved carry-over may break a balance; only warnings matter here
        assert exc.code == 1
    assert "内容雷同" in out.getvalue()
