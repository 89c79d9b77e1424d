"""The agency hierarchy: loops refused (model, admin, import), names trimmed, moves keep reports."""

from __future__ import annotations

import copy

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from annual.interchange import write_document
from annual.models import Agency, Report, Transition
from tests.personas import make_user


@pytest.fixture
def chain(db):
    """市 > 县 > 局 > 科."""
    city = Agency.objects.create(name="温州市人民政府")
    county = Agency.objects.create(name="苍南县人民政府", parent=city)
    bureau = Agency.objects.create(name="苍南县教育局", parent=county)
    office = Agency.objects.create(name="苍南县教育局办公室", parent=bureau)
    return city, county, bureau, office


def test_an_agency_cannot_become_its_own_ancestor(chain):
    city, _county, bureau, office = chain
    city.parent = office
    with pytest.raises(ValidationError) as exc:
        city.save()
    assert "形成循环" in str(exc.value) and "苍南县教育局办公室" in str(exc.value)
    bureau.parent = bureau
    with pytest.raises(ValidationError):
        bureau.full_clean()
    assert Agency.objects.get(pk=city.pk).parent_id is None


def test_tree_walks_survive_a_loop_written_behind_the_models_back(chain):
    city, county, bureau, office = chain
    Agency.objects.filter(pk=city.pk).update(parent=office)  # what the guard prevents
    tree = Agency.objects.tree()
    assert sorted(tree.descendant_ids(city.pk)) == sorted([county.pk, bureau.pk, office.pk])
    assert set(tree.ancestor_ids(bureau.pk)) == {county.pk, city.pk, office.pk}


def test_descendants_in_tree_order_with_depth(chain):
    _city, county, bureau, office = chain
    sibling = Agency.objects.create(name="苍南县财政局", parent=county)
    walk = Agency.objects.tree().walk(county.pk)
    assert walk[0] == (county.pk, 0)
    assert set(walk) == {(county.pk, 0), (sibling.pk, 1), (bureau.pk, 1), (office.pk, 2)}
    assert walk.index((office.pk, 2)) == walk.index((bureau.pk, 1)) + 1  # a subtree stays together
    assert [a.pk for a in county.descendants()] == Agency.objects.tree().descendant_ids(county.pk)


def test_names_are_trimmed_and_an_empty_name_refused(db):
    agency = Agency.objects.create(name="  苍南县民政局\u3000 ")
    assert agency.name == "苍南县民政局"
    with pytest.raises(ValidationError) as exc:
        Agency.objects.create(name="   ")
    assert "机关名称不能为空" in str(exc.value)


def test_admin_refuses_a_loop_with_a_clear_message(client, chain):
    city, _county, _bureau, office = chain
    admin = make_user("root", None, None, is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        reverse("admin:annual_agency_change", args=[city.pk]),
        {
            "name": city.name,
            "parent": office.pk,
            "children-TOTAL_FORMS": "0",
            "children-INITIAL_FORMS": "0",
            "former_names-TOTAL_FORMS": "0",
            "former_names-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "形成循环" in response.content.decode()
    assert Agency.objects.get(pk=city.pk).parent_id is None


def test_moving_an_agency_keeps_its_reports_and_history(chain, doc_2021, django_user_model):
    city, county, bureau, office = chain
    other = Agency.objects.create(name="平阳县人民政府", parent=city)
    doc = copy.deepcopy(doc_2021)
    doc["agency"] = bureau.name
    report = write_document(doc, bureau)
    history = report.history.count()
    bureau.parent = other
    bureau.full_clean()
    bureau.save()
    report.refresh_from_db()
    assert report.agency_id == bureau.pk and report.history.count() == history
    assert Report.objects.filter(agency=bureau).count() == 1
    tree = Agency.objects.tree()
    assert bureau.pk in tree.descendant_ids(other.pk) and bureau.pk not in tree.descendant_ids(county.pk)
    assert office.pk in tree.descendant_ids(other.pk)  # the agency's own subordinates move with it
    assert not Transition.objects.exclude(report=report).exists()


def test_import_trims_the_agency_name_and_refuses_an_empty_one(db, tmp_path, doc_2021):
    import json

    path = tmp_path / "r.json"
    path.write_text(json.dumps(doc_2021, ensure_ascii=False), encoding="utf-8")
    call_command("import_report", str(path), "--agency", "  苍南县教育局  ")
    assert Agency.objects.filter(name="苍南县教育局").exists()
    with pytest.raises(CommandError) as exc:
        call_command("import_report", str(path), "--agency", "   ")
    assert exc.value.returncode == 2 and "不能为空" in str(exc.value)
