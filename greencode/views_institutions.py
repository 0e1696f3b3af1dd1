"""Thin views: the province registers institutions and issues or revokes their API keys; the enterprise shares
its scorecard (consent), sees who looked, and withdraws; a one-time link shows the scorecard once; the public
API page describes the institutions' API."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from greenmfg.client_ip import client_ip
from greenmfg.rules import require
from registry.views import paginate, querystring_without_page
from reviews import audit

from . import links
from . import rules as code_rules
from .api import api
from .enums import API_BULK_LIMIT, INSTITUTION_ACTIONS
from .forms import ApiKeyForm, ConsentForm, InstitutionForm
from .models import ApiKey, ApiKeyUse, Consent, ConsentAccess, Institution
from .ratelimit import rate_limited
from .services import consent as consent_service
from .services import institutions as institution_service
from .views import _unit_for


def _history(subject) -> list[dict]:
    return [{"at": t.at, "actor": t.actor, "action": INSTITUTION_ACTIONS.get(t.action, t.action),
             "detail": " ".join(x for x in (t.from_state, t.to_state, t.comment) if x)}
            for t in audit.history(subject)]


# ---------------------------------------------------------------- the province

@login_required
@require_http_methods(["GET", "POST"])
def institutions(request):
    require(code_rules.can_manage_institutions(request.user))
    form = InstitutionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            institution = institution_service.register_institution(request.user, **form.cleaned_data)
        except institution_service.InstitutionError as exc:
            form.add_error("name", str(exc))
        else:
            messages.success(request, _("%(name)s is registered. Issue it an API key below.")
                             % {"name": institution.name})
            return redirect("greencode:institution", pk=institution.pk)
    page = paginate(request, Institution.objects.all())
    return render(request, "greencode/institutions.html", {"form": form, "page": page, "limit": API_BULK_LIMIT,
                                                           "querystring": querystring_without_page(request)},
                  status=400 if form.errors else 200)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def institution(request, pk: int):
    """The institution's keys, the latest uses of its keys and its audit trail; a POST issues a key, shown once
    on the page that answers it."""
    require(code_rules.can_manage_institutions(request.user))
    obj = get_object_or_404(Institution, pk=pk)
    form = ApiKeyForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        issued = institution_service.issue_key(request.user, obj, label=form.cleaned_data["label"])
        form = ApiKeyForm()
    keys = list(obj.keys.all())
    uses = (ApiKeyUse.objects.filter(key__institution=obj).select_related("key")
            .order_by("-at", "-id"))
    return render(request, "greencode/institution.html", {
        "institution": obj, "form": form, "keys": keys, "issued": issued, "uses": paginate(request, uses),
        "history": _history(obj), "querystring": querystring_without_page(request)})


@login_required
@require_http_methods(["GET", "POST"])
def key_revoke(request, pk: int):
    require(code_rules.can_manage_institutions(request.user))
    key = get_object_or_404(ApiKey.objects.select_related("institution"), pk=pk)
    if request.method == "POST":
        try:
            institution_service.revoke_key(request.user, key)
        except institution_service.InstitutionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The key %(prefix)s… is revoked; requests with it are refused from now on.")
                             % {"prefix": key.prefix})
        return redirect("greencode:institution", pk=key.institution_id)
    return render(request, "greencode/key_revoke.html", {"key": key})


# ---------------------------------------------------------------- the enterprise

@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def consents(request, unit_id: int):
    """Who may see the unit's scorecard, until when, who looked; grant (to an institution or as a one-time
    link, shown once) and withdraw."""
    unit = _unit_for(request, unit_id)
    require(code_rules.can_grant_consent(request.user, unit))
    form = ConsentForm(request.POST or None)
    link = None
    if request.method == "POST" and form.is_valid():
        try:
            consent, token = consent_service.grant(request.user, unit, institution=form.cleaned_data["institution"],
                                                   days=form.cleaned_data["days"])
        except consent_service.ConsentError as exc:
            form.add_error("days", str(exc))
        else:
            if token:
                link = links.absolute(reverse("greencode:shared", args=[token]))
            messages.success(request, _("Access is granted until %(date)s.")
                             % {"date": timezone.localtime(consent.expires_at).strftime("%Y-%m-%d %H:%M")})
            form = ConsentForm()
    rows = list(Consent.objects.filter(unit=unit).select_related("institution").order_by("-granted_at", "-id"))
    now = timezone.now()
    for c in rows:
        c.decision = code_rules.consent_is_open(c, now)
    looks = (ConsentAccess.objects.filter(consent__unit=unit)
             .select_related("consent__institution", "key").order_by("-at", "-id"))
    return render(request, "greencode/consents.html", {
        "unit": unit, "form": form, "rows": rows, "link": link, "looks": paginate(request, looks),
        "querystring": querystring_without_page(request)}, status=400 if form.errors else 200)


@login_required
@require_POST
def consent_withdraw(request, pk: int):
    consent = get_object_or_404(Consent.objects.select_related("unit"), pk=pk)
    unit = _unit_for(request, consent.unit_id)  # 404 outside the person's scope
    require(code_rules.can_grant_consent(request.user, unit))
    try:
        consent_service.withdraw(request.user, consent)
    except consent_service.ConsentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Access is withdrawn."))
    return redirect("greencode:consents", unit_id=unit.pk)


# ---------------------------------------------------------------- public

@never_cache
@require_GET
@rate_limited("page")
def shared_scorecard(request, token: str):
    """A one-time link: the scorecard once, while the consent is open; otherwise the reason, with a 403."""
    decision, card, _consent = consent_service.open_link(token, address=client_ip(request) or "")
    return render(request, "greencode/shared_scorecard.html", {"decision": decision, "card": card},
                  status=200 if decision else 403)


def api_page(request):
    """What the institutions' API offers, how to call it, and where its OpenAPI schema is."""
    schema = api.get_openapi_schema()
    operations = [{"method": method.upper(), "path": path, "summary": _(op.get("summary", "")),
                   "description": _(op.get("description", ""))}
                  for path, item in schema["paths"].items() for method, op in item.items()]
    return render(request, "greencode/api.html", {
        "operations": operations, "limit": API_BULK_LIMIT, "rate": settings.GREENCODE_API_RATE,
        "api_base": links.absolute(reverse("greencode_api:bulk_verify")).rsplit("/", 1)[0],
        "openapi_url": links.absolute(reverse("greencode_api:openapi-json")),
        "verify_api_url": links.verify_api_url()})
