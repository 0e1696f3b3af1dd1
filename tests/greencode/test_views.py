"""The enterprise's code pages, public verification and the province's pages."""

import datetime as dt
import io
import json

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from greencode.enums import NoCodeReason
from greencode.models import Benchmark, GreenCode, MethodPage, ScoreRun
from greencode.services import codes, scoring
from registry.models import Industry
from registry.signals import unit_removed
from reviews.models import Campaign, IncidentReport
from reviews.signals import incident_reported
from tests.conftest import login
from tests.factories import enterprise_user

from .conftest import YEAR, campaign

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()


def cohort(make_factory, n=20):
    units = [make_factory({"energy_per_output": 10 + i}) for i in range(n)]
    scoring.run_cohort(YEAR, "national")
    return units


def issued(unit):
    """The enterprise applies; the code is made current (the 2024 codes have expired by the machine's date)."""
    user = enterprise_user(unit)
    code = codes.apply_for_code(user, unit, YEAR)
    GreenCode.objects.filter(pk=code.pk).update(valid_until=timezone.localdate() + dt.timedelta(days=30))
    code.refresh_from_db()
    return user, code


# ---------------------------------------------------------------- enterprise

def test_code_page_shows_grade_positions_subscores_and_gap(make_factory, client):
    units = cohort(make_factory)
    user, code = issued(units[3])
    r = login(client, user).get(reverse("greencode:unit_code", args=[units[3].pk]))
    assert r.status_code == 200
    html = r.content.decode()
    score = r.context["score"]
    assert score.grade == "A" and score.rank == 4
    assert r.context["next_grade"] == "A+" and r.context["next_cut"] == ScoreRun.objects.get().cut_a_plus
    assert "全省绿色工厂前 20%" in html and "行业内前 20%" in html
    rows = [(row["code"], row["points"], row["peer"], row["peers"]) for row in r.context["indicators"]]
    assert rows[0] == ("energy_per_output", 100 * 16.5 / 20, "division", 20)
    # method v1.1: the fourteen indicators the factories left blank apply and score 0
    assert [points for _code, points, _peer, _n in rows[1:]] == [0.0] * 14
    # the gap to A+ (97.5) is 97.5 − 82.5 = 15 composite points: this single indicator would need 97.5
    assert r.context["indicators"][0]["needed"] == 97.5
    assert code.number in html
    assert "<svg" in html
    assert code.number.startswith(f"GD-{YEAR}-N")


def test_code_page_for_another_enterprise_is_404(make_factory, client):
    units = cohort(make_factory, 3)
    other = enterprise_user(units[1])
    assert login(client, other).get(reverse("greencode:unit_code", args=[units[0].pk])).status_code == 404
    _user, code = issued(units[0])
    assert client.get(reverse("greencode:certificate", args=[code.pk])).status_code == 404
    assert client.post(reverse("greencode:withdraw", args=[code.pk])).status_code == 404
    assert client.post(reverse("greencode:apply", args=[units[0].pk]), {"year": YEAR}).status_code == 404


def test_code_page_without_a_code_says_why_and_what_to_do(make_factory, client):
    make_factory({"energy_per_output": 10})
    unit = make_factory({"water_per_output": 10})  # neither energy nor CO₂: 填报不规范
    scoring.run_cohort(YEAR, "national")
    r = login(client, enterprise_user(unit)).get(reverse("greencode:unit_code", args=[unit.pk]))
    html = r.content.decode()
    assert "填报不规范" in html
    assert "重新提交" in html  # the advice
    assert 'action="/code/unit/' not in html  # no apply button


def test_apply_then_withdraw_with_confirmation(make_factory, client):
    units = cohort(make_factory, 3)
    user = enterprise_user(units[0])
    login(client, user)
    r = client.post(reverse("greencode:apply", args=[units[0].pk]), {"year": YEAR})
    code = GreenCode.objects.get()
    assert r.status_code == 302 and code.grade == "A+" and code.withdrawn_at is None
    assert code.valid_until == dt.date(YEAR + 1, 4, 15)  # next filing due assumed on 15 March, plus one month
    r = client.get(reverse("greencode:withdraw", args=[code.pk]))
    assert "确认" in r.content.decode() or "撤回" in r.content.decode()
    assert GreenCode.objects.get().withdrawn_at is None
    client.post(reverse("greencode:withdraw", args=[code.pk]))
    assert GreenCode.objects.get().withdrawn_at is not None
    # applying again re-opens the same code number
    client.post(reverse("greencode:apply", args=[units[0].pk]), {"year": YEAR})
    assert GreenCode.objects.get().withdrawn_at is None and GreenCode.objects.count() == 1


