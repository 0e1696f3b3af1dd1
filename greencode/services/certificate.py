"""The green-code certificate as a document: one A4 page in PDF (WeasyPrint), for a code that is current.

The HTML certificate page stays for the screen; this is what an enterprise prints, attaches to a tender or
hands to its bank. It carries everything a reader needs to trust it without the portal's help: who, what
grade and positions, when issued and until when, the number, a QR code of the signed verification link, how
to verify (address and number, and the published keys for an offline check), the issuing authority and the
method version.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import links, qr
from ..enums import CodeStatus
from . import codes, signatures


def refusal(code, today=None) -> str | None:
    """Why no certificate may be issued for this code now (a sentence for the enterprise), or None."""
    status = codes.status_of(code, today)
    if status == CodeStatus.UNKNOWN:  # an existing code reads as unknown once the enterprise withdrew it
        return _("The code %(number)s was withdrawn, so no certificate can be downloaded for it. Apply for the code "
                 "again on its page to get a certificate.") % {"number": code.number}
    if status == CodeStatus.REVOKED:
        when = timezone.localtime(code.revoked_at).date().isoformat()
        return _("The code %(number)s was revoked on %(date)s (%(reason)s), so no certificate can be downloaded for "
                 "it.") % {"number": code.number, "date": when, "reason": code.revoked_reason or "—"}
    if status == CodeStatus.EXPIRED:
        return _("The code %(number)s expired on %(date)s, so no certificate can be downloaded for it. Apply for "
                 "the code of the new year once it is computed.") % {"number": code.number,
                                                                      "date": code.valid_until.isoformat()}
    return None


def context(code) -> dict:
    """What the certificate shows. `code` comes with unit, unit.industry and score.run loaded."""
    token = signatures.sign(code)
    verify_url = links.absolute(reverse("greencode:verify_token", args=[token]))
    score = code.score
    return {
        "code": code,
        "unit": code.unit,
        "score": score,
        "method_version": score.run.method_version if score else "",
        "issued_on": timezone.localtime(code.issued_at).date(),
        "verify_url": verify_url,
        "qr_src": qr.data_uri_svg(verify_url),
        "verify_page": links.verify_page_url(),
        "keys_url": links.keys_url(),
        "method_url": links.absolute(reverse("greencode:method")),
        "kid": signatures.kid_of(token),
        "issuer": signatures.ISSUER,
        "generated_at": timezone.localtime(),
    }


def render_pdf(code) -> bytes:
    """The certificate as PDF bytes. Nothing is fetched while rendering: the QR code is inlined, fonts are the
    system's (fonts-noto-cjk), and any other URL in the document is refused."""
    from weasyprint import HTML  # imported here: it takes a moment, and only this download needs it
    from weasyprint.urls import URLFetcher

    html = render_to_string("greencode/certificate_pdf.html", context(code))
    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    return HTML(string=html, url_fetcher=fetcher).write_pdf()
