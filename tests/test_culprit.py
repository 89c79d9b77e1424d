"""Probable culprit (annual/culprit.py): the fewest cells whose correction makes every rule hold."""

import copy
import io
import json

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from annual import culprit, rules
from annual.document import value_at
from annual.exports.xlsx import FINDINGS_SHEET, workbook_bytes


def _set(doc: dict, path: str, value) -> None:
    section, row, col = path.split(".")
    doc[section][row][col] = value


def _value_cells(doc: dict) -> list[str]:
    return sorted({c for check in rules.blocking_checks(doc["template"]) for c in check.cells})


def test_culprit_seed_names_the_two_blank_natural_person_cells(seed_doc):
    """The seed's four published errors: the office filled 总计 but left two 自然人 cells blank.
    Filling those two (1 and 6) makes all four rules hold; a reviewer would send back exactly that."""
    found = culprit.localise(seed_doc)
    assert not found.reason
    assert [c.cells for c in found.corrections] == [
        ("applications.withheld_internal_affairs.natural_person", "applications.carried_forward.natural_person")
    ]
    assert found.corrections[0].expected == (1, 6)
    assert found.corrections[0].actual == (None, None)


def test_culprit_nothing_to_localise_in_a_consistent_report(doc_2021):
    found = culprit.localise(doc_2021)
    assert found.corrections == () and found.reason == ""
    assert culprit.hint_findings(doc_2021) == []


@pytest.fixture
def consistent_seed(seed_doc):
    for path, value in zip(*(lambda c: (c.cells, c.expected))(culprit.localise(seed_doc).corrections[0]), strict=True):
        _set(seed_doc, path, value)
    assert not rules.blocking_findings(seed_doc)
    return seed_doc


@pytest.mark.parametrize("which", ["seed", "2021"])
def test_culprit_every_single_cell_corruption_is_found(which, consistent_seed, doc_2021):
    """Every value cell of 三 and 四, corrupted alone: the suggestion is that cell, or the
    ambiguity is reported with that cell among the equally small sets."""
    doc = consistent_seed if which == "seed" else doc_2021
    missed, unique = [], 0
    for path in _value_cells(doc):
        bad = copy.deepcopy(doc)
        _set(bad, path, (value_at(doc, path) or 0) + 7)
        found = culprit.localise(bad, budget=5)
        sets = [c.cells for c in found.corrections]
        if (path,) not in sets:
            missed.append(path)
        elif len(sets) == 1:
            unique += 1
            assert found.corrections[0].expected == ((value_at(doc, path) or 0),)
        else:
            assert found.ambiguous
    assert missed == []
    # Most corruptions have one explanation only; ambiguity is the exception.
    assert unique > 0.85 * len(_value_cells(doc))


def test_culprit_ambiguity_is_said(doc_2021):
    """Two cells that take part in exactly the same rules cannot be told apart."""
    bad = copy.deepcopy(doc_2021)
    for path in _value_cells(bad):
        bad_one = copy.deepcopy(bad)
        _set(bad_one, path, (value_at(bad, path) or 0) + 7)
        found = culprit.localise(bad_one, budget=5)
        if found.ambiguous:
            lines = culprit.summary(bad_one["template"], found)
            assert "无法确定是哪一种" in lines[-1]
            assert all("无法确定是哪一种" in f.message for f in culprit.hint_findings(bad_one, found))
            return
    pytest.fail("no single-cell corruption of the 2021 demo report is ambiguous")


def test_culprit_too_many_failures_says_so_instead_of_guessing(doc_2021):
    bad = copy.deepcopy(doc_2021)
    for row in bad["applications"].values():
        for key in row:
            row[key] = 1
    found = culprit.localise(bad)
    assert found.corrections == ()
    assert "错误太多" in found.reason
    assert culprit.summary(bad["template"], found) == [f"最可能的错误：无法确定（{found.reason}）"]


def test_culprit_out_of_time_says_so_instead_of_guessing(seed_doc):
    found = culprit.localise(seed_doc, budget=0)
    assert found.corrections == () and found.reason == culprit.UNSOLVED


def test_culprit_weights_put_totals_last(doc_2021):
    """A total that disagrees with its parts in one rule only: changing the total or one part
    are both one-cell fixes; the weights order the total last."""
    bad = copy.deepcopy(doc_2021)
    _set(bad, "review_litigation.review.total", (value_at(bad, "review_litigation.review.total") or 0) + 2)
    found = culprit.localise(bad, budget=5)
    cells = [c.cells[0] for c in found.corrections]
    assert cells[-1] == "review_litigation.review.total"
    assert len(cells) > 1 and found.ambiguous


@pytest.mark.django_db
def test_check_report_json_adds_likely_error_hints_and_keeps_exit_code(tmp_path, seed_doc):
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed_doc, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("check_report", str(path), "--json", stdout=out)
    assert exit_.value.code == 1
    findings = json.loads(out.getvalue())
    hints = [f for f in findings if f["rule"] == "likely_error"]
    assert hints == [
        {
            "rule": "likely_error",
            "severity": "hint",
            "cells": [
                "applications.withheld_internal_affairs.natural_person",
                "applications.carried_forward.natural_person",
            ],
            "expected": [1, 6],
            "actual": [None, None],
            "message": hints[0]["message"],
        }
    ]
    assert hints[0]["message"].startswith(
        "最可能的错误：三·三（三）不予公开·5.属于三类内部事务信息·自然人（空白 → 1？）"
    )
    # The existing findings are unchanged: the four errors, first.
    assert [f["rule"] for f in findings[:4]] == ["row_total", "row_total", "handled_total", "balance"]


@pytest.mark.django_db
def test_check_report_plain_prints_the_culprit_line(tmp_path, seed_doc):
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed_doc, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("check_report", str(path), stdout=out)
    text = out.getvalue()
    assert (
        "最可能的错误：三·三（三）不予公开·5.属于三类内部事务信息·自然人（空白 → 1？）；三·四、结转下年度继续办理·自然人（空白 → 6？）"
        in text
    )
    assert "这只是推断" in text
    assert text.rstrip().endswith("共 4 个错误，0 个提示。")


@pytest.mark.django_db
def test_check_report_consistent_report_has_no_hint(tmp_path, doc_2021):
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(doc_2021, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    call_command("check_report", str(path), "--json", stdout=out)
    assert all(f["rule"] != "likely_error" for f in json.loads(out.getvalue()))


def test_workbook_findings_sheet_lists_the_culprit(seed_doc):
    wb = load_workbook(io.BytesIO(workbook_bytes(seed_doc)))
    rows = [[c.value for c in row] for row in wb[FINDINGS_SHEET].iter_rows(min_row=2)]
    hint = [r for r in rows if r[1] == "最可能的错误"]
    assert len(hint) == 1
    severity, _, cells, expected, actual, message = hint[0]
    assert severity == "建议"
    assert expected == "1；6" and actual == "空白；空白"
    assert "5.属于三类内部事务信息" in cells and "结转下年度继续办理" in cells
    assert message.startswith("最可能的错误：")
