"""The rule engine, over every rule and both template versions."""

import copy

import pytest

from annual import template_spec as spec
from annual.document import blank_document, validate
from annual.rules import (
    ERROR,
    WARNING,
    blocking_checks,
    blocking_findings,
    check_document,
    narrative_findings,
)

APPLICANTS = [c.key for c in spec.APPLICANT_COLUMNS]


def _fix_seed(doc: dict) -> dict:
    doc["applications"]["withheld_internal_affairs"]["natural_person"] = 1
    doc["applications"]["carried_forward"]["natural_person"] = 6
    return doc


def _findings_by_rule(findings):
    return sorted((f.rule, f.cells[0], f.expected, f.actual) for f in findings)


def test_seed_has_exactly_the_four_published_errors(seed_doc):
    findings = check_document(seed_doc)
    assert _findings_by_rule(findings) == sorted(
        [
            ("row_total", "applications.withheld_internal_affairs.total", 0, 1),
            ("row_total", "applications.carried_forward.total", 0, 6),
            ("handled_total", "applications.handled_total.natural_person", 43, 44),
            ("balance", "applications.handled_total.natural_person", 50, 44),
        ]
    )
    assert all(f.severity == ERROR for f in findings)


def test_seed_messages_name_rows_and_columns_by_official_labels(seed_doc):
    messages = {f.rule + f.cells[0]: f.message for f in check_document(seed_doc)}
    assert (
        messages["handled_totalapplications.handled_total.natural_person"]
        == "（七）总计·自然人：各项之和为 43，填写为 44"
    )
    assert "属于三类内部事务信息" in messages["row_totalapplications.withheld_internal_affairs.total"]
    assert "0" in messages["row_totalapplications.withheld_internal_affairs.total"]
    assert "结转下年度继续办理" in messages["row_totalapplications.carried_forward.total"]
    balance = messages["balanceapplications.handled_total.natural_person"]
    assert "自然人" in balance and "50" in balance and "44" in balance


def test_seed_corrected_has_no_finding(seed_doc):
    assert check_document(_fix_seed(seed_doc)) == []


def test_an_empty_last_year_is_read_as_none(seed_doc):
    assert check_document(seed_doc, {}) == check_document(seed_doc, None) == check_document(seed_doc)


def test_clean_2021_example_has_no_finding(doc_2021):
    assert check_document(doc_2021) == []


def _every_count_cell(doc):
    for row in spec.application_rows(doc["template"]):
        for col in spec.APPLICATION_COLUMNS:
            yield f"applications.{row.key}.{col.key}"
    for group in spec.REVIEW_GROUPS:
        for f in spec.REVIEW_FIELDS:
            yield f"review_litigation.{group.key}.{f.key}"


def _set(doc, path, value):
    node = doc
    parts = path.split(".")
    for p in parts[:-1]:
        node = node[p]
    node[parts[-1]] = value


def _get(doc, path):
    node = doc
    for p in path.split("."):
        node = node[p]
    return node


@pytest.mark.parametrize("which", ["seed-fixed", "2021"])
def test_changing_any_single_count_is_an_error_naming_that_cell(which, seed_doc, doc_2021):
    base = _fix_seed(seed_doc) if which == "seed-fixed" else doc_2021
    version = base["template"]
    for path in _every_count_cell(base):
        doc = copy.deepcopy(base)
        old = _get(doc, path) or 0
        _set(doc, path, old + 1)
        findings = [f for f in check_document(doc) if f.severity == ERROR]
        assert findings, path
        for f in findings:
            assert path in f.cells, (path, f)
            assert {f.expected, f.actual} != {None}
            assert str(f.expected) in f.message and str(f.actual) in f.message
        section, row, col = path.split(".")
        named = spec.describe_cell(version, path)
        row_label = named.rsplit("·", 1)[0]
        col_label = named.rsplit("·", 1)[1]
        assert any(row_label.split("·")[-1] in f.message or col_label in f.message for f in findings), path


