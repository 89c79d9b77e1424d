"""Two people editing one section (#9 item 4): merged cell by cell against what each loaded.

Only a cell both changed (to different values) is a conflict, and saving anyway after a
conflict never undoes or blanks a value the saver did not touch.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from annual import sections
from annual.interchange import load_report, report_to_document
from annual.models import ApplicationRow, ProactiveItem
from tests.entry_fixtures import client_for, step_data

pytestmark = pytest.mark.django_db


def url(report, slug):
    return reverse("report-step", args=[report.pk, slug])


def _cell(report, path):
    return report_to_document(load_report(report.pk))[path.split(".")[0]][path.split(".")[1]][path.split(".")[2]]


def test_merge_cells_takes_each_persons_changes_and_flags_only_cells_both_changed():
    base = {"a": 1, "b": None, "c": 3, "d": 4}
    current = {"a": 1, "b": 7, "c": 5, "d": 4}  # the other person filled b and changed c
    mine = {"a": 2, "b": None, "c": 6, "d": 4}  # I changed a and c
    merged, clashes = sections.merge_cells(base, current, mine)
    assert merged == {"a": 2, "b": 7, "c": 6, "d": 4}
    assert clashes == ("c",)
    # Both made the same change: no conflict.
    assert sections.merge_cells(base, current, {**mine, "c": 5})[1] == ()


def test_two_people_changing_different_cells_both_get_saved(personas, seed_report):
    first, second = client_for(personas.preparer_a), client_for(personas.approver_a)
    loaded = step_data(seed_report, "applications")  # both pages loaded this
    assert (
        first.post(url(seed_report, "applications"), loaded | {"applications.granted.natural_person": "20"}).status_code
        == 302
    )
    response = second.post(
        url(seed_report, "applications"), loaded | {"applications.carried_over.commercial": "3"}, follow=True
    )
    assert response.status_code == 200
    assert "其修改已保留" in response.content.decode()
    assert ApplicationRow.objects.get(report=seed_report, key="granted").natural_person == 20
    assert ApplicationRow.objects.get(report=seed_report, key="carried_over").commercial == 3


def test_conflict_lists_only_the_cell_both_changed_and_saving_anyway_keeps_the_others(personas, seed_report):  # noqa: E501
    first, second = client_for(personas.preparer_a), client_for(personas.approver_a)
    loaded = step_data(seed_report, "applications")
    # The first person fills a blank cell and changes a shared one.
    first.post(
        url(seed_report, "applications"),
        loaded | {"applications.received.research": "9", "applications.granted.natural_person": "20"},
    )
    # The second, on a page loaded before that, changes the shared cell differently and another one.
    response = second.post(
        url(seed_report, "applications"),
        loaded | {"applications.granted.natural_person": "30", "applications.granted.commercial": "2"},
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert re.findall(r'<td class="theirs">(.*?)</td><td class="mine">(.*?)</td>', html) == [("20", "30")]
    # The page now shows the other person's 9, and still the second person's own typing.
    assert 'name="applications.received.research" value="9"' in html
    assert 'name="applications.granted.commercial" value="2"' in html
    assert 'name="applications.granted.natural_person" value="30"' in html
    # 仍然保存: the page's form as the browser submits it.
    data = {name: value for name, value in re.findall(r'<input[^>]* name="([^"]+)"(?: value="([^"]*)")?', html)}
    data.pop("csrfmiddlewaretoken", None)
    data["goto"] = ""
    assert second.post(url(seed_report, "applications"), data).status_code == 302
    assert _cell(seed_report, "applications.granted.natural_person") == 30
    assert _cell(seed_report, "applications.granted.commercial") == 2
    assert _cell(seed_report, "applications.received.research") == 9  # not blanked


def test_merge_of_money_and_text_sections(personas, seed_report):
    first, second = client_for(personas.preparer_a), client_for(personas.approver_a)
    loaded = step_data(seed_report, "proactive")
    first.post(url(seed_report, "proactive"), loaded | {"proactive.procurement.amount_wan_yuan": "300.50"})
    assert second.post(url(seed_report, "proactive"), loaded | {"proactive.rules.made": "4"}).status_code == 302
    item = ProactiveItem.objects.get(report=seed_report, key="procurement")
    assert (str(item.amount_wan_yuan), item.amount_places) == ("300.5000", 2)
    assert ProactiveItem.objects.get(report=seed_report, key="rules").made == 4
    # A text section is one cell: both changing it is a conflict, one changing it is not.
    loaded = step_data(seed_report, "problems")
    first.post(url(seed_report, "problems"), loaded | {"problems": "甲改的"})
    assert second.post(url(seed_report, "problems"), loaded | {"problems": "乙改的"}).status_code == 409
    assert second.post(url(seed_report, "problems"), loaded).status_code == 302  # 乙 changed nothing
    assert load_report(seed_report.pk).problems == "甲改的"


def test_changing_the_fee_counts_as_one_change(personas, seed_report):
    """#9 item 11: the amount and its number of decimals are one cell, not two."""
    client = client_for(personas.preparer_a)
    data = step_data(seed_report, "proactive") | {"proactive.procurement.amount_wan_yuan": "300.5"}
    response = client.post(url(seed_report, "proactive"), data, follow=True)
    assert "1 处修改" in response.content.decode()
    data = step_data(seed_report, "proactive") | {"proactive.procurement.amount_wan_yuan": ""}
    assert "1 处修改" in client.post(url(seed_report, "proactive"), data, follow=True).content.decode()
