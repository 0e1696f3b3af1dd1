"""The institutions' API limit: GREENCODE_API_RATE requests per minute per API key (not per address: a bank's
systems may sit behind one address or many). Separate from greencode.ratelimit, which limits anonymous
verification by client address."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache


def over_limit(key_id: int, *, now: float | None = None) -> bool:
    """Count this request against the key's budget of the current minute; True when it exceeds the budget."""
    limit = getattr(settings, "GREENCODE_API_RATE", 120)
    window = int((now if now is not None else time.time()) // 60)
    name = f"gc-api-rl:{key_id}:{window}"
    cache.add(name, 0, timeout=70)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=70)
        count = 1
    return count > limit
