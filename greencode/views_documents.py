"""Files of a green code that leave the portal: the PDF certificate, the QR code as SVG and PNG, and the
province's published public keys. Thin: the permission check is greencode.views._own_code (the enterprise
itself, and staff who may see the unit), the work is in services.certificate, qr and signatures."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import links, qr
from .enums import CodeStatus
from .models import GreenCode
from .services import certificate as certificate_service
from .services import codes, signatures
from .views import _own_code


@login_required
@never_cache
@require_GET
def certificate_pdf(request, code_id: int):
    """The A4 certificate; refused, with the reason in a sentence, for a withdrawn, revoked or expired code."""
    code = _own_code(request, code_id)
    reason = certificate_service.refusal(code)
    if reason:
        return render(request, "greencode/certificate_refused.html", {"code": code, "reason": reason}, status=410)
    code = GreenCode.objects.select_related("unit", "unit__industry", "score__run").get(pk=code.pk)
    response = HttpResponse(certificate_service.render_pdf(code), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{code.number}.pdf"'
    return response


def _qr_url(request, code_id: int) -> tuple[GreenCode, str]:
    code = _own_code(request, code_id)
    if codes.status_of(code) == CodeStatus.UNKNOWN:  # withdrawn: verification no longer knows it
        raise Http404
    return code, links.verification_url(code)


@login_required
@require_GET
def qr_svg(request, code_id: int):
    """A standalone SVG (xmlns, white background, quiet zone) of the signed verification link."""
    code, url = _qr_url(request, code_id)
    response = HttpResponse(qr.svg_file(url, title=code.number), content_type="image/svg+xml")
    response["Content-Disposition"] = f'attachment; filename="{code.number}.svg"'
    return response


@login_required
@require_GET
def qr_png(request, code_id: int):
    code, url = _qr_url(request, code_id)
    response = HttpResponse(qr.png_file(url), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="{code.number}.png"'
    return response


@require_GET
def public_keys(request):
    """/.well-known/greencode-keys.json: every public key the province has signed codes with, old ones too."""
    body = signatures.published_keyset(portal=links.portal_base_url(), verify_page=links.verify_page_url(),
                                       verify_api=links.verify_api_url())
    response = HttpResponse(json.dumps(body, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"  # public data: a bank's web page may read it
    return response