@pytest.mark.parametrize("version", spec.VERSIONS)
def test_row_total_per_row_and_version(version):
    for row in spec.application_rows(version):
        doc = blank_document(agency="测试机关", year=2020 if version == "2019" else 2021)
        doc["applications"][row.key]["natural_person"] = 2
        doc["applications"][row.key]["total"] = 3
        rules = {(f.rule, f.cells[0]) for f in check_document(doc)}
        assert ("row_total", f"applications.{row.key}.total") in rules


@pytest.mark.parametrize("version", spec.VERSIONS)
def test_handled_total_covers_exactly_the_outcome_rows(version):
    outcome_keys = {r.key for r in spec.outcome_rows(version)}
    handled = [
        c
        for c in blocking_checks(version)
        if c.rule == "handled_total" and c.targets == ("applications.handled_total.total",)
    ][0]
    assert {p.split(".")[1] for p in handled.parts} == outcome_keys
    expected_count = 20 if version == "2019" else 22
    assert len(outcome_keys) + 1 == expected_count  # plus （七）总计 itself


@pytest.mark.parametrize("version", spec.VERSIONS)
@pytest.mark.parametrize("column", [c.key for c in spec.APPLICATION_COLUMNS])
def test_balance_per_column(version, column):
    doc = blank_document(agency="测试机关", year=2021, version=version)
    doc["applications"]["received"][column] = 5
    findings = [f for f in check_document(doc) if f.rule == "balance"]
    assert [f.cells for f in findings] == [
        (
            f"applications.handled_total.{column}",
            f"applications.carried_forward.{column}",
            f"applications.received.{column}",
            f"applications.carried_over.{column}",
        )
    ]
    assert (findings[0].expected, findings[0].actual) == (5, 0)


@pytest.mark.parametrize("group", [g.key for g in spec.REVIEW_GROUPS])
@pytest.mark.parametrize("part", spec.REVIEW_PART_KEYS)
def test_group_total_per_group_and_part(group, part):
    doc = blank_document(agency="测试机关", year=2021)
    doc["review_litigation"][group][part] = 2
    doc["review_litigation"][group]["total"] = 1
    findings = blocking_findings(doc)  # a blank 2021 六 also warns (fee_report)
    assert [(f.rule, f.expected, f.actual) for f in findings] == [("group_total", 2, 1)]
    assert spec.REVIEW_GROUPS_BY_KEY[group].label in findings[0].message


@pytest.mark.parametrize("version", spec.VERSIONS)
def test_blank_counts_as_zero_but_zero_is_kept(version):
    blank = blank_document(agency="测试机关", year=2021, version=version)
    zeros = copy.deepcopy(blank)
    for row in zeros["applications"].values():
        for col in row:
            row[col] = 0
    # Blocking findings only: a blank 2021 六 also warns (fee_report).
    assert blocking_findings(blank) == [] and blocking_findings(zeros) == []
    mixed = copy.deepcopy(blank)
    mixed["applications"]["granted"]["natural_person"] = 0
    mixed["applications"]["granted"]["total"] = None
    assert blocking_findings(mixed) == []
    validate(zeros)
    assert zeros["applications"]["granted"]["total"] == 0 and blank["applications"]["granted"]["total"] is None


def test_2021_other_handling_rows_count_and_2019_other_does_not_exist():
    doc = blank_document(agency="测试机关", year=2021)
    assert "other" not in doc["applications"]
    for key in ("other_no_correction", "other_unpaid_fee", "other_misc"):
        doc["applications"][key]["research"] = 1
        doc["applications"][key]["total"] = 1
    findings = {(f.rule, f.cells[0]): (f.expected, f.actual) for f in check_document(doc)}
    assert findings[("handled_total", "applications.handled_total.research")] == (3, 0)


