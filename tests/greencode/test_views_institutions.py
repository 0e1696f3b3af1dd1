"""The province's institution pages (register, issue a key shown once, revoke, audited), the enterprise's
consent page (grant, one-time link, withdraw, who looked), the one-time link itself and the public API page."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from greencode.models import ApiKey, Consent, Institution
from greencode.services import consent, institutions
from reviews import audit
from tests import factories
from tests.conftest import login

from .code_helpers import current_code
from .institution_helpers import institution_with_key

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()


def test_institutions_province_registers_one_and_it_is_audited(client, province):
    login(client, province)
    response = client.post(reverse("greencode:institutions"), {"name": "广州某银行", "kind": "bank"})
    institution = Institution.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("greencode:institution", args=[institution.pk])
    assert [(t.action, t.actor) for t in audit.history(institution)] == [("institution_registered", province)]


def test_institutions_a_duplicate_name_is_refused_with_the_reason(client, province):
    institutions.register_institution(province, name="广州某银行", kind="bank")
    login(client, province)
    response = client.post(reverse("greencode:institutions"), {"name": "广州某银行", "kind": "bank"})
    assert response.status_code == 400
    assert "名为 广州某银行 的机构已经登记。" in response.content.decode()


def test_institutions_a_city_reviewer_is_refused_with_the_reason(client, gz_reviewer):
    login(client, gz_reviewer)
    response = client.get(reverse("greencode:institutions"))
    assert response.status_code == 403
    assert "只有省工信厅可以登记机构并发放 API 密钥。" in response.content.decode()


def test_institution_a_key_is_shown_once_and_only_its_hash_is_stored(client, province):
    institution = institutions.register_institution(province, name="采购方甲", kind="buyer")
    login(client, province)
    response = client.post(reverse("greencode:institution", args=[institution.pk]), {"label": "ERP"})
    assert response.status_code == 200
    raw = response.context["issued"][1]
    key = ApiKey.objects.get()
    assert raw in response.content.decode()
    assert key.hashed == institutions.digest(raw)
    assert raw not in (key.hashed, key.prefix, key.label)
    assert raw not in client.get(reverse("greencode:institution", args=[institution.pk])).content.decode()
    assert [t.action for t in audit.history(institution)] == ["api_key_issued", "institution_registered"]


def test_institution_page_lists_the_keys_uses(client):
    province, institution, key, raw = institution_with_key()
    client.post("/api/v1/verify", '{"numbers": ["GD-2024-N0000001"]}', content_type="application/json",
                HTTP_X_API_KEY=raw)
    login(client, province)
    response = client.get(reverse("greencode:institution", args=[institution.pk]))
    assert [(u.key_id, u.path, u.items, u.outcome) for u in response.context["uses"]] == [
        (key.pk, "/api/v1/verify", 1, "ok")]


def test_key_revoke_asks_then_revokes_and_audits(client):
    province, institution, key, _raw = institution_with_key()
    login(client, province)
    assert client.get(reverse("greencode:key_revoke", args=[key.pk])).status_code == 200
    response = client.post(reverse("greencode:key_revoke", args=[key.pk]))
    assert response.status_code == 302
    key.refresh_from_db()
    assert (key.revoked_by, key.revoked_at is not None) == (province, True)
    assert [t.action for t in audit.history(institution)][0] == "api_key_revoked"


def test_key_revoke_an_enterprise_is_refused(client, gz_unit):
    _province, _institution, key, _raw = institution_with_key()
    login(client, factories.enterprise_user(gz_unit))
    assert client.post(reverse("greencode:key_revoke", args=[key.pk])).status_code == 403
    key.refresh_from_db()
    assert key.revoked_at is None


def test_consents_the_enterprise_grants_an_institution_and_sees_who_looked(client, make_factory):
    user, code = current_code(make_factory)
    _province, institution, _key, raw = institution_with_key()
    login(client, user)
    response = client.post(reverse("greencode:consents", args=[code.unit_id]),
                           {"institution": institution.pk, "days": 30})
    assert response.status_code == 200
    grant = Consent.objects.get()
    assert (grant.institution, grant.unit_id, (grant.expires_at - grant.granted_at).days) == (
        institution, code.unit_id, 30)
    client.get(f"/api/v1/codes/{code.number}/scorecard", HTTP_X_API_KEY=raw)
    response = client.get(reverse("greencode:consents", args=[code.unit_id]))
    assert [(a.consent_id, a.via) for a in response.context["looks"]] == [(grant.pk, "api")]
    assert "测试银行" in response.content.decode()


def test_consents_a_one_time_link_opens_once(client, make_factory):
    user, code = current_code(make_factory)
    login(client, user)
    response = client.post(reverse("greencode:consents", args=[code.unit_id]), {"institution": "", "days": 7})
    link = response.context["link"]
    path = link.split("://", 1)[1].split("/", 1)[1]
    client.logout()
    first = client.get("/" + path)
    assert first.status_code == 200
    assert first.context["card"]["number"] == code.number
    second = client.get("/" + path)
    assert second.status_code == 403
    assert "此一次性链接已被使用过。" in second.content.decode()


def test_consents_the_enterprise_withdraws(client, make_factory):
    user, code = current_code(make_factory)
    _province, institution, _key, _raw = institution_with_key()
    grant, _token = consent.grant(user, code.unit, institution=institution, days=30)
    login(client, user)
    response = client.post(reverse("greencode:consent_withdraw", args=[grant.pk]))
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.withdrawn_by == user
    assert [t.action for t in audit.history(grant)] == ["consent_withdrawn", "consent_granted"]


def test_consents_another_enterprise_gets_404_and_the_province_403(client, make_factory, province):
    user, code = current_code(make_factory)
    other = make_factory({"energy_per_output": 50})
    login(client, factories.enterprise_user(other))
    assert client.get(reverse("greencode:consents", args=[code.unit_id])).status_code == 404
    login(client, province)
    assert client.get(reverse("greencode:consents", args=[code.unit_id])).status_code == 403


def test_consents_page_reads_a_constant_number_of_queries(client, make_factory, django_assert_num_queries):
    user, code = current_code(make_factory)
    _province, institution, key, raw = institution_with_key()
    login(client, user)
    url = reverse("greencode:consents", args=[code.unit_id])

    def looks(n):
        grant, _t = consent.grant(user, code.unit, institution=institution, days=30)
        for _ in range(n):
            consent.for_institution(key, code.number)

    looks(1)
    client.get(url)  # warm the session
    with django_assert_num_queries(8):
        client.get(url)
    looks(2)
    with django_assert_num_queries(8):
        client.get(url)


def test_api_page_is_public_and_names_every_operation(client):
    response = client.get(reverse("greencode:api_page"))
    assert response.status_code == 200
    assert [op["path"] for op in response.context["operations"]] == [
        "/api/v1/verify", "/api/v1/codes/{number}/history", "/api/v1/codes/{number}/scorecard"]
    assert "批量核验绿码" in response.content.decode()
