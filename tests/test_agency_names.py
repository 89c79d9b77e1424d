"""import_report --agency: names are trimmed; empty or too long names are refused (item 8)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from annual.agencies import AgencyNameError, clean_agency_name
from annual.models import Agency, Report

SEED = Path(__file__).resolve().parent.parent / "annual" / "demo_data" / "cangnan-2020.json"


def test_clean_agency_name_trims_and_limits():
    assert clean_agency_name("  苍南县教育局 \u3000") == "苍南县教育局"
    for bad in ("", "   ", "\u3000", "字" * 201):
        with pytest.raises(AgencyNameError) as exc:
            clean_agency_name(bad)
        assert "机关名称" in exc.value.message
    assert clean_agency_name("字" * 200) == "字" * 200


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["", "   ", "字" * 250])
def test_import_refuses_empty_or_long_names_with_exit_2(name):
    with pytest.raises(CommandError) as exc:
        call_command("import_report", str(SEED), "--agency", name)
    assert exc.value.returncode == 2
    assert "机关名称" in str(exc.value)
    assert not Agency.objects.exists()


@pytest.mark.django_db
def test_trailing_space_finds_the_same_agency():
    call_command("import_report", str(SEED), "--agency", "苍南县人民政府办公室")
    with pytest.raises(CommandError) as exc:
        call_command("import_report", str(SEED), "--agency", "苍南县人民政府办公室 ")
    assert "已存在" in str(exc.value)
    assert Agency.objects.count() == 1 and Report.objects.count() == 1
