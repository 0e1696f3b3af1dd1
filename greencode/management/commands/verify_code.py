"""Check a scanned green code offline: the signature against the province's published public keys only."""

import datetime as dt
import json
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from greencode import links
from greencode.services import keystore, signatures

LEGACY_EXIT = 2  # genuine or not cannot be told offline: an HMAC token printed before the province's key


class Command(BaseCommand):
    help = ("Check a green code's signed payload offline: give the scanned link or token; --keys FILE is the "
            "province's published key set (/.well-known/greencode-keys.json), else this portal's own keys. "
            "Exit 0: genuine; 1: not genuine; 2: an old token that only the portal can check.")

    def add_arguments(self, parser):
        parser.add_argument("payload", help="the verification link (or zbarimg's 'QR-Code:…' line), or the token")
        parser.add_argument("--keys", metavar="FILE", help="the published key set, saved as a file")

    def handle(self, *args, payload, keys, **options):
        with translation.override(settings.LANGUAGE_CODE):
            self._check(payload, keys)

    def _check(self, payload: str, keys_file: str | None):
        if keys_file:
            try:
                keyset = json.loads(Path(keys_file).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(_("Cannot read the key set %(file)s: %(error)s") % {"file": keys_file,
                                                                                        "error": exc})
            keys = signatures.keys_from_keyset(keyset)
            portal, verify_page = keyset.get("portal"), keyset.get("verify_page")
        else:
            keys = keystore.store().public_keys()
            try:
                portal, verify_page = links.portal_base_url(), links.verify_page_url()
            except ImproperlyConfigured:  # the keys are all an offline check needs
                portal = verify_page = None
        if not keys:
            raise CommandError(_("The key set holds no Ed25519 public key."))

        token = signatures.token_from_scan(payload)
        result = signatures.check(token, keys)
        if result.reason == "legacy":
            number = signatures.legacy_number(token)
            raise CommandError(_("This is an older verification link, signed with the portal's own secret: it can "
                                 "only be checked online. %(where)s") % {"where": _online(verify_page, number)},
                               returncode=LEGACY_EXIT)
        if not result.ok:
            raise CommandError(_reason(result))

        c = result.claims
        out = [_("GENUINE: signed by %(issuer)s with key %(kid)s (Ed25519, in use since %(since)s).") % {
                   "issuer": signatures.ISSUER, "kid": result.kid, "since": result.key.valid_from[:10]},
               f"{_('Code number')}: {c.get('n')}",
               f"{_('Enterprise')}: {c.get('e')}",
               f"{_('Unified social credit code')}: {c.get('c')}",
               f"{_('Grade')}: {c.get('g')}",
               f"{_('Year')}: {c.get('y')}",
               f"{_('Issue date')}: {c.get('i')}",
               f"{_('Valid until')}: {c.get('u')}"]
        if _expired(c.get("u")):
            out.append(_("By its own date this code expired on %(date)s.") % {"date": c.get("u")})
        link = payload.strip().removeprefix("QR-Code:")
        if "://" in link and portal:
            origin = "{0.scheme}://{0.netloc}".format(urlsplit(link))
            if origin != portal.rstrip("/"):
                out.append(_("Note: the link points at %(link)s, not at the portal that publishes the keys "
                             "(%(portal)s).") % {"link": origin, "portal": portal})
        out.append(_("An offline check proves only that the province issued what is shown above; whether the code "
                     "has been revoked since is answered online: %(where)s") % {"where": _online(verify_page,
                                                                                                 c.get("n"))})
        self.stdout.write("\n".join(out))


def _reason(result: signatures.Checked) -> str:
    if result.reason == "unknown_key":
        return _("NOT GENUINE: the key %(kid)s is not among the published keys (not issued by the province, or "
                 "the key set is out of date).") % {"kid": result.kid}
    if result.reason == "key_revoked":
        return _("NOT TRUSTED: the key %(kid)s that signed it has been revoked; check the code number online.") % {
            "kid": result.kid}
    if result.reason == "bad_signature":
        return _("NOT GENUINE: the signature does not match; the link was changed or forged.")
    return _("NOT GENUINE: this is not a green-code verification link or token.")


def _online(verify_page: str | None, number: str | None) -> str:
    if not verify_page:
        return ""
    return f"{verify_page}?{urlencode({'number': number})}" if number else verify_page


def _expired(valid_until) -> bool:
    try:
        return dt.date.fromisoformat(str(valid_until)) < timezone.localdate()
    except ValueError:
        return False
