"""Log-in throttling per user name, on top of django-axes' lockout per (user name, address).

An attacker who spreads wrong passwords over many addresses never trips the per-address lockout, and a hard
lock per user name would let anyone shut an officer out. So failures for one user name, from anywhere, make
the next attempt wait: after LOGIN_USER_FREE_FAILURES failures within a day, LOGIN_USER_DELAY_SECONDS, doubling
with each further failure up to LOGIN_USER_MAX_DELAY_SECONDS. While the wait runs, the password is not even
checked. A browser that has logged in as that user before (it carries a signed "known device" cookie) is not
made to wait, so the real officer is never locked out by someone else's guesses. A successful log-in clears
the count. The counts live in the shared cache; every failure and lockout is also in the admin (django-axes'
access logs, keyed on the same client address: greenmfg/client_ip.py).
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core import signing
from django.core.cache import cache
from django.dispatch import receiver

from greenmfg.client_ip import client_ip

log = logging.getLogger("greenmfg.security")
DEVICE_COOKIE = "gm_device"
DEVICE_SALT = "registry.accounts.device"
DEVICE_MAX_AGE = 180 * 24 * 3600
DEVICE_MAX_USERS = 5
WINDOW = 24 * 3600


def _user_key(username: str) -> str:
    return hashlib.sha256((username or "").strip().lower().encode()).hexdigest()[:32]


def delay_after(failures: int) -> int:
    """The wait (seconds) that `failures` recent failures for one user name impose on the next attempt."""
    free = settings.LOGIN_USER_FREE_FAILURES
    if failures < free:
        return 0
    return min(settings.LOGIN_USER_DELAY_SECONDS * 2 ** min(failures - free, 30), settings.LOGIN_USER_MAX_DELAY_SECONDS)


def record_failure(username: str, now: float | None = None) -> int:
    key = f"login-user:{_user_key(username)}"
    cache.add(f"{key}:n", 0, timeout=WINDOW)
    try:
        failures = cache.incr(f"{key}:n")
    except ValueError:
        cache.set(f"{key}:n", 1, timeout=WINDOW)
        failures = 1
    cache.set(f"{key}:last", now if now is not None else time.time(), timeout=WINDOW)
    return failures


def clear(username: str) -> None:
    key = f"login-user:{_user_key(username)}"
    cache.delete_many([f"{key}:n", f"{key}:last"])


def wait_seconds(username: str, request=None, now: float | None = None) -> int:
    """How long an attempt for `username` must still wait (0: go ahead). Known devices never wait."""
    if request is not None and is_known_device(request, username):
        return 0
    key = f"login-user:{_user_key(username)}"
    failures = cache.get(f"{key}:n") or 0
    delay = delay_after(failures)
    if not delay:
        return 0
    last = cache.get(f"{key}:last") or 0
    remaining = last + delay - (now if now is not None else time.time())
    return max(0, int(remaining + 0.999))


def _known(request) -> list[str]:
    try:
        value = request.get_signed_cookie(DEVICE_COOKIE, salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE)
    except (KeyError, signing.BadSignature):
        return []
    return [k for k in value.split(",") if k][:DEVICE_MAX_USERS]


def is_known_device(request, username: str) -> bool:
    return _user_key(username) in _known(request)


def remember_device(request, response, username: str) -> None:
    """Mark this browser as one `username` logs in with (kept for the newest few user names)."""
    keys = [_user_key(username)] + [k for k in _known(request) if k != _user_key(username)]
    response.set_signed_cookie(DEVICE_COOKIE, ",".join(keys[:DEVICE_MAX_USERS]), salt=DEVICE_SALT,
                               max_age=DEVICE_MAX_AGE, secure=settings.SESSION_COOKIE_SECURE, httponly=True,
                               samesite="Lax")


@receiver(user_login_failed, dispatch_uid="registry.accounts.failed")
def _count_failure(sender, credentials, request=None, **kwargs):
    username = credentials.get("username") or ""
    if not username:
        return
    failures = record_failure(username)
    log.warning("log-in failed for %r from %s (%d within a day)", username,
                (client_ip(request) if request is not None else None) or "?", failures)


@receiver(user_logged_in, dispatch_uid="registry.accounts.logged_in")
def _clear_on_success(sender, request, user, **kwargs):
    clear(user.get_username())
    log.info("log-in of %r from %s", user.get_username(), (client_ip(request) if request is not None else None) or "?")
