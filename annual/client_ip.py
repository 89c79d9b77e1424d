"""The client's address, for the sign-in lockout (django-axes keys on user name and address).

Behind the README's reverse proxy every request arrives from the proxy's address, so a lockout
keyed on it lets anyone lock a colleague out with five wrong passwords. The real address is in
X-Forwarded-For, but a client can write anything there; only the entries the proxies themselves
appended can be believed. With `TRUSTED_PROXIES` = N (env DJANGO_TRUSTED_PROXIES) proxies in
front of the app, each appending the address it received the request from (nginx:
`proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`), the client is the N-th entry
from the right; anything to its left was written by the client and is ignored. With 0 (the
default, the app reached directly) the header is ignored altogether.

(django-ipware's proxy_count counts proxies listed inside the header, i.e. without the one in
REMOTE_ADDR, and returns no address at all for the usual one-entry header behind one nginx; this
one rule is simpler to state and to test.)
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _address(text: str) -> str | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The address the lockout keys on: REMOTE_ADDR, or with trusted proxies the address the
    outermost trusted proxy received the request from."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = getattr(settings, "TRUSTED_PROXIES", 0)
    if not proxies:
        return remote
    chain = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(chain) < proxies:
        # Fewer entries than proxies: misconfigured, or the request bypassed a proxy. The
        # connection's own address is the only one that cannot be forged.
        return remote
    return _address(chain[-proxies]) or remote
