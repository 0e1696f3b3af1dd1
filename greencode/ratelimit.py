"""Rate limits of the public verification page and API, per client address, in the shared cache.

- One budget per client for the page and the API together: GREENCODE_VERIFY_RATE requests a minute.
- Number look-ups that find nothing are counted apart: more than GREENCODE_VERIFY_MISS_LIMIT misses within
  GREENCODE_VERIFY_MISS_WINDOW seconds pause that client's number look-ups (429) until the window ends, so
  walking the number space is throttled far harder than looking up real codes. Signed links and QR codes are
  unforgeable, so they are not counted as misses and keep working.
The address comes from greenmfg.client_ip (the trusted-proxy setting); the counters live in the default cache,
which production requires to be shared (greenmfg/checks.py), so the limits hold across processes and hosts.
"""

from __future__ import annotations

import functools
import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from greenmfg.client_ip import client_ip

from .enums import CodeStatus
from .services import codes


class TooManyMisses(Exception):
    """This client's number look-ups are paused."""


def _client_key(request) -> str:
    return hashlib.sha256((client_ip(request) or "unknown").encode()).hexdigest()[:24]


def _count(key: str, timeout: int) -> int:
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1


def within_budget(request) -> bool:
    """Count this request against the client's one budget; False once it is spent for this minute."""
    key = f"gc-rl:{_client_key(request)}:{int(time.time() // 60)}"
    return _count(key, timeout=70) <= settings.GREENCODE_VERIFY_RATE


def _miss_key(request) -> str:
    return f"gc-miss:{_client_key(request)}"


def misses_exhausted(request) -> bool:
    return (cache.get(_miss_key(request)) or 0) >= settings.GREENCODE_VERIFY_MISS_LIMIT


def verify_number(request, number: str) -> codes.Verification:
    """Look a code up by number for this client; a miss is counted. Raises TooManyMisses when paused."""
    if misses_exhausted(request):
        raise TooManyMisses
    result = codes.verify(number=number)
    if result.status == CodeStatus.UNKNOWN:
        _count(_miss_key(request), timeout=settings.GREENCODE_VERIFY_MISS_WINDOW)
    return result


def too_many(request, *, api: bool, message: str, retry_after: int) -> HttpResponse:
    if api:
        response = JsonResponse({"error": message}, status=429, json_dumps_params={"ensure_ascii": False})
    else:
        response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def misses_response(request, *, api: bool) -> HttpResponse:
    minutes = max(1, settings.GREENCODE_VERIFY_MISS_WINDOW // 60)
    message = _("Too many code numbers looked up from your address were not found. Number look-ups are paused "
                "for %(minutes)d minutes; links and QR codes still work.") % {"minutes": minutes}
    return too_many(request, api=api, message=message, retry_after=settings.GREENCODE_VERIFY_MISS_WINDOW)


def rate_limited(scope: str):
    """The one per-client budget, shared by the page ("page") and the API ("api"); 429 beyond it."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not within_budget(request):
                message = _("Too many verification requests from your address. Please try again in a minute.")
                return too_many(request, api=scope == "api", message=message, retry_after=60)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
