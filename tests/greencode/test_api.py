"""The institutions' API: a key is required (missing, wrong, revoked: 401; over its budget: 429), every use is
logged, bulk verification stops at 500, a code's grade history comes from its events, the scorecard needs the
enterprise's consent, and the published OpenAPI schema is valid."""

import json

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from openapi_spec_validator import validate

from greencode.enums import API_BULK_LIMIT
from greencode.models import ApiKeyUse, GreenCodeEvent
from greencode.services import codes, consent, institutions, scoring

from .code_helpers import current_code
from .conftest import YEAR
from .institution_helpers import institution_with_key

pytestmark = pytest.mark.django_db

VERIFY = "/api/v1/verify"


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()  # the per-key budget lives in the cache


def _post(client, body, key=None):
    headers = {"HTTP_X_API_KEY": key} if key is not None else {}
    return client.post(VERIFY, json.dumps(body), content_type="application/json", **headers)


def test_api_urls_are_where_the_api_page_says():
    assert reverse("greencode_api:bulk_verify") == VERIFY
    assert reverse("greencode_api:openapi-json") == "/api/v1/openapi.json"


def test_api_without_a_key_is_401_with_the_reason_in_chinese(client):
    response = _post(client, {"numbers": ["GD-2024-N0000001"]})
    assert response.status_code == 401
    assert response.json() == {"error": "API 密钥缺失或不正确。请在 X-API-Key 请求头中发送密钥。"}


def test_api_with_a_wrong_key_is_401_and_logs_nothing(client):
    _province, _institution, _key, raw = institution_with_key()
    wrong = raw[:-4] + ("AAAA" if not raw.endswith("AAAA") else "BBBB")
    response = _post(client, {"numbers": ["GD-2024-N0000001"]}, key=wrong)
    assert response.status_code == 401
    assert ApiKeyUse.objects.count() == 0


def test_api_with_a_revoked_key_is_401_and_the_refusal_is_logged(client):
    province, _institution, key, raw = institution_with_key()
    institutions.revoke_key(province, key)
    response = _post(client, {"numbers": ["GD-2024-N0000001"]}, key=raw)
    assert response.status_code == 401
    assert response.json()["error"].startswith("此 API 密钥已于")
    assert list(ApiKeyUse.objects.values_list("key_id", "path", "outcome")) == [(key.pk, VERIFY, "revoked")]