def test_apply_with_bad_year_is_a_message_not_a_500(make_factory, client):
    units = cohort(make_factory, 3)
    login(client, enterprise_user(units[0]))
    r = client.post(reverse("greencode:apply", args=[units[0].pk]), {"year": "abc"}, follow=True)
    assert r.status_code == 200 and GreenCode.objects.count() == 0
    r = client.post(reverse("greencode:apply", args=[units[0].pk]), {"year": "1999"}, follow=True)
    assert r.status_code == 200 and GreenCode.objects.count() == 0


def test_certificate_and_qr(make_factory, client):
    units = cohort(make_factory, 3)
    user, code = issued(units[0])
    login(client, user)
    r = client.get(reverse("greencode:certificate", args=[code.pk]))
    assert r.status_code == 200 and code.number in r.content.decode() and "<svg" in r.content.decode()
    r = client.get(reverse("greencode:qr", args=[code.pk]))
    assert r["Content-Type"] == "image/svg+xml" and r.content.startswith(b"<?xml")  # standalone: test_views_documents


def test_valid_until_uses_the_next_campaign_when_it_exists(db):
    campaign(YEAR)
    Campaign.objects.create(year=YEAR + 1, filing_opens=dt.date(2025, 1, 10), filing_due=dt.date(2025, 4, 15),
                            city_review_due=dt.date(2025, 4, 30), province_report_due=dt.date(2025, 5, 15))
    assert scoring.valid_until(YEAR) == dt.date(2025, 5, 15)


# ---------------------------------------------------------------- verification

def test_verify_by_link_shows_name_masked_code_grade_and_no_indicators(make_factory, client):
    units = cohort(make_factory, 3)
    _user, code = issued(units[0])
    r = client.get(reverse("greencode:verify_token", args=[codes.sign(code)]))
    html = r.content.decode()
    assert r.status_code == 200 and r.context["result"].status == "valid"
    assert units[0].name in html and units[0].masked_credit_code in html and units[0].credit_code not in html
    assert "综合能耗" not in html and "composite" not in html


def test_verify_page_speaks_to_people_and_points_institutions_to_their_service(client):
    from lxml import html

    page = html.fromstring(client.get(reverse("greencode:verify")).content.decode())
    assert not page.xpath("//code")  # no developer's JSON hint on the public page
    link = page.xpath("//main//a[@href=$href]", href=reverse("greencode:api_page"))
    assert [a.text_content() for a in link] == ["机构核验服务"]


def test_verify_rejects_a_tampered_or_invented_token(make_factory, client):
    units = cohort(make_factory, 3)
    _user, code = issued(units[0])
    token = codes.sign(code)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    r = client.get(reverse("greencode:verify_token", args=[tampered]))
    assert r.context["result"].tampered is True and "不是本平台签发" in r.content.decode()
    forged = signing.dumps({"n": code.number}, salt="another-salt")
    assert client.get(reverse("greencode:verify_token", args=[forged])).context["result"].tampered is True
    r = client.get(reverse("greencode:verify_api"), {"token": "made-up"})
    assert r.json()["status"] == "unknown" and r.json()["tampered"] is True and r.json()["name"] is None


def test_verify_shows_expired_and_revoked(make_factory, client):
    units = cohort(make_factory, 3)
    _u, code = issued(units[0])
    GreenCode.objects.filter(pk=code.pk).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    r = client.get(reverse("greencode:verify"), {"number": code.number.lower()})
    assert r.context["result"].status == "expired" and "已过期" in r.content.decode()
    unit_removed.send(sender=type(units[0]), unit=units[0], actor=None, reason="MIIT")
    r = client.get(reverse("greencode:verify_api"), {"number": code.number})
    data = r.json()
    assert data["status"] == "revoked" and data["grade"] == "A+" and data["credit_code"] == units[0].masked_credit_code
    assert set(data) == {"status", "tampered", "number", "name", "credit_code", "grade", "year", "valid_until",
                         "revoked_at"}


def test_incident_revokes_codes_at_once(make_factory, gz_reviewer):
    units = cohort(make_factory, 3)
    _u, code = issued(units[1])
    incident = IncidentReport.objects.create(unit=units[1], campaign=campaign(), kind="safety",
                                             occurred_on=dt.date(2024, 5, 1), description="x", reported_by=gz_reviewer)
    incident_reported.send(sender=IncidentReport, incident=incident)
    code.refresh_from_db()
    assert codes.status_of(code) == "revoked"
    assert code.revoked_reason == str(NoCodeReason.INCIDENT.label)


