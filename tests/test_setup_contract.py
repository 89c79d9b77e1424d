"""The set-up contract: the task runner, README, settings from the environment and local static files.

Fast and offline: the scripts are only syntax-checked (the real `./dev test` is what CI runs), and
settings are imported in fresh interpreters so each environment is seen exactly as a process would.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = [ROOT / "dev", ROOT / ".ci" / "run"]
BOOTSTRAP = ROOT / "static" / "vendor" / "bootstrap"
# What a browser fetches by itself: CSS url()/@import and source maps ...
REMOTE_IN_ASSET = re.compile(
    r"""(?:url\(\s*['"]?|@import\s+(?:url\(\s*)?['"]?|sourceMappingURL=)\s*(?:https?:)?//""", re.IGNORECASE
)
# ... and, in markup, the src/href of elements that load on their own (a plain <a href> does not).
REMOTE_IN_HTML = re.compile(
    r"""<(?:script|link|img|iframe|source|video|audio|embed|object)\b[^>]*?\b(?:src|href|data)\s*=\s*['"]?\s*(?:https?:)?//""",
    re.IGNORECASE,
)


def _clean_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "DATABASE_URL"}
    env.update(overrides)
    return env


def _settings_process(code: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import reportsite.settings as s\n" + code],
        cwd=ROOT,
        env=_clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_task_script_is_executable_bash_with_valid_syntax(script):
    assert script.is_file(), f"{script} is missing"
    assert os.access(script, os.X_OK), f"{script} is not executable"
    first_line = script.read_text(encoding="utf-8").splitlines()[0]
    assert first_line.startswith("#!") and "bash" in first_line
    assert "set -euo pipefail" in script.read_text(encoding="utf-8")
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_ci_run_calls_the_same_task_runner_for_sqlite_and_postgresql():
    text = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "./dev test" in text
    assert "./dev pg-test" in text


def test_dev_unknown_subcommand_prints_usage_and_exits_2():
    result = subprocess.run([str(ROOT / "dev"), "no-such-command"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    for sub in ("run", "test", "setup", "pg-test"):
        assert sub in result.stderr


def test_dev_picks_a_python_of_at_least_3_11_when_sourced():
    # Sourcing must only define functions (nothing is installed or started).
    result = subprocess.run(
        ["bash", "-c", 'source ./dev && py="$(find_python)" && "$py" -c "import sys; print(sys.version_info[:2])"'],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    major, minor = map(int, re.findall(r"\d+", result.stdout))
    assert (major, minor) >= (3, 11)


def test_readme_presents_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "./dev run" in text
    assert "./dev test" in text
    for env_var in ("DATABASE_URL", "DJANGO_SECRET_KEY", "DJANGO_DEBUG", "DJANGO_ALLOWED_HOSTS"):
        assert env_var in text


def test_settings_without_secret_key_in_production_refuse_to_start():
    result = _settings_process("print(s.DEBUG)", DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_settings_with_malformed_debug_value_refuse_to_start():
    result = _settings_process("print(s.DEBUG)", DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_DEBUG" in result.stderr and "'maybe'" in result.stderr


def test_settings_production_values_come_from_the_environment():
    code = (
        "import json; print(json.dumps({'debug': s.DEBUG, 'key': s.SECRET_KEY, 'hosts': s.ALLOWED_HOSTS,"
        " 'static': s.STORAGES['staticfiles']['BACKEND'], 'secure': s.SESSION_COOKIE_SECURE}))"
    )
    result = _settings_process(
        code, DJANGO_DEBUG="0", DJANGO_SECRET_KEY="k" * 50, DJANGO_ALLOWED_HOSTS="report.example.gov.cn, 10.0.0.5"
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values == {
        "debug": False,
        "key": "k" * 50,
        "hosts": ["report.example.gov.cn", "10.0.0.5"],
        "static": "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "secure": True,
    }


def test_settings_database_url_selects_postgresql():
    code = "import json; d = s.DATABASES['default']; print(json.dumps([d['ENGINE'], d['NAME'], d['USER'], d['HOST'], d['PORT']]))"
    result = _settings_process(code, DATABASE_URL="postgres://annual:secret@db.internal:5433/reports")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["django.db.backends.postgresql", "reports", "annual", "db.internal", 5433]


def test_settings_default_database_is_sqlite_in_the_repository():
    code = "d = s.DATABASES['default']; print(d['ENGINE']); print(d['NAME'])"
    result = _settings_process(code)
    assert result.returncode == 0, result.stderr
    engine, name = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert Path(name) == ROOT / "db.sqlite3"


@pytest.mark.parametrize("name", ["bootstrap.min.css", "bootstrap.bundle.min.js", "LICENSE"])
def test_bootstrap_is_vendored_locally(name):
    path = BOOTSTRAP / name
    assert path.is_file() and path.stat().st_size > 1000, f"{path} is missing or empty"


@pytest.mark.parametrize("name", ["bootstrap.min.css", "bootstrap.bundle.min.js"])
def test_bootstrap_files_make_the_browser_load_nothing_remote(name):
    text = (BOOTSTRAP / name).read_text(encoding="utf-8")
    assert "sourceMappingURL" not in text
    assert REMOTE_IN_ASSET.findall(text) == []


def test_templates_load_only_local_static_files():
    static_refs = re.compile(r"""\{%\s*static\s+['"]([^'"]+)['"]""")
    templates = sorted((ROOT / "templates").rglob("*.html")) + sorted((ROOT / "annual").rglob("templates/**/*.html"))
    assert templates, "no templates found"
    for template in templates:
        text = template.read_text(encoding="utf-8")
        remote = REMOTE_IN_HTML.findall(text) + REMOTE_IN_ASSET.findall(text)
        assert remote == [], f"{template} makes the browser load from another host: {remote}"
        for ref in static_refs.findall(text):
            assert finders.find(ref), f"{template} links static file {ref!r}, which does not exist"


def test_collectstatic_with_manifest_storage_succeeds(tmp_path):
    # Production storage rewrites every url() in CSS and fails on a missing file (e.g. a .map).
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=_clean_env(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="k" * 50, DJANGO_STATIC_ROOT=str(tmp_path)),
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text(encoding="utf-8"))
    assert "vendor/bootstrap/bootstrap.min.css" in manifest["paths"]
    assert (tmp_path / manifest["paths"]["vendor/bootstrap/bootstrap.bundle.min.js"]).is_file()