def test_api_over_the_keys_rate_is_429_and_other_keys_are_not_affected(client, settings):
    settings.GREENCODE_API_RATE = 2
    province, institution, key, raw = institution_with_key()
    _other, other_raw = institutions.issue_key(province, institution)
    statuses = [_post(client, {"numbers": ["GD-2024-N0000001"]}, key=raw).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert _post(client, {"numbers": ["GD-2024-N0000001"]}, key=other_raw).status_code == 200
    response = _post(client, {"numbers": ["GD-2024-N0000001"]}, key=raw)
    assert response["Retry-After"] == "60"
    assert response.json() == {"error": "使用此 API 密钥的请求过多，请一分钟后再试。"}
    assert list(ApiKeyUse.objects.filter(key=key).order_by("id").values_list("outcome", flat=True)) == [
        "ok", "ok", "rate_limited", "rate_limited"]


def test_api_bulk_verification_takes_500_items(client, make_factory):
    _user, code = current_code(make_factory)
    _province, _institution, key, raw = institution_with_key()
    numbers = [code.number] + ["GD-2024-N0000001"] * (API_BULK_LIMIT - 2)
    response = _post(client, {"numbers": numbers, "tokens": [codes.sign(code)]}, key=raw)
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 500
    assert (data["results"][0]["status"], data["results"][0]["number"], data["results"][0]["kind"]) == (
        "valid", code.number, "number")
    assert (data["results"][1]["status"], data["results"][1]["number"]) == ("unknown", None)
    assert (data["results"][-1]["status"], data["results"][-1]["number"], data["results"][-1]["kind"]) == (
        "valid", code.number, "token")
    assert list(ApiKeyUse.objects.values_list("key_id", "items", "outcome")) == [(key.pk, 500, "ok")]


def test_api_bulk_verification_refuses_501_items_with_a_400_in_chinese(client):
    _province, _institution, key, raw = institution_with_key()
    response = _post(client, {"numbers": ["GD-2024-N0000001"] * 500, "tokens": ["x"]}, key=raw)
    assert response.status_code == 400
    assert response.json() == {"error": "每次请求最多 500 个编号和令牌，本次为 501 个。请分成多次请求。"}
    assert list(ApiKeyUse.objects.values_list("items", "outcome")) == [(501, "too_many")]


def test_api_bulk_verification_answers_tampered_tokens_and_withdrawn_codes_as_unknown(client, make_factory):
    user, code = current_code(make_factory)
    token = codes.sign(code)
    codes.withdraw_code(user, code)
    _province, _institution, _key, raw = institution_with_key()
    data = _post(client, {"tokens": [token, token[:-2] + "xx"]}, key=raw).json()
    assert [(r["status"], r["tampered"], r["name"]) for r in data["results"]] == [
        ("unknown", False, None), ("unknown", True, None)]


def test_api_bulk_verification_reads_all_codes_with_one_query(client, make_factory, django_assert_num_queries):
    _user, code = current_code(make_factory)
    _province, _institution, _key, raw = institution_with_key()
    # key lookup, log the use (update last used, insert), the codes, record the items: 5, whatever the count
    with django_assert_num_queries(5):
        assert _post(client, {"numbers": [code.number] * 3}, key=raw).status_code == 200
    cache.clear()
    with django_assert_num_queries(5):
        assert _post(client, {"numbers": [code.number] * 300}, key=raw).status_code == 200


def test_api_history_lists_grades_changes_and_revocations_oldest_first(client, make_factory):
    user, code = current_code(make_factory)  # the best of three: A+
    province, _institution, _key, raw = institution_with_key()
    for i in range(10):  # ten better factories join; the next run regrades the code to B
        make_factory({"energy_per_output": 1 + i / 10})
    run = scoring.run_cohort(YEAR, "national").run
    codes.revoke_unit_codes(code.unit_id, reason="incident")
    codes.reinstate_code(province, code, reason="事故报告有误")
    response = client.get(f"/api/v1/codes/{code.number}/history", HTTP_X_API_KEY=raw)
    assert response.status_code == 200
    data = response.json()
    assert (data["number"], data["status"], data["grade"]) == (code.number, "valid", "B")
    assert [(e["action"], e["from_state"], e["to_state"], e["from_grade"], e["to_grade"], e["reason"])
            for e in data["events"]] == [
        ("issue", "", "issued", "", "A+", ""),
        ("regrade", "issued", "issued", "A+", "B", ""),
        ("revoke", "issued", "revoked", "B", "B", "发生重大事故（已上报）"),
        ("reinstate", "revoked", "issued", "B", "B", "事故报告有误"),
    ]
    regraded = GreenCodeEvent.objects.get(code=code, action="regrade")
    assert (regraded.run, data["events"][1]["at"]) == (run, regraded.at.isoformat())


def test_api_history_of_an_unknown_or_withdrawn_code_is_404(client, make_factory):
    user, code = current_code(make_factory)
    codes.withdraw_code(user, code)
    _province, _institution, _key, raw = institution_with_key()
    assert client.get(f"/api/v1/codes/{code.number}/history", HTTP_X_API_KEY=raw).status_code == 404
    assert client.get("/api/v1/codes/GD-2024-N0000001/history", HTTP_X_API_KEY=raw).status_code == 404


def test_api_scorecard_without_consent_is_403_with_the_reason(client, make_factory):
    _user, code = current_code(make_factory)
    _province, _institution, _key, raw = institution_with_key()
    response = client.get(f"/api/v1/codes/{code.number}/scorecard", HTTP_X_API_KEY=raw)
    assert response.status_code == 403
    assert response.json() == {"error": "企业尚未授权贵机构查看其评分详情。"}


def test_api_scorecard_with_an_open_consent_answers_and_the_look_is_recorded(client, make_factory):
    user, code = current_code(make_factory)
    _province, institution, key, raw = institution_with_key()
    grant, _token = consent.grant(user, code.unit, institution=institution, days=30)
    response = client.get(f"/api/v1/codes/{code.number}/scorecard", HTTP_X_API_KEY=raw)
    assert response.status_code == 200
    data = response.json()
    assert (data["number"], data["grade"], data["composite"], data["position"]) == (
        code.number, code.score.grade, float(code.score.composite), code.score.position)
    assert [(i["code"], i["points"]) for i in data["indicators"]][:2] == [
        ("energy_per_output", round(code.score.s_energy_per_output, 4)), ("co2_per_output", 0.0)]  # blank: 0
    assert len(data["indicators"]) == 15
    assert list(grant.accesses.values_list("key_id", "via")) == [(key.pk, "api")]


def test_api_scorecard_after_withdrawal_is_403(client, make_factory):
    user, code = current_code(make_factory)
    _province, institution, _key, raw = institution_with_key()
    grant, _token = consent.grant(user, code.unit, institution=institution, days=30)
    consent.withdraw(user, grant)
    response = client.get(f"/api/v1/codes/{code.number}/scorecard", HTTP_X_API_KEY=raw)
    assert response.status_code == 403
    assert response.json()["error"].startswith("企业已于")


def test_api_openapi_schema_is_published_without_a_key_and_valid(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    assert sorted(schema["paths"]) == ["/api/v1/codes/{number}/history", "/api/v1/codes/{number}/scorecard",
                                       "/api/v1/verify"]
    assert str(API_BULK_LIMIT) in schema["paths"]["/api/v1/verify"]["post"]["description"]


def test_api_anonymous_verification_still_needs_no_key(client, make_factory):
    _user, code = current_code(make_factory)
    response = client.get(reverse("greencode:verify_api"), {"number": code.number})
    assert (response.status_code, response.json()["status"]) == (200, "valid")


def test_api_key_last_used_is_recorded(client):
    _province, _institution, key, raw = institution_with_key()
    before = timezone.now()
    _post(client, {"numbers": ["GD-2024-N0000001"]}, key=raw)
    key.refresh_from_db()
    assert key.last_used_at >= before
