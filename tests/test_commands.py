"""The command-line contract: check_report, import_report, export_report, load_demo."""

import copy
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from annual import template_spec as spec
from annual.board import compiling_year
from annual.interchange import report_to_document
from annual.models import Agency, ApplicationRow, Membership, Report, ReportState
from tests.cli_runner import run_command

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "annual" / "demo_data" / "cangnan-2020.json"
EXAMPLE_2021 = ROOT / "annual" / "demo_data" / "cangnan-education-2021.json"


def write(tmp_path, doc, name="doc.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_check_report_seed_json_exits_1_with_exactly_four_errors(db):
    result = run_command("check_report", str(SEED), "--json")
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)
    errors = [f for f in findings if f["severity"] == "error"]
    assert sorted((f["rule"], f["cells"][0], f["expected"], f["actual"]) for f in errors) == sorted(
        [
            ("row_total", "applications.withheld_internal_affairs.total", 0, 1),
            ("row_total", "applications.carried_forward.total", 0, 6),
            ("handled_total", "applications.handled_total.natural_person", 43, 44),
            ("balance", "applications.handled_total.natural_person", 50, 44),
        ]
    )
    for f in findings:
        assert set(f) == {"rule", "severity", "cells", "expected", "actual", "message"}


def test_check_report_fixed_seed_exits_0(db, tmp_path, seed_doc):
    seed_doc["applications"]["withheld_internal_affairs"]["natural_person"] = 1
    seed_doc["applications"]["carried_forward"]["natural_person"] = 6
    result = run_command("check_report", write(tmp_path, seed_doc), "--json")
    assert result.returncode == 0, result.stderr
    assert [f for f in json.loads(result.stdout) if f["severity"] == "error"] == []


def test_check_report_plain_output_is_chinese_lines(db):
    result = run_command("check_report", str(SEED))
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    # Four errors, the probable culprit and its caveat, the count.
    assert len(lines) == 7
    assert "（七）总计·自然人：各项之和为 43，填写为 44" in result.stdout
    assert lines[4].startswith("最可能的错误：")
    assert lines[-1] == "共 4 个错误，0 个提示。"


@pytest.mark.parametrize(
    "mutate,fragment",
    [
        (lambda d: "{not json", "JSON 格式错误"),
        (lambda d: d.update(format="other/9") or d, "format"),
        (lambda d: d.update(template="2022") or d, "template"),
        (lambda d: d.pop("applications") and d, "applications"),
        (
            lambda d: d["applications"]["received"].update(natural_person="46") or d,
            "applications.received.natural_person",
        ),
        (
            lambda d: d["applications"]["received"].update(natural_person=46.0) or d,
            "applications.received.natural_person",
        ),
        (lambda d: d["review_litigation"]["review"].update(total=-1) or d, "review_litigation.review.total"),
    ],
    ids=["bad-json", "format", "template", "missing-section", "string", "float", "negative"],
)
def test_check_report_invalid_document_exits_2_without_traceback(db, tmp_path, seed_doc, mutate, fragment):
    doc = mutate(copy.deepcopy(seed_doc))
    path = tmp_path / "bad.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    for extra in ([], ["--json"]):
        result = run_command("check_report", str(path), *extra)
        assert result.returncode == 2
        assert fragment in result.stderr
        assert "Traceback" not in result.stderr + result.stdout


def test_check_report_missing_file_exits_2(db, tmp_path):
    result = run_command("check_report", str(tmp_path / "nope.json"))
    assert result.returncode == 2 and "无法读取文件" in result.stderr and "Traceback" not in result.stderr


