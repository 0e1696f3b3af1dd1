"""The institutions' API (django-ninja): bulk verification, a code's grade history and, with the enterprise's
consent, its scorecard. Every call needs an API key in the X-API-Key header; every use of a key is logged
(ApiKeyUse) and limited per key (greencode.api_ratelimit). The OpenAPI schema is served at
/api/v1/openapi.json and described on the API page (greencode:api_page). Anonymous verification
(greencode:verify_api) is unchanged and needs no key."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import NinjaAPI, Schema, Status
from ninja.security import APIKeyHeader

from greenmfg.client_ip import client_ip

from . import api_ratelimit
from . import rules as code_rules
from .enums import API_BULK_LIMIT
from .services import consent as consent_service
from .services import institutions

API_VERSION = "1.0"


class ApiRefused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.http_status, self.message = status, message


class KeyAuth(APIKeyHeader):
    """The institution's key. Missing, wrong or revoked: 401 with the reason; over the key's budget: 429."""

    param_name = "X-API-Key"

    def authenticate(self, request, key):
        found = institutions.find_key(key)
        decision = code_rules.key_usable(found)
        use = dict(method=request.method, path=request.path, address=client_ip(request) or "")
        if not decision:
            if found is not None:
                institutions.log_use(found, outcome="revoked", **use)
            raise ApiRefused(401, decision.reason)
        if api_ratelimit.over_limit(found.pk):
            institutions.log_use(found, outcome="rate_limited", **use)
            raise ApiRefused(429, _("Too many requests with this API key. Please try again in a minute."))
        request.api_use = institutions.log_use(found, outcome="ok", **use)
        return found


api = NinjaAPI(
    title="Guangdong green code API (粤绿码接口)", version=API_VERSION, urls_namespace="greencode_api",
    description=("For registered institutions: bulk verification of green codes, each code's grade history and, "
                 "with the enterprise's consent, its detailed scorecard. Send the key in the X-API-Key header."),
    auth=KeyAuth(), docs_url=None, openapi_url="/openapi.json",
)


@api.exception_handler(ApiRefused)
def _refused(request, exc: ApiRefused):
    response = api.create_response(request, {"error": exc.message}, status=exc.http_status)
    if exc.http_status == 429:
        response["Retry-After"] = "60"
    return response


def _finish(request, *, outcome: str | None = None, items: int | None = None) -> None:
    use = getattr(request, "api_use", None)
    if use is None:
        return
    fields = []
    if outcome is not None:
        use.outcome = outcome
        fields.append("outcome")
    if items is not None:
        use.items = items
        fields.append("items")
    if fields:
        use.save(update_fields=fields)


class Error(Schema):
    error: str


class BulkIn(Schema):
    numbers: list[str] = []
    tokens: list[str] = []


class Verified(Schema):
    query: str
    kind: str
    status: str
    tampered: bool
    number: str | None
    name: str | None
    credit_code: str | None
    grade: str | None
    year: int | None
    valid_until: str | None
    revoked_at: str | None


class BulkOut(Schema):
    count: int
    results: list[Verified]


class Event(Schema):
    at: str
    action: str
    label: str
    from_state: str
    to_state: str
    from_grade: str
    to_grade: str
    reason: str


class History(Schema):
    number: str
    year: int
    name: str
    credit_code: str
    status: str
    grade: str
    valid_until: str
    events: list[Event]


class Indicator(Schema):
    code: str
    label: str
    points: float
    weight: float
    peer_group: str
    peers: int
    needed: float | None


class Scorecard(Schema):
    number: str
    year: int
    name: str
    grade: str
    status: str
    method_version: str
    composite: float | None
    position: int | None
    industry_position: int | None
    next_grade: str | None
    next_cut: float | None
    gap: float | None
    indicators: list[Indicator]


REFUSALS = {401: Error, 429: Error}


@api.post("/verify", response={200: BulkOut, 400: Error, **REFUSALS}, summary=gettext_noop("Verify many codes at once"),
          description=gettext_noop("Up to 500 code numbers and signed tokens together; each answer as the public "
                                   "verification endpoint gives it, in the order asked (numbers first, then tokens)."))
def bulk_verify(request, body: BulkIn):
    asked = len(body.numbers) + len(body.tokens)
    if asked > API_BULK_LIMIT:
        _finish(request, outcome="too_many", items=asked)
        return Status(400, {"error": _("At most %(limit)s numbers and tokens per request; this one has %(count)s. Split "
                                "it into several requests.") % {"limit": API_BULK_LIMIT, "count": asked}})
    if asked == 0:
        _finish(request, outcome="empty")
        return Status(400, {"error": _("Give at least one code number or token.")})
    results = institutions.bulk_verify(numbers=body.numbers, tokens=body.tokens)
    _finish(request, items=asked)
    return Status(200, {"count": len(results), "results": results})


@api.get("/codes/{number}/history", response={200: History, 404: Error, **REFUSALS},
         summary=gettext_noop("A code's grade history"),
         description=gettext_noop("Every grade the code held and when it changed, revocations with their reason, "
                                  "reinstatements."))
def code_history(request, number: str):
    history = institutions.grade_history(number)
    if history is None:
        _finish(request, outcome="not_found", items=1)
        return Status(404, {"error": _("No such green code.")})
    _finish(request, items=1)
    return Status(200, history)


@api.get("/codes/{number}/scorecard", response={200: Scorecard, 403: Error, **REFUSALS},
         summary=gettext_noop("The detailed scorecard (with the enterprise's consent)"),
         description=gettext_noop("Sub-scores, positions and the gap to the next grade; only while the enterprise's "
                                  "consent for your institution is open. Otherwise 403 with the reason."))
def scorecard(request, number: str):
    decision, card = consent_service.for_institution(request.auth, number, address=client_ip(request) or "")
    if not decision:
        _finish(request, outcome="denied", items=1)
        return Status(403, {"error": decision.reason})
    _finish(request, items=1)
    return Status(200, card)
