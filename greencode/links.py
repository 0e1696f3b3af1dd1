"""Absolute addresses of the portal, built from PORTAL_BASE_URL and never from a request's Host header: a QR
code or a certificate is read far from the request that made it (printed, forwarded, behind a proxy)."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from .services import signatures


def portal_base_url() -> str:
    """PORTAL_BASE_URL without a trailing slash; ImproperlyConfigured when it is missing or not a bare origin."""
    base = (settings.PORTAL_BASE_URL or "").strip().rstrip("/")
    problem = base_url_problem(base)
    if problem:
        raise ImproperlyConfigured(f"PORTAL_BASE_URL: {problem}")
    return base


def base_url_problem(base: str) -> str:
    """Why a base URL cannot be used ("" if it can): it must be http(s)://host[:port] with no path."""
    if not base:
        return "not set; give the portal's public address, e.g. https://green.example.gov.cn"
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{base!r} is not an absolute http(s) address"
    if parts.path.strip("/") or parts.query or parts.fragment or parts.username or parts.password:
        return f"{base!r} must be the portal's origin only (scheme, host and port), with no path or query"
    return ""


def absolute(path: str) -> str:
    return portal_base_url() + path


def verification_url(code) -> str:
    """The signed verification link of a code: what the QR code, the page and the certificate show."""
    return absolute(reverse("greencode:verify_token", args=[signatures.sign(code)]))


def verify_page_url() -> str:
    """The public page where anyone types a code number."""
    return absolute(reverse("greencode:verify"))


def verify_number_url(number: str) -> str:
    return f"{verify_page_url()}?{urlencode({'number': number})}"


def verify_api_url() -> str:
    return absolute(reverse("greencode:verify_api"))


def keys_url() -> str:
    return absolute(reverse("greencode_keys"))
