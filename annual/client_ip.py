"""The client's address, for the sign-in lockout (django-axes keys on user name and address).

Behind the README's reverse proxy every request arrives from the proxy's address, so a lockout
keyed on it lets anyone lock a colleague out with five wrong passwords. The real address is in
X-Forwarded-For, but a client can write anything there, and a client that reaches the app
server directly (not through the proxy) can write the whole header. So the header is believed
only when the connection itself comes from a configured proxy: `TRUSTED_PROXIES` (env
DJANGO_TRUSTED_PROXIES, comma-separated addresses or networks such as `127.0.0.1,10.0.0.0/8`)
lists them. Each proxy appends the address it received the request from (nginx:
`proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`); reading the header from the
right, entries that are themselves trusted proxies are skipped, and the first one that is not
is the client. Anything to its left was written by the client and is ignored. With no proxies
configured (the default, the app reached directly) the header is ignored altogether.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_trusted_proxies(text: str) -> tuple[Network, ...]:
    """DJANGO_TRUSTED_PROXIES as networks; ImproperlyConfigured names a bad entry."""
    networks = []
    for part in text.split(","):
        part = part.strip()
        if not part or part == "0":  # "0" was the old spelling of "no proxy"
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"DJANGO_TRUSTED_PROXIES: {part!r} is not an IP address or network; list the reverse "
                "proxies' addresses, e.g. DJANGO_TRUSTED_PROXIES=127.0.0.1 or 127.0.0.1,10.0.0.0/8 "
                "(a count of proxies is no longer accepted: a client reaching the app directly could "
                "then forge X-Forwarded-For)"
            ) from None
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # An IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d.
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, proxies: tuple[Network, ...]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def client_ip(request) -> str | None:
    """The address the lockout keys on: REMOTE_ADDR, or, when REMOTE_ADDR is a trusted proxy,
    the nearest address in X-Forwarded-For that is not one."""
    remote = request.META.get("REMOTE_ADDR")
    proxies: tuple[Network, ...] = getattr(settings, "TRUSTED_PROXIES", ())
    hop = _address(remote or "")
    if hop is None or not proxies or not _trusted(hop, proxies):
        return remote
    chain = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    for entry in reversed(chain):
        address = _address(entry)
        if address is None:
            # A trusted proxy never appends garbage: the entry is the client's own writing, and
            # the last trusted hop is the only address that cannot be forged.
            return str(hop)
        hop = address
        if not _trusted(hop, proxies):
            return str(hop)
    return str(hop)