def test_check_report_as_a_process_on_an_unmigrated_database(tmp_path):
    # Why a process: `manage.py check_report` must start and exit 1 with its Chinese lines on a real
    # stdout where the shell's database is not even migrated (the spec: the cross-year warnings
    # then stay silent, no traceback); no test database can stand for that missing schema.
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'cli.sqlite3'}", PYTHONIOENCODING="utf-8")
    result = subprocess.run(
        [sys.executable, "manage.py", "check_report", str(SEED)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "（七）总计·自然人：各项之和为 43，填写为 44" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "共 4 个错误，0 个提示。"
    assert "Traceback" not in result.stderr


@pytest.mark.django_db
def test_check_report_uses_last_years_report_for_warnings(tmp_path, seed_doc, doc_2021):
    seed_doc["agency"] = doc_2021["agency"]
    call_command(
        "import_report", write(tmp_path, seed_doc, "prev.json"), agency=doc_2021["agency"], stdout=io.StringIO()
    )
    out = io.StringIO()
    call_command("check_report", write(tmp_path, doc_2021), json=True, stdout=out)
    warnings = [f for f in json.loads(out.getvalue()) if f["rule"] == "carry_over_continuity"]
    assert {(f["cells"][0], f["expected"], f["actual"]) for f in warnings} == {
        ("applications.carried_over.natural_person", 0, 2),
        ("applications.carried_over.total", 6, 2),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("source", [SEED, EXAMPLE_2021], ids=["2019", "2021"])
def test_import_then_export_round_trips_key_for_key(tmp_path, source):
    original = json.loads(source.read_text(encoding="utf-8"))
    call_command("import_report", str(source), agency="某机关", stdout=io.StringIO())
    out = tmp_path / "out.json"
    call_command("export_report", agency="某机关", year=original["year"], output=str(out), stderr=io.StringIO())
    assert json.loads(out.read_text(encoding="utf-8")) == original


@pytest.mark.django_db
def test_round_trip_keeps_blank_zero_money_places_and_absent_meta(tmp_path, doc_2021):
    doc_2021["proactive"]["fees"]["amount_wan_yuan"] = "120.50"
    doc_2021["applications"]["granted"]["research"] = None
    doc_2021["applications"]["granted"]["commercial"] = 0
    del doc_2021["meta"]["contact"]["fax"]
    del doc_2021["meta"]["website"]
    doc_2021["meta"]["category"] = ""
    call_command("import_report", write(tmp_path, doc_2021), agency="某机关", stdout=io.StringIO())
    out = io.StringIO()
    call_command("export_report", agency="某机关", year=2021, stdout=out)
    assert json.loads(out.getvalue()) == doc_2021


@pytest.mark.django_db
def test_import_creates_rows_for_every_template_row(tmp_path):
    call_command("import_report", str(EXAMPLE_2021), agency="某机关", stdout=io.StringIO())
    report = Report.objects.get()
    assert report.template == "2021" and report.agency.name == "某机关"
    assert sorted(report.application_rows.values_list("key", flat=True)) == sorted(
        r.key for r in spec.application_rows("2021")
    )
    assert report.proactive_items.count() == 6 and report.review_groups.count() == 3


@pytest.mark.django_db
def test_import_refuses_existing_report_without_replace(tmp_path, seed_doc):
    call_command("import_report", str(SEED), agency="某机关", stdout=io.StringIO())
    with pytest.raises(CommandError, match="已存在"):
        call_command("import_report", str(SEED), agency="某机关", stdout=io.StringIO())
    seed_doc["applications"]["received"]["natural_person"] = 47
    call_command("import_report", write(tmp_path, seed_doc), agency="某机关", replace=True, stdout=io.StringIO())
    row = ApplicationRow.objects.get(key="received")
    assert row.natural_person == 47
    assert row.history.count() == 2  # created, then changed in place: the audit sees old -> new


@pytest.mark.django_db
@pytest.mark.parametrize("state", [ReportState.SUBMITTED, ReportState.APPROVED, ReportState.PUBLISHED])
def test_import_refuses_locked_report(tmp_path, state, seed_doc):
    call_command("import_report", str(SEED), agency="某机关", stdout=io.StringIO())
    Report.objects.update(state=state)
    seed_doc["applications"]["received"]["natural_person"] = 47
    with pytest.raises(CommandError, match="已锁定"):
        call_command("import_report", write(tmp_path, seed_doc), agency="某机关", replace=True, stdout=io.StringIO())
    assert ApplicationRow.objects.get(key="received").natural_person == 46


@pytest.mark.django_db
def test_import_invalid_document_changes_nothing(tmp_path, seed_doc):
    seed_doc["applications"]["received"]["total"] = -5
    with pytest.raises(CommandError) as exc:
        call_command("import_report", write(tmp_path, seed_doc), agency="某机关", stdout=io.StringIO())
    assert exc.value.returncode == 2
    assert not Report.objects.exists() and not Agency.objects.exists()


@pytest.mark.django_db
def test_export_unknown_report(tmp_path):
    with pytest.raises(CommandError, match="没有找到"):
        call_command("export_report", agency="无此机关", year=2020, stdout=io.StringIO())


@pytest.mark.django_db
def test_load_demo_creates_county_reports_and_accounts():
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    county = Agency.objects.get(name="苍南县人民政府")
    assert {a.name for a in county.children.all()} >= {"苍南县人民政府办公室", "苍南县教育局"}
    office = Report.objects.get(agency__name="苍南县人民政府办公室", year=2020)
    assert office.template == "2019"
    assert Report.objects.get(agency__name="苍南县教育局", year=2021).template == "2021"
    # The round of the year being compiled: subordinates in every state, some not started.
    year = compiling_year(timezone.localdate())
    states = set(Report.objects.filter(year=year).values_list("state", flat=True))
    assert states == {"draft", "submitted", "returned", "approved", "published"}
    assert Agency.objects.filter(parent=county).exclude(reports__year=year).exists()
    # What went for approval is dated (成文日期), so its approved copy prints the date under the 落款.
    for report in Report.objects.filter(year=year).exclude(state="draft"):
        assert report_to_document(report)["meta"]["signed_on"] == timezone.localdate().isoformat()
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == {"preparer", "approver", "admin"}
    text = out.getvalue()
    # Every account that can sign in is printed; the demo round's people have no password.
    for m in Membership.objects.select_related("user"):
        assert m.user.username in text or not m.user.has_usable_password()
    # Each printed password signs its user in.
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and Membership.objects.filter(user__username=parts[0]).exists():
            from django.contrib.auth import get_user_model

            assert get_user_model().objects.get(username=parts[0]).check_password(parts[1])
    # Running it again changes no report and still prints working logins.
    reports = Report.objects.count()
    call_command("load_demo", stdout=io.StringIO())
    assert Report.objects.count() == reports


def test_demo_data_does_not_depend_on_shared_folder():
    assert SEED.exists() and EXAMPLE_2021.exists()
    shared = ROOT.parent / "shared" / "examples" / "cangnan-2020.json"
    if shared.exists():
        assert json.loads(shared.read_text(encoding="utf-8")) == json.loads(SEED.read_text(encoding="utf-8"))