def test_grid_ships_every_server_check_over_its_table():
    from annual.forms.sections import blank_table, grid_config

    for version in spec.VERSIONS:
        shipped = []
        for key in ("applications", "review_litigation"):
            table = blank_table(key, version)
            paths = [c.path for c in table.value_cells()]
            for check in grid_config(table, version)["checks"]:
                assert "{expected}" in check["message"] and "{actual}" in check["message"]
                shipped.append(
                    (check["rule"], tuple(paths[i] for i in check["parts"]), tuple(paths[i] for i in check["targets"]))
                )
        assert shipped == [(c.rule, c.parts, c.targets) for c in blocking_checks(version)]


# --- Warnings -----------------------------------------------------------------------------


def test_carry_over_continuity_warns_per_column(doc_2021, seed_doc):
    previous = _fix_seed(seed_doc)  # carried_forward: natural_person 6, total 6
    findings = [f for f in check_document(doc_2021, previous) if f.rule == "carry_over_continuity"]
    assert {(f.cells[0], f.expected, f.actual) for f in findings} == {
        ("applications.carried_over.natural_person", 6, 2),
        ("applications.carried_over.total", 6, 2),
    }
    assert all(f.severity == WARNING for f in findings)


def test_carry_over_continuity_silent_without_previous_year(doc_2021):
    assert [f for f in check_document(doc_2021, None) if f.severity == WARNING] == []


def test_proactive_continuity_2021(doc_2021):
    previous = copy.deepcopy(doc_2021)
    previous["year"] = 2020
    previous["proactive"]["normative_documents"]["in_force"] = 15
    this = copy.deepcopy(doc_2021)  # issued 3, repealed 1, in_force 17 -> 15+3-1 = 17: fine
    assert [f for f in check_document(this, previous) if f.rule == "proactive_continuity"] == []
    this["proactive"]["normative_documents"]["in_force"] = 20
    findings = [f for f in check_document(this, previous) if f.rule == "proactive_continuity"]
    assert [(f.cells, f.expected, f.actual) for f in findings] == [
        (("proactive.normative_documents.in_force",), 17, 20)
    ]
    assert "行政规范性文件" in findings[0].message


def test_proactive_continuity_2019(seed_doc):
    previous = copy.deepcopy(seed_doc)
    previous["year"] = 2019
    previous["proactive"]["licensing"].update(previous=10, change=-2)
    this = _fix_seed(copy.deepcopy(seed_doc))
    this["proactive"]["licensing"]["previous"] = 9
    findings = [f for f in check_document(this, previous) if f.rule == "proactive_continuity"]
    assert [(f.cells, f.expected, f.actual) for f in findings] == [(("proactive.licensing.previous",), 8, 9)]


def test_proactive_continuity_silent_across_template_versions(seed_doc, doc_2021):
    assert [f for f in check_document(doc_2021, seed_doc) if f.rule == "proactive_continuity"] == []


def test_narrative_numbers_agree_in_seed_and_example(seed_doc, doc_2021):
    assert narrative_findings(seed_doc) == []
    assert narrative_findings(doc_2021) == []


def test_narrative_numbers_warn_on_disagreement(seed_doc):
    seed_doc["overview"] = seed_doc["overview"].replace("受理依申请公开办件46件", "受理依申请公开办件47件")
    findings = narrative_findings(seed_doc)
    assert [(f.rule, f.severity, f.expected, f.actual) for f in findings] == [("narrative_numbers", WARNING, 46, 47)]
    assert "47" in findings[0].message and "46" in findings[0].message


def test_narrative_numbers_accept_received_plus_carried_over(seed_doc):
    seed_doc["overview"] = "全年共受理政府信息公开申请50件。"
    assert narrative_findings(seed_doc) == []


def test_narrative_review_and_litigation(doc_2021):
    doc_2021["overview"] = "全年发生行政复议3件，行政诉讼1件。"
    findings = narrative_findings(doc_2021)
    assert sorted((f.expected, f.actual) for f in findings) == [(0, 1), (1, 3)]
