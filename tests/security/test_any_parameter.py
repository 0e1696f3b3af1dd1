"""Every query parameter and form value of every endpoint, sent arbitrary Unicode: never a 500.

Each value is read by a form or by registry.params (ASCII digits only), so "²" (isdigit() true, int() fails),
"٣" (int() reads it as 3), a minus sign or a huge number gives a clear message or is ignored."""

import os

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import login
from tests.security import world as W
from tests.security.test_permission_matrix import MATRIX, ROLES

pytestmark = pytest.mark.django_db

GET_NAMES = ["year", "city", "unit", "state", "q", "page", "level", "grade", "reason", "outcome", "late", "format",
             "number", "token", "kind", "industry", "batch", "status", "sort", "next"]
POST_NAMES = ["year", "level", "proposals", "next", "action", "comment", "delete", "explain-1", "explain-²", "city",
              "note", "unit", "kind", "occurred_on", "description", "reason", "outcome", "body", "baseline", "leading",
              "code", "decided_on", "industry", "version", "output_value", "planned_date", "team", "submit", "dry_run",
              "name", "label", "days", "institution", "credit_code", "contact"]
# Views that take a POST besides the actions in the matrix (their GET is in the matrix).
POSTED_FORMS = {"reviews:package_submit", "reviews:not_filed", "reviews:incident_create", "reviews:proposal_edit",
                "reviews:assessment_create", "reviews:campaign_create", "reviews:filing_edit", "registry:unit_edit",
                "registry:unit_import", "greencode:method_publish", "greencode:benchmarks", "greencode:applicability", "reviews:city_upload",
                "reviews:filing_upload", "greencode:institutions", "greencode:institution", "greencode:consents"}


def _endpoints():
    seen = []
    for method, name, kwargs, expected in MATRIX:
        if name == "greencode:withdraw":
            continue  # withdrawing changes the world for the rows after it; its form takes no value
        allowed = [role for role, status in zip(ROLES, expected, strict=True)
                   if role != "anonymous" and status not in (403, 404)]
        role = allowed[0] if allowed else "province"
        seen.append((method, name, kwargs, role))
        if method == "GET" and name in POSTED_FORMS:
            seen.append(("POST", name, kwargs, role))
    return seen


ENDPOINTS = _endpoints()
unicode_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
tricky = st.sampled_from(["²", "٣", "-1", "0", "99999999999999999999", "1e3", " 7 ", "Ⅻ", "１２", "", "🙂", "%", "null"])
value = st.one_of(unicode_text, tricky)


def _send(client, world, values_get: dict, values_post: dict) -> list[tuple[str, str, int]]:
    got, current = [], None
    for method, name, kwargs, role in sorted(ENDPOINTS, key=lambda e: e[3]):
        if role != current:
            client.logout()
            login(client, world.users[role])
            current = role
        params = kwargs(world)
        params.pop("?", None)  # the matrix's own query string: here the values under test are the query
        url = reverse(name, kwargs=params)
        if method == "GET":
            response = client.get(url, values_get)
        else:
            response = client.post(url, {**values_post, "proposals": [values_post["proposals"], "1"]})
        got.append((method, name, response.status_code))
    return got


@settings(max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "2")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(values_get=st.fixed_dictionaries({n: value for n in GET_NAMES}),
       values_post=st.fixed_dictionaries({n: value for n in POST_NAMES}))
@example(values_get=dict.fromkeys(GET_NAMES, "²"), values_post=dict.fromkeys(POST_NAMES, "²"))
@example(values_get=dict.fromkeys(GET_NAMES, "٣"), values_post=dict.fromkeys(POST_NAMES, "٣"))
@example(values_get=dict.fromkeys(GET_NAMES, "-1"), values_post=dict.fromkeys(POST_NAMES, "99999999999999999999"))
def test_any_parameter_of_any_endpoint_never_answers_500(client, world, values_get, values_post):
    from django.core.cache import cache

    cache.clear()  # the verification rate limit is tested on its own
    client.raise_request_exception = False
    failures = [(m, n, s) for m, n, s in _send(client, world, values_get, values_post) if s >= 500]
    assert failures == []


@pytest.fixture
def world():
    return W.build()


@pytest.mark.parametrize("method, name, params", [
    ("GET", "greencode:runs", {"year": "²"}),
    ("POST", "greencode:benchmarks", {"delete": "²"}),
])
def test_any_parameter_former_greencode_crashes(client, world, method, name, params):
    login(client, world.users["province"])
    client.raise_request_exception = False
    response = client.get(reverse(name), params) if method == "GET" else client.post(reverse(name), params)
    assert response.status_code in (200, 302, 400)
