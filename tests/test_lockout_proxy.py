"""Sign-in lockout keys on the real client address, directly and behind trusted proxies (item 15)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from annual.client_ip import parse_trusted_proxies
from annual.models import Role
from tests.personas import make_user

PASSWORD = "lingxi-river-bridge-1987"
PROXY = "10.0.0.1"


@pytest.fixture
def colleague(db, personas):
    return make_user("colleague", personas.agency_a, Role.PREPARER, password=PASSWORD)


def attempt(password: str, *, forwarded: str | None = None, remote=PROXY):
    """One sign-in as "colleague" arriving from `remote`, with X-Forwarded-For `forwarded`."""
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client(**meta).post(reverse("login"), {"username": "colleague", "password": password})


def test_behind_one_proxy_an_attacker_cannot_lock_a_colleague_out(settings, colleague):
    settings.TRUSTED_PROXIES = parse_trusted_proxies(PROXY)
    for n in range(settings.AXES_FAILURE_LIMIT + 2):
        attempt(f"wrong-{n}", forwarded="192.168.5.66")
    assert attempt("wrong", forwarded="192.168.5.66").status_code == 429  # the attacker is locked
    # The colleague at another desk, through the same proxy, still signs in.
    assert attempt(PASSWORD, forwarded="192.168.5.20").status_code == 302


def test_behind_one_proxy_a_forged_header_does_not_escape_the_lockout(settings, colleague):
    settings.TRUSTED_PROXIES = parse_trusted_proxies(PROXY)
    for n in range(settings.AXES_FAILURE_LIMIT):
        # The attacker writes a new fake address each time; nginx appends the real one.
        attempt(f"wrong-{n}", forwarded=f"172.16.0.{n}, 192.168.5.66")
    assert attempt(PASSWORD, forwarded="1.2.3.4, 192.168.5.66").status_code == 429
    assert attempt(PASSWORD, forwarded="192.168.5.20").status_code == 302


def test_direct_connection_ignores_the_header(settings, colleague):
    settings.TRUSTED_PROXIES = ()
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(f"wrong-{n}", forwarded=f"172.16.0.{n}", remote="192.168.5.66")
    # Forging X-Forwarded-For does not give the attacker a fresh address...
    assert attempt(PASSWORD, forwarded="8.8.8.8", remote="192.168.5.66").status_code == 429
    # ...and the colleague at another address signs in.
    assert attempt(PASSWORD, remote="192.168.5.20").status_code == 302


def test_two_proxies_take_the_address_the_outer_one_saw(settings, colleague):
    settings.TRUSTED_PROXIES = parse_trusted_proxies("10.0.0.0/24")
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(f"wrong-{n}", forwarded="9.9.9.9, 192.168.5.66, 10.0.0.2")
    assert attempt(PASSWORD, forwarded="192.168.5.66, 10.0.0.2").status_code == 429
    assert attempt(PASSWORD, forwarded="192.168.5.20, 10.0.0.2").status_code == 302


def test_lockout_direct_peer_outside_the_proxies_cannot_rotate_the_header(settings, colleague):
    # Proxies are configured, but the attacker reaches gunicorn directly: a fresh forged
    # X-Forwarded-For on every attempt must not give a fresh lockout key.
    settings.TRUSTED_PROXIES = parse_trusted_proxies(PROXY)
    for n in range(settings.AXES_FAILURE_LIMIT + 2):
        attempt(f"wrong-{n}", forwarded=f"172.16.0.{n}", remote="192.168.5.66")
    assert attempt(PASSWORD, forwarded="172.16.9.9", remote="192.168.5.66").status_code == 429
    # Through the proxy, the colleague is still told apart from the attacker.
    assert attempt(PASSWORD, forwarded="192.168.5.20").status_code == 302


@pytest.mark.parametrize("value", ["1", "proxy.example", "10.0.0.1,,nonsense"])
def test_trusted_proxies_setting_refuses_anything_but_addresses(value):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="DJANGO_TRUSTED_PROXIES"):
        parse_trusted_proxies(value)


def test_trusted_proxies_setting_reads_addresses_and_networks():
    assert [str(n) for n in parse_trusted_proxies(" 127.0.0.1, 10.0.0.0/8 ,::1")] == [
        "127.0.0.1/32",
        "10.0.0.0/8",
        "::1/128",
    ]
    assert parse_trusted_proxies("") == parse_trusted_proxies("0") == ()
