"""A small cache-based rate limit per client address, for the public verification page and API."""

from __future__ import annotations

import functools
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def rate_limited(scope: str):
    """Allow GREENCODE_VERIFY_RATE requests per minute per address; answer 429 beyond it."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            limit = getattr(settings, "GREENCODE_VERIFY_RATE", 30)
            key = f"gc-rl:{scope}:{client_ip(request)}:{int(time.time() // 60)}"
            cache.add(key, 0, timeout=70)
            try:
                count = cache.incr(key)
            except ValueError:
                count = 1
            if count > limit:
                message = _("Too many verification requests from your address. Please try again in a minute.")
                if scope == "api":
                    response = JsonResponse({"error": message}, status=429, json_dumps_params={"ensure_ascii": False})
                else:
                    response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
                response["Retry-After"] = "60"
                return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
