"""The one trusted answer to "which address is this client?", used by the login lockout (django-axes), the
login throttle, the public verification rate limits and every log line that names an address.

Behind reverse proxies REMOTE_ADDR is the nearest proxy, not the client. DJANGO_TRUSTED_PROXIES says how many
proxies stand in front of the portal (default 0: none, REMOTE_ADDR is the client). With N trusted proxies each
appending to X-Forwarded-For (nginx: `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;`), the
client is the N-th address from the right of "X-Forwarded-For, REMOTE_ADDR": everything further left was
written by the client itself and is never believed. A request that did not come through all N proxies (too
few addresses), or whose trusted entry is not an IP address, is keyed on REMOTE_ADDR. None when not even that is
an address (a request made inside the process, e.g. by a test client's force_login).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def _ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    remote = _ip(request.META.get("REMOTE_ADDR", "") or "")
    proxies = settings.TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    chain = forwarded + [remote]
    if len(chain) <= proxies:
        return remote
    return _ip(chain[-(proxies + 1)]) or remote
