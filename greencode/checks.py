"""System checks of the green code's configuration: the portal's public address and the signing keys.

`manage.py check` reports a PORTAL_BASE_URL that cannot be used; `manage.py check --deploy` also reports a
production portal without PORTAL_BASE_URL or GREENCODE_SIGNING_KEY_DIR, one whose codes would point at
plain http or at this machine, and private keys that others on the server can read."""

from __future__ import annotations

import ipaddress
import stat
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning, register

from .links import base_url_problem


@register()
def portal_base_url_is_usable(app_configs=None, **kwargs):
    base = (settings.PORTAL_BASE_URL or "").strip().rstrip("/")
    if base and (problem := base_url_problem(base)):
        return [Error(f"PORTAL_BASE_URL: {problem}.", hint="Set it to the portal's public origin, e.g. "
                      "https://green.example.gov.cn", id="greencode.E002")]
    return []


@register(deploy=True)
def green_code_production_settings(app_configs=None, **kwargs):
    issues = []
    base = (settings.PORTAL_BASE_URL or "").strip().rstrip("/")
    if not base:
        issues.append(Error(
            "PORTAL_BASE_URL is not set: green-code QR codes, verification links and certificates cannot be made.",
            hint="Set the environment variable PORTAL_BASE_URL to the portal's public address, "
                 "e.g. https://green.example.gov.cn", id="greencode.E001"))
    elif not base_url_problem(base):
        parts = urlsplit(base)
        if parts.scheme != "https":
            issues.append(Warning(f"PORTAL_BASE_URL {base} is not https: printed QR codes would send verifiers "
                                  "to an address without TLS.", id="greencode.W003"))
        if _is_local(parts.hostname):
            issues.append(Error(f"PORTAL_BASE_URL {base} points at this machine: nobody else can open the "
                                "verification links printed from it.", id="greencode.E004"))
    key_dir = settings.GREENCODE_SIGNING_KEY_DIR
    if not key_dir:
        issues.append(Error(
            "GREENCODE_SIGNING_KEY_DIR is not set: the province's green-code signing keys need a directory that "
            "every app server shares and that is backed up.",
            hint="Set the environment variable GREENCODE_SIGNING_KEY_DIR, e.g. /var/lib/greenmfg/signing-keys",
            id="greencode.E005"))
    else:
        exposed = [p.name for p in sorted(Path(key_dir).glob("*.pem")) if p.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO)]
        if exposed:
            issues.append(Warning(f"Private signing keys readable by other users: {', '.join(exposed)}.",
                                  hint=f"chmod 600 {key_dir}/*.pem", id="greencode.W006"))
    return issues


def _is_local(host: str | None) -> bool:
    if not host or host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified
