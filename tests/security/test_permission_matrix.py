"""Every URL × every role, on objects of one's own scope and of another's: the expected 200, 302, 400,
403 or 404 — and never another city's or enterprise's data in a page that was served."""

import pytest
from django.urls import reverse

from tests.conftest import login
from tests.security import world as W

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "province", "gz_reviewer", "sz_reviewer", "gz_enterprise", "sz_enterprise", "gz_district"]
# What each role must never see in a page: the other city's (or the other enterprise's) objects.
FOREIGN = {
    "gz_reviewer": ["矩阵深圳工厂", "矩阵深圳事故"],
    "gz_enterprise": ["矩阵深圳工厂", "矩阵深圳事故", "矩阵广州园区"],
    "sz_reviewer": ["矩阵广州工厂", "矩阵广州园区"],
    "sz_enterprise": ["矩阵广州工厂", "矩阵广州园区"],
    # The reviewer of 天河区 sees the Guangzhou factory there, never the park in 黄埔区 nor anything of Shenzhen.
    "gz_district": ["矩阵深圳工厂", "矩阵深圳事故", "矩阵广州园区"],
}
# Public pages that name units by design: the public list, and verification of a genuine code's link.
PUBLIC_LISTS = {"registry:public_lookup", "greencode:verify_token"}