def test_verify_unknown_and_withdrawn_numbers(make_factory, client):
    units = cohort(make_factory, 3)
    user, code = issued(units[0])
    codes.withdraw_code(user, code)
    assert client.get(reverse("greencode:verify"), {"number": code.number}).context["result"].status == "unknown"
    assert client.get(reverse("greencode:verify"), {"number": "GD-2024-N9999999"}).context["result"].status == "unknown"
    r = client.get(reverse("greencode:verify"), {"number": "x" * 40})
    assert r.status_code == 200 and r.context["result"] is None and "30" in r.content.decode()


def test_verification_is_rate_limited_with_a_chinese_message(make_factory, client, settings):
    settings.GREENCODE_VERIFY_RATE = 3
    url = reverse("greencode:verify_api")
    assert [client.get(url, {"number": "GD-1"}).status_code for _ in range(3)] == [200, 200, 200]
    r = client.get(url, {"number": "GD-1"})
    assert r.status_code == 429 and "请求过于频繁" in r.json()["error"]
    r = client.get(reverse("greencode:verify"), {"number": "GD-1"})
    assert r.status_code == 429  # one budget for the page and the API
    other = client.get(url, {"number": "GD-1"}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


# ---------------------------------------------------------------- constant queries

@pytest.mark.parametrize("n", [3, 12])
def test_code_page_runs_a_constant_number_of_queries(make_factory, client, django_assert_num_queries, n):
    units = cohort(make_factory, n)
    scoring.run_cohort(YEAR, "national")  # a second run of the year: history holds more rows
    user, _code = issued(units[0])
    login(client, user)
    with django_assert_num_queries(6):
        assert client.get(reverse("greencode:unit_code", args=[units[0].pk])).status_code == 200


@pytest.mark.parametrize("n", [3, 12])
def test_verify_page_runs_a_constant_number_of_queries(make_factory, client, django_assert_num_queries, n):
    units = cohort(make_factory, n)
    _user, code = issued(units[0])
    token = codes.sign(code)
    with django_assert_num_queries(1):
        assert client.get(reverse("greencode:verify_token", args=[token])).status_code == 200
    with django_assert_num_queries(1):
        assert client.get(reverse("greencode:verify_api"), {"number": code.number}).status_code == 200


@pytest.mark.parametrize("n", [1, 3])
def test_province_lists_run_a_constant_number_of_queries(make_factory, client, province, django_assert_num_queries, n):
    units = cohort(make_factory, n * 5)
    run = scoring.run_cohort(YEAR, "national").run
    for i in range(n):
        Benchmark.objects.create(industry=Industry.objects.all()[i], code="renewable_share", baseline=0, leading=50)
    login(client, province)
    with django_assert_num_queries(6):
        assert client.get(reverse("greencode:run_scores", args=[run.pk])).status_code == 200
    with django_assert_num_queries(5):
        assert client.get(reverse("greencode:runs")).status_code == 200
    with django_assert_num_queries(6):
        assert client.get(reverse("greencode:run_compare", args=[run.pk])).status_code == 200
    with django_assert_num_queries(6):
        assert client.get(reverse("greencode:benchmarks")).status_code == 200
    assert len(units) == n * 5


# ---------------------------------------------------------------- province

def test_run_page_shows_distribution_cuts_industries_reasons_and_weights(make_factory, client, province):
    cohort(make_factory, 20)
    make_factory(filed=False)
    run = scoring.run_cohort(YEAR, "national").run
    r = login(client, province).get(reverse("greencode:run", args=[run.pk]))
    html = r.content.decode()
    assert r.status_code == 200
    assert [(b["grade"], b["n"]) for b in r.context["overview"]["bars"]] == [("A+", 1), ("A", 7), ("B", 12)]
    assert "未填报" in html and f"{run.cut_a:.4f}" in html and "计算机、通信和其他电子设备制造业" in html
    assert len(r.context["overview"]["weights"]) == 15
    assert "s = 100 ×（同组中严格劣于本企业的企业数 + ½ × 与本企业持平的企业数（含本企业））÷ 同组企业数" in html
    assert run.peer_rules["formula"] not in html  # the formula stored with the run is in English


def test_run_scores_rows_become_cards_named_first_grade_as_a_badge(make_factory, client, province):
    from lxml import html

    cohort(make_factory, 3)
    run = scoring.run_cohort(YEAR, "national").run
    page = html.fromstring(login(client, province).get(reverse("greencode:run_scores", args=[run.pk])).content.decode())
    table = page.xpath("//table[contains(@class, 'table-stack')]")[0]
    heads = [th.text_content().strip() for th in table.xpath("thead/tr/th")]
    for row in table.xpath("tbody/tr"):
        assert [td.get("data-label") for td in row.xpath("td")] == heads
        assert row.xpath("td[contains(@class, 'stack-title')]/a/text()")
        assert row.xpath("td[contains(@class, 'stack-state')]/span[contains(@class, 'badge')]/text()")[0] in {"A+", "A", "B"}


def test_compare_lists_who_moved_grade(make_factory, client, province):
    units = cohort(make_factory, 20)
    units[19].filings.get().indicators.filter(code="energy_per_output").update(value=1)
    run = scoring.run_cohort(YEAR, "national").run
    r = login(client, province).get(reverse("greencode:run_compare", args=[run.pk]))
    moved = {(row["unit"].pk, row["old"], row["new"]) for row in r.context["page"]}
    assert (units[19].pk, "B", "A+") in moved and (units[0].pk, "A+", "A") in moved


def test_export_all_scores_xlsx(make_factory, client, province):
    cohort(make_factory, 5)
    run = ScoreRun.objects.get()
    r = login(client, province).get(reverse("greencode:run_export", args=[run.pk]))
    wb = load_workbook(io.BytesIO(b"".join(r.streaming_content)), read_only=True)
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[1] == ("筛选：无（全部）",)
    assert rows[2][1:6] == ("统一社会信用代码", "城市", "行业", "等级", "未赋码原因")
    assert len(rows) == 3 + 5 and rows[3][4] == "A+" and rows[3][7] == 1


def test_export_of_scores_is_the_filtered_list_and_names_its_filter(make_factory, client, province):
    cohort(make_factory, 5)
    run = ScoreRun.objects.get()
    login(client, province)
    on_screen = [s.unit.name for s in client.get(reverse("greencode:run_scores", args=[run.pk]),
                                                 {"grade": "A"}).context["page"]]
    r = client.get(reverse("greencode:run_export", args=[run.pk]), {"grade": "A", "reason": "bogus"})
    rows = list(load_workbook(io.BytesIO(b"".join(r.streaming_content)), read_only=True).active.iter_rows(values_only=True))
    assert rows[1] == ("筛选：等级=A",)
    assert [row[0] for row in rows[3:]] == on_screen
    assert {row[4] for row in rows[3:]} == {"A"}


def test_province_pages_are_forbidden_to_others(make_factory, client, gz_reviewer):
    cohort(make_factory, 3)
    run = ScoreRun.objects.get()
    login(client, gz_reviewer)
    for name, args in (("greencode:runs", []), ("greencode:run", [run.pk]), ("greencode:run_export", [run.pk]),
                       ("greencode:benchmarks", []), ("greencode:method_publish", [])):
        assert client.get(reverse(name, args=args)).status_code == 403


def test_benchmark_form_validates_direction_and_saves(client, province):
    login(client, province)
    industry = Industry.objects.get(code="39")
    r = client.post(reverse("greencode:benchmarks"), {"industry": industry.pk, "code": "energy_per_output",
                                                      "baseline": "100", "leading": "200"})
    assert r.status_code == 200 and Benchmark.objects.count() == 0
    assert "引领值" in r.content.decode()
    r = client.post(reverse("greencode:benchmarks"), {"industry": industry.pk, "code": "energy_per_output",
                                                      "baseline": "abc", "leading": ""})
    assert r.status_code == 200 and Benchmark.objects.count() == 0
    r = client.post(reverse("greencode:benchmarks"), {"industry": industry.pk, "code": "energy_per_output",
                                                      "baseline": "200", "leading": "100"})
    assert r.status_code == 302 and Benchmark.objects.get().leading == 100


def test_method_page_is_public_and_the_province_publishes_it(client, province):
    r = client.get(reverse("greencode:method"))
    assert r.status_code == 200
    assert r.context["group_weights"] == {"energy": 35, "resources": 25, "clean": 20, "products": 10, "land": 10}
    login(client, province)
    client.post(reverse("greencode:method_publish"), {"body": "绿码评价方法 v1 正文"})
    client.logout()
    assert "绿码评价方法 v1 正文" in client.get(reverse("greencode:method")).content.decode()
    assert MethodPage.objects.count() == 1


def test_json_endpoint_never_leaks_indicator_data(make_factory, client):
    units = cohort(make_factory, 3)
    _u, code = issued(units[0])
    body = client.get(reverse("greencode:verify_api"), {"token": codes.sign(code)}).content.decode()
    assert json.loads(body)["status"] == "valid"
    assert "energy" not in body and "composite" not in body and "percentile" not in body


@pytest.mark.parametrize("n", [2, 6])
def test_export_runs_a_constant_number_of_queries(make_factory, client, province, django_assert_num_queries, n):
    cohort(make_factory, n)
    run = ScoreRun.objects.get()
    login(client, province)
    with django_assert_num_queries(5):
        r = client.get(reverse("greencode:run_export", args=[run.pk]))
        body = b"".join(r.streaming_content)
    rows = list(load_workbook(io.BytesIO(body), read_only=True).active.iter_rows(values_only=True))
    assert len(rows) == 3 + n  # title, filter line, headers


def test_runs_page_shows_a_failed_run_with_its_reason(make_factory, client, province):
    from greencode.enums import RunStatus

    make_factory({"energy_per_output": 10})
    ScoreRun.objects.create(year=YEAR, level="national", status=RunStatus.FAILED, started_at=timezone.now(),
                            error="DivisionByZero('division by zero')")
    login(client, province)
    page = client.get(reverse("greencode:runs"))
    html = page.content.decode()
    assert "DivisionByZero(&#x27;division by zero&#x27;)" in html
    assert "上一次完成的评价结果继续有效" in html


def _sensitivity_rows(html: str) -> dict:
    """{group code: (group label, weight, up count, down count)} read from the run page's sensitivity table."""
    from lxml import html as lxml_html

    table = lxml_html.fromstring(html).get_element_by_id("sensitivity-table")
    rows = {}
    for tr in table.xpath(".//tbody/tr"):
        cells = tr.xpath("./th|./td")
        counts = [td.xpath(".//span[@class='text-nowrap small']")[0].text_content().strip() for td in cells[2:]]
        rows[tr.get("data-group")] = (cells[0].text_content().strip(), cells[1].text_content().strip(), *counts)
    return rows


def test_run_page_shows_the_sensitivity_of_its_grades(make_factory, client, province):
    # linear scores (energy 100 − value, land the value): the cohort of test_scoring's sensitivity test, whose
    # figure is energy +10 %: 1 grade, land −10 %: 2 grades
    industry = Industry.objects.get(code="39")
    Benchmark.objects.create(industry=industry, code="energy_per_output", baseline=100, leading=0)
    Benchmark.objects.create(industry=industry, code="output_per_land", baseline=0, leading=100)
    for e, land in [(100, 100), (40, 77), (60, 0), (10, 0), (0, 10)]:
        make_factory({"energy_per_output": 100 - e, "output_per_land": land})
    run = scoring.run_cohort(YEAR, "national").run
    r = login(client, province).get(reverse("greencode:run", args=[run.pk]))
    rows = _sensitivity_rows(r.content.decode())
    groups = run.sensitivity["groups"]
    assert list(rows) == ["energy", "resources", "clean", "products", "land"]
    assert rows["energy"][:2] == ("能源低碳化", "35.00")
    for code, (_label, _weight, up, down) in rows.items():
        assert (up, down) == (f"{groups[code]['up']} 家（{round(100 * groups[code]['up'] / 5, 2)} %）",
                              f"{groups[code]['down']} 家（{round(100 * groups[code]['down'] / 5, 2)} %）")
    assert (rows["energy"][2:], rows["land"][2:]) == (("1 家（20.0 %）", "0 家（0.0 %）"), ("0 家（0.0 %）", "2 家（40.0 %）"))


def test_run_page_says_when_a_run_has_no_sensitivity_figure(make_factory, client, province):
    cohort(make_factory, 3)
    run = ScoreRun.objects.get()
    ScoreRun.objects.filter(pk=run.pk).update(sensitivity={})  # as a run from before the figure existed
    r = login(client, province).get(reverse("greencode:run", args=[run.pk]))
    assert r.context["sensitivity"] is None
    assert "本次计算没有该数据" in r.content.decode()


def test_method_page_explains_the_sensitivity_figure(client, db):
    from lxml import html as lxml_html

    page = lxml_html.fromstring(client.get(reverse("greencode:method")).content.decode())
    assert page.get_element_by_id("method-sensitivity").text_content().startswith(
        "等级稳定性：每次计算还公布每个指标组的权重上调 10 % 和下调 10 % 时")
