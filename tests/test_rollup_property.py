"""Property: every blocking rule that holds on each part of a 汇总 holds on the sum.

Random reports of both template versions are built to pass every blocking rule, then some cells
of some parts are knocked off so that a few rules break on a few parts; for each rule that still
holds on all parts, it must hold on the sum. Money must sum exactly and the sum must be a valid
document.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annual import rules
from annual import template_spec as spec
from annual.document import blank_document, validate
from annual.rollup import sum_documents

counts = st.one_of(st.none(), st.integers(0, 10**6))
signed = st.one_of(st.none(), st.integers(-(10**5), 10**5))
money = st.one_of(
    st.none(),
    st.decimals(0, 10**6, places=4, allow_nan=False, allow_infinity=False).map(lambda d: f"{d:f}"),
    st.integers(0, 10**5).map(str),
)


def _blank_if_zero(draw, value: int):
    return None if value == 0 and draw(st.booleans()) else value


@st.composite
def valid_report(draw, version: str) -> dict:
    """A document of `version` passing every blocking rule (blanks count as 0)."""
    doc = blank_document(agency="某机关", year=2020 if version == spec.V2019 else 2021, version=version)
    for item, fields in spec.proactive_fields(version).items():
        for f in fields:
            doc["proactive"][item][f.key] = draw(
                money if f.kind == spec.MONEY else signed if f.kind == spec.SIGNED else counts
            )
    apps = doc["applications"]
    outcomes = spec.outcome_rows(version)
    for col in spec.APPLICANT_COLUMNS:
        handled = 0
        for row in outcomes:
            value = draw(counts)
            apps[row.key][col.key] = value
            handled += value or 0
        forward = draw(st.integers(0, 1000))
        carried = draw(st.integers(0, handled + forward))
        apps["handled_total"][col.key] = _blank_if_zero(draw, handled)
        apps["carried_forward"][col.key] = _blank_if_zero(draw, forward)
        apps["carried_over"][col.key] = _blank_if_zero(draw, carried)
        apps["received"][col.key] = _blank_if_zero(draw, handled + forward - carried)
    for row in spec.application_rows(version):
        total = sum(apps[row.key][c.key] or 0 for c in spec.APPLICANT_COLUMNS)
        apps[row.key]["total"] = _blank_if_zero(draw, total)
    for group in spec.REVIEW_GROUPS:
        values = doc["review_litigation"][group.key]
        for key in spec.REVIEW_PART_KEYS:
            values[key] = draw(counts)
        values["total"] = _blank_if_zero(draw, sum(values[k] or 0 for k in spec.REVIEW_PART_KEYS))
    assert rules.blocking_findings(doc) == []
    return doc


@st.composite
def parts(draw):
    version = draw(st.sampled_from(spec.VERSIONS))
    docs = draw(st.lists(valid_report(version), min_size=1, max_size=5))
    paths = [p for p, kind in spec.value_cells(version) if kind == spec.COUNT]
    # Break some rules on some parts: a few cells of a few reports take another value.
    for doc in docs:
        for path in draw(st.lists(st.sampled_from(paths), max_size=2)):
            section, row, col = path.split(".")
            doc[section][row][col] = draw(counts)
    return version, docs


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
)
@given(parts())
def test_every_rule_that_holds_on_each_part_holds_on_the_sum(data):
    version, docs = data
    total = sum_documents(docs, agency="县", year=docs[0]["year"], version=version)
    validate(total)
    for check in rules.blocking_checks(version):
        if all(rules.run_check(check, d) is None for d in docs):
            assert rules.run_check(check, total) is None, check


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
)
@given(parts())
def test_each_cell_is_the_exact_sum_and_blank_only_when_all_parts_are(data):
    version, docs = data
    total = sum_documents(docs, agency="县", year=docs[0]["year"], version=version)
    for path, kind in spec.value_cells(version):
        section, row, col = path.split(".")
        values = [d[section][row][col] for d in docs]
        got = total[section][row][col]
        if all(v is None for v in values):
            assert got is None
        elif kind == spec.MONEY:
            assert Decimal(got) == sum(Decimal(v) for v in values if v is not None)
        else:
            assert got == sum(v for v in values if v is not None)


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
)
@given(parts())
def test_fast_error_count_agrees_with_the_rule_engine(data):
    from annual.rollup import blocking_error_count

    for doc in data[1]:
        assert blocking_error_count(doc) == len(rules.blocking_findings(doc))