# (method, url name, kwargs builder) -> expected status per role, in ROLES order. A builder's "?" entry is the
# query string.
MATRIX = [
    ("GET", "registry:unit_list", lambda w: {}, [302, 200, 200, 200, 403, 403, 200]),
    ("GET", "registry:unit_detail", lambda w: {"pk": w.units["gz"].pk}, [302, 200, 200, 404, 200, 404, 200]),
    ("GET", "registry:unit_edit", lambda w: {"pk": w.units["gz"].pk}, [302, 200, 200, 404, 403, 404, 403]),
    ("GET", "registry:unit_import", lambda w: {}, [302, 200, 403, 403, 403, 403, 403]),
    ("GET", "registry:unit_import_template", lambda w: {}, [302, 200, 403, 403, 403, 403, 403]),
    ("GET", "registry:city_stats", lambda w: {}, [302, 200, 200, 200, 403, 403, 403]),
    ("GET", "registry:city_stats_xlsx", lambda w: {}, [302, 200, 200, 200, 403, 403, 403]),
    ("GET", "registry:public_lookup", lambda w: {}, [200, 200, 200, 200, 200, 200, 200]),
    ("GET", "registry:province_home", lambda w: {}, [302, 200, 403, 403, 403, 403, 403]),
    ("GET", "registry:city_home", lambda w: {}, [302, 403, 200, 200, 403, 403, 403]),
    ("GET", "registry:enterprise_home", lambda w: {}, [302, 403, 403, 403, 200, 200, 403]),
    ("GET", "reviews:filing_edit", lambda w: {"year": w.campaign.year, "unit_pk": w.units["gz"].pk},
     [302, 403, 403, 404, 302, 404, 403]),
    ("GET", "reviews:filing_xlsx", lambda w: {"year": w.campaign.year, "unit_pk": w.units["gz"].pk},
     [302, 200, 200, 404, 200, 404, 200]),
    ("GET", "reviews:filing_upload", lambda w: {"year": w.campaign.year, "unit_pk": w.units["gz"].pk},
     [302, 403, 403, 404, 200, 404, 403]),
    ("GET", "reviews:city_upload", lambda w: {"year": w.campaign.year}, [302, 200, 200, 200, 403, 403, 403]),
    ("GET", "reviews:city_upload_template", lambda w: {"year": w.campaign.year}, [302, 200, 200, 200, 403, 403, 403]),
    ("GET", "reviews:filing_detail", lambda w: {"pk": w.filings["gz"].pk}, [302, 200, 200, 404, 200, 404, 200]),
    ("GET", "reviews:province_dashboard", lambda w: {}, [302, 200, 403, 403, 403, 403, 403]),
    ("GET", "reviews:city_dashboard", lambda w: {}, [302, 403, 200, 200, 403, 403, 403]),
    ("GET", "reviews:enterprise_home", lambda w: {}, [302, 403, 403, 403, 200, 200, 403]),
    ("GET", "reviews:campaign_list", lambda w: {}, [302, 200, 403, 403, 403, 403, 403]),
    ("GET", "reviews:campaign_create", lambda w: {}, [302, 200, 403, 403, 403, 403, 403]),
    ("GET", "reviews:campaign_edit", lambda w: {"year": w.campaign.year}, [302, 200, 403, 403, 403, 403, 403]),
    ("GET", "reviews:review_list", lambda w: {}, [302, 200, 200, 200, 403, 403, 403]),
    # A district reviewer may open the review page, but only for its district's filings where the city reviews
    # through districts: this one is not found.
    ("GET", "reviews:review_filing", lambda w: {"pk": w.filings["gz"].pk}, [302, 200, 200, 404, 403, 403, 404]),
    ("GET", "reviews:assessment_create", lambda w: {"pk": w.filings["gz"].pk}, [302, 403, 200, 404, 404, 404, 404]),
    ("GET", "reviews:assessment_edit", lambda w: {"pk": w.filings["gz"].pk, "assessment_pk": w.assessment.pk},
     [302, 403, 200, 404, 404, 404, 404]),
    ("GET", "reviews:proposal_list", lambda w: {}, [302, 200, 200, 200, 403, 403, 403]),
    ("GET", "reviews:adjustments_xlsx", lambda w: {}, [302, 200, 403, 403, 403, 403, 403]),
    ("GET", "reviews:proposal_create", lambda w: {"unit_pk": w.units["gz_park"].pk}, [302, 403, 302, 404, 403, 403, 403]),
    ("GET", "reviews:proposal_detail", lambda w: {"pk": w.proposals["gz"].pk}, [302, 200, 200, 404, 403, 403, 403]),
    ("GET", "reviews:proposal_edit", lambda w: {"pk": w.proposals["gz"].pk}, [302, 403, 200, 404, 403, 403, 403]),
    ("GET", "reviews:package_submit", lambda w: {}, [302, 403, 200, 200, 403, 403, 403]),
    ("GET", "reviews:not_filed", lambda w: {}, [302, 200, 200, 200, 403, 403, 403]),
    ("GET", "reviews:incident_list", lambda w: {}, [302, 200, 200, 200, 403, 403, 403]),
    ("GET", "reviews:incident_create", lambda w: {}, [302, 403, 200, 200, 403, 403, 403]),
    # Actions, posted empty: refused (400 with the form's errors, 403, 404) or a redirect with a message.
    ("POST", "reviews:review_checks", lambda w: {"pk": w.filings["gz"].pk}, [302, 403, 400, 404, 404, 404, 404]),
    ("POST", "reviews:review_flags", lambda w: {"pk": w.filings["gz"].pk}, [302, 403, 302, 404, 404, 404, 404]),
    ("POST", "reviews:filing_return", lambda w: {"pk": w.filings["gz"].pk}, [302, 403, 400, 404, 404, 404, 404]),
    ("POST", "reviews:filing_accept", lambda w: {"pk": w.filings["gz"].pk}, [302, 403, 302, 404, 404, 404, 404]),
    ("POST", "reviews:review_suggestions", lambda w: {"pk": w.filings["gz"].pk}, [302, 403, 302, 404, 404, 404, 404]),
    ("POST", "reviews:review_accept_next", lambda w: {"pk": w.filings["gz"].pk}, [302, 403, 302, 404, 404, 404, 404]),
    ("POST", "reviews:review_compliance", lambda w: {"pk": w.filings["gz"].pk}, [302, 403, 302, 404, 404, 404, 404]),
    ("POST", "reviews:review_disposition", lambda w: {"pk": w.filings["gz"].pk}, [302, 403, 400, 404, 404, 404, 404]),
    ("POST", "reviews:proposals_decide", lambda w: {}, [302, 302, 403, 403, 403, 403, 403]),
    # Bulk steps and the district first review (the world's 广州 reviews without districts in its campaign).
    ("POST", "reviews:proposals_bulk", lambda w: {}, [302, 302, 403, 403, 403, 403, 403]),
    ("GET", "reviews:keep_many", lambda w: {}, [302, 403, 200, 200, 403, 403, 403]),
    ("GET", "reviews:district_home", lambda w: {}, [302, 403, 403, 403, 403, 403, 200]),
    ("GET", "reviews:district_proposal", lambda w: {"unit_pk": w.units["gz"].pk}, [302, 403, 403, 403, 403, 403, 403]),
    ("POST", "reviews:district_send", lambda w: {}, [302, 403, 403, 403, 403, 403, 302]),
    ("GET", "reviews:district_work", lambda w: {}, [302, 403, 200, 200, 403, 403, 403]),
    ("POST", "reviews:district_setting", lambda w: {}, [302, 404, 404, 404, 404, 404, 404]),
    ("POST", "reviews:miit_decision", lambda w: {"pk": w.proposals["gz"].pk}, [302, 302, 403, 403, 403, 403, 403]),
    # The green code of the Guangzhou factory.
    ("GET", "greencode:mine", lambda w: {}, [302, 403, 403, 403, 200, 200, 403]),
    ("GET", "greencode:unit_code", lambda w: {"unit_id": w.units["gz"].pk}, [302, 200, 200, 404, 200, 404, 200]),
    ("POST", "greencode:apply", lambda w: {"unit_id": w.units["gz"].pk}, [302, 403, 403, 404, 302, 404, 403]),
    ("GET", "greencode:withdraw", lambda w: {"code_id": w.code.pk}, [302, 403, 403, 404, 200, 404, 403]),
    ("GET", "greencode:certificate", lambda w: {"code_id": w.code.pk}, [302, 200, 200, 404, 200, 404, 200]),
    ("GET", "greencode:qr", lambda w: {"code_id": w.code.pk}, [302, 200, 200, 404, 200, 404, 200]),
    ("GET", "greencode:qr_png", lambda w: {"code_id": w.code.pk}, [302, 200, 200, 404, 200, 404, 200]),
    ("GET", "greencode:certificate_pdf", lambda w: {"code_id": w.code.pk}, [302, 200, 200, 404, 200, 404, 200]),
    ("GET", "greencode_keys", lambda w: {}, [200, 200, 200, 200, 200, 200, 200]),
    ("GET", "greencode:verify", lambda w: {}, [200, 200, 200, 200, 200, 200, 200]),
    ("GET", "greencode:verify_token", lambda w: {"token": w.token}, [200, 200, 200, 200, 200, 200, 200]),
    ("GET", "greencode:method", lambda w: {}, [200, 200, 200, 200, 200, 200, 200]),
    ("GET", "greencode:method_publish", lambda w: {}, [302, 200, 403, 403, 403, 403, 403]),
    ("GET", "greencode:runs", lambda w: {}, [302, 200, 403, 403, 403, 403, 403]),
    ("POST", "greencode:rescore", lambda w: {}, [302, 302, 403, 403, 403, 403, 403]),
    ("GET", "greencode:run", lambda w: {"run_id": w.run.pk}, [302, 200, 403, 403, 403, 403, 403]),
    ("GET", "greencode:run_scores", lambda w: {"run_id": w.run.pk}, [302, 200, 403, 403, 403, 403, 403]),
    ("GET", "greencode:run_compare", lambda w: {"run_id": w.run.pk}, [302, 200, 403, 403, 403, 403, 403]),
    ("GET", "greencode:run_export", lambda w: {"run_id": w.run.pk}, [302, 200, 403, 403, 403, 403, 403]),
    ("GET", "greencode:benchmarks", lambda w: {}, [302, 200, 403, 403, 403, 403, 403]),
    ("GET", "greencode:applicability", lambda w: {}, [302, 200, 403, 403, 403, 403, 403]),
    # Institutions and their keys (the province), consent (the enterprise), the API page and the API (a key, not
    # a session: 401 for everyone), the one-time link page (a made-up token: 403 for everyone).
    ("GET", "greencode:institutions", lambda w: {}, [302, 200, 403, 403, 403, 403, 403]),
    ("GET", "greencode:institution", lambda w: {"pk": w.key.institution_id}, [302, 200, 403, 403, 403, 403, 403]),
    ("GET", "greencode:key_revoke", lambda w: {"pk": w.key.pk}, [302, 200, 403, 403, 403, 403, 403]),
    ("POST", "greencode:key_revoke", lambda w: {"pk": w.key.pk}, [302, 302, 403, 403, 403, 403, 403]),
    ("GET", "greencode:consents", lambda w: {"unit_id": w.units["gz"].pk}, [302, 403, 403, 404, 200, 404, 403]),
    ("POST", "greencode:consent_withdraw", lambda w: {"pk": w.consent.pk}, [302, 403, 403, 404, 302, 404, 403]),
    ("GET", "greencode:shared", lambda w: {"token": "made-up-token-0123456789"}, [403, 403, 403, 403, 403, 403, 403]),
    ("GET", "greencode:api_page", lambda w: {}, [200, 200, 200, 200, 200, 200, 200]),
    ("GET", "greencode_api:openapi-json", lambda w: {}, [200, 200, 200, 200, 200, 200, 200]),
    ("GET", "greencode_api:code_history", lambda w: {"number": w.code.number}, [401, 401, 401, 401, 401, 401, 401]),
    ("GET", "greencode_api:scorecard", lambda w: {"number": w.code.number}, [401, 401, 401, 401, 401, 401, 401]),
    # Each row builds its own world, so withdrawing here changes nothing for the other rows.
    ("POST", "greencode:withdraw", lambda w: {"code_id": w.code.pk}, [302, 403, 403, 404, 302, 404, 403]),
    # Enterprises (legal entities), published lists, districts.
    ("GET", "registry:unit_detail", lambda w: {"pk": w.units["gz_park"].pk}, [302, 200, 200, 404, 404, 404, 404]),
    ("GET", "registry:unit_list_xlsx", lambda w: {}, [302, 200, 200, 200, 403, 403, 200]),
    ("GET", "registry:district_stats", lambda w: {"?": f"?city={w.units['gz'].city_id}"}, [302, 200, 200, 404, 403, 403, 403]),
    ("GET", "registry:district_stats_xlsx", lambda w: {"?": f"?city={w.units['gz'].city_id}"},
     [302, 200, 200, 404, 403, 403, 403]),
    ("GET", "registry:list_imports", lambda w: {}, [302, 200, 403, 403, 403, 403, 403]),
    ("POST", "registry:list_imports", lambda w: {}, [302, 400, 403, 403, 403, 403, 403]),
    ("GET", "registry:list_import", lambda w: {"pk": w.list_import.pk}, [302, 200, 403, 403, 403, 403, 403]),
    ("POST", "registry:list_import", lambda w: {"pk": w.list_import.pk}, [302, 302, 403, 403, 403, 403, 403]),
    ("GET", "registry:enterprise_detail", lambda w: {"pk": w.units["gz"].enterprise_id}, [302, 200, 200, 404, 200, 404, 200]),
    ("GET", "registry:enterprise_detail", lambda w: {"pk": w.units["gz_park"].enterprise_id},
     [302, 200, 200, 404, 404, 404, 404]),
    ("GET", "registry:enterprise_code", lambda w: {"pk": w.units["gz"].enterprise_id}, [302, 200, 200, 404, 403, 404, 403]),
    ("POST", "registry:enterprise_code", lambda w: {"pk": w.units["gz"].enterprise_id},
     [302, 400, 400, 404, 403, 404, 403]),
    ("GET", "registry:districts", lambda w: {}, [302, 200, 200, 200, 403, 403, 403]),
    ("POST", "registry:districts", lambda w: {}, [302, 400, 400, 400, 403, 403, 403]),
]


@pytest.fixture
def world():
    return W.build()


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return ""  # spreadsheets: their scope is the queryset's, covered by the export tests
    return response.content.decode(errors="replace")


@pytest.mark.parametrize(("method", "name", "kwargs", "expected"), MATRIX, ids=[m[1] for m in MATRIX])
def test_permission_matrix(client, world, method, name, kwargs, expected):
    params = kwargs(world)
    query = params.pop("?", "")
    url = reverse(name, kwargs=params) + query
    got = []
    for role in ROLES:
        client.logout()
        if world.users[role] is not None:
            login(client, world.users[role])
        response = client.post(url, {}) if method == "POST" else client.get(url)
        got.append(response.status_code)
        if response.status_code == 302 and role == "anonymous":
            assert response["Location"].startswith(reverse("login"))
        if response.status_code == 200 and name not in PUBLIC_LISTS:
            body = _body(response)
            leaked = [marker for marker in FOREIGN.get(role, []) if marker in body]
            assert leaked == [], f"{role} sees {leaked} on {url}"
    assert dict(zip(ROLES, got, strict=True)) == dict(zip(ROLES, expected, strict=True))
