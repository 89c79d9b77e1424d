"""`./dev run` serves this machine only by default; --lan is explicit and turns off debug pages
and the fixed development key (item 16). The script's functions are sourced and run in bash,
without installing or starting anything."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_options(*args, **env) -> tuple[int, dict[str, str], str]:
    script = (
        f'source "{ROOT / "dev"}"; run_options "$@"; '
        'printf "%s\\n" "BIND=$RUN_BIND" "DEBUG=${DJANGO_DEBUG-}" "KEY=${DJANGO_SECRET_KEY-}" '
        '"HOSTS=${DJANGO_ALLOWED_HOSTS-}"'
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        ["bash", "-c", script, "dev", *args], capture_output=True, text=True, timeout=30, env={**clean, **env}
    )
    values = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    return result.returncode, values, result.stderr


def test_default_binds_localhost_only_and_keeps_debug():
    code, values, _ = run_options()
    assert code == 0
    assert values["BIND"] == "127.0.0.1"
    assert values["KEY"] == "" and values["DEBUG"] == ""


def test_lan_is_explicit_and_generates_a_secret_without_debug():
    code, first, _ = run_options("--lan")
    assert code == 0
    assert first["BIND"] == "0.0.0.0"
    assert first["DEBUG"] == "0"
    assert len(first["KEY"]) >= 50
    _, second, _ = run_options("--lan")
    assert second["KEY"] != first["KEY"]  # fresh on every run, never the development key
    assert "127.0.0.1" in first["HOSTS"]


def test_lan_keeps_a_key_given_by_the_operator():
    _, values, _ = run_options("--lan", DJANGO_SECRET_KEY="s" * 60)
    assert values["KEY"] == "s" * 60


def test_unknown_option_is_refused():
    code, _, err = run_options("--everyone")
    assert code != 0 and "--lan" in err


def test_server_command_uses_the_chosen_address():
    text = (ROOT / "dev").read_text(encoding="utf-8")
    # The demo server (cmd_run) listens where --lan says.
    run = text[text.index("cmd_run() {") : text.index("\n}\n", text.index("cmd_run() {"))]
    assert 'runserver --noreload "$RUN_BIND:$port"' in run
    assert "0.0.0.0" not in run


def test_serve_binds_gunicorn_to_localhost_unless_told():
    # `./dev serve` is the production stack: gunicorn belongs behind the reverse proxy, and a
    # client reaching it directly could forge X-Forwarded-For.
    text = (ROOT / "dev").read_text(encoding="utf-8")
    stack = text[text.index("start_stack() {") : text.index("\n}\n", text.index("start_stack() {"))]
    assert '--bind "${SERVE_BIND:-127.0.0.1}:$port"' in stack
    assert "0.0.0.0" not in stack
    assert "SERVE_BIND" in (ROOT / "README.md").read_text(encoding="utf-8")
