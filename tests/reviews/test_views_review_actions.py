"""The review page's one-action paths and the filing pages' new blocks, through the views: bad input answered
with a clear message and nothing saved, never a 500."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from greencode.models import Benchmark
from reviews.enums import CheckVerdict, FilingState
from reviews.models import Filing, PriorYearValue
from reviews.services import review as review_services
from tests import factories
from tests.conftest import login
from tests.reviews.review_helpers import accepted_filing, open_campaign, submitted_filing


@pytest.fixture
def campaign(db):
    return open_campaign(2030)


@pytest.fixture
def two_clean(campaign, gz_reviewer):
    last = open_campaign(2029)
    filings = []
    for name in ("甲绿色工厂有限公司", "乙绿色工厂有限公司"):
        unit = factories.UnitFactory(name=name)
        accepted_filing(last, unit, gz_reviewer)
        filings.append(submitted_filing(campaign, unit))
    return sorted(filings, key=lambda f: f.unit.name)


def test_accept_next_accepts_and_opens_the_next_filing(client, two_clean, gz_reviewer):
    first, second = two_clean
    login(client, gz_reviewer)
    response = client.post(reverse("reviews:review_accept_next", args=[first.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("reviews:review_filing", args=[second.pk])
    assert Filing.objects.get(pk=first.pk).state == FilingState.ACCEPTED
    response = client.post(reverse("reviews:review_accept_next", args=[second.pk]))
    assert response["Location"] == f"{reverse('reviews:review_list')}?year=2030"


def test_accept_next_refuses_an_override_without_a_note(client, two_clean, gz_reviewer):
    first, _second = two_clean
    Benchmark.objects.create(industry=first.unit.industry, code="energy_per_output", baseline=30, leading=10)
    login(client, gz_reviewer)
    response = client.post(reverse("reviews:review_accept_next", args=[first.pk]),
                           {"verdict_energy_per_output": CheckVerdict.NON_COMPLIANT})
    assert response.status_code == 400
    assert response.context["checks_form"].errors == {"note_energy_per_output": ["请说明该指标不达标的原因。"]}
    assert Filing.objects.get(pk=first.pk).state == FilingState.SUBMITTED
    assert not first.checks.exists()


def test_accept_suggestions_records_the_suggested_verdicts(client, two_clean, gz_reviewer):
    first, _second = two_clean
    login(client, gz_reviewer)
    response = client.post(reverse("reviews:review_suggestions", args=[first.pk]))
    assert response.status_code == 302
    assert first.checks.filter(verdict=CheckVerdict.COMPLIANT).count() == 15
    assert Filing.objects.get(pk=first.pk).state == FilingState.SUBMITTED


def test_compliance_verification_bad_input_is_named(client, two_clean, gz_reviewer):
    first, _second = two_clean
    login(client, gz_reviewer)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.post(reverse("reviews:review_compliance", args=[first.pk]), {
        "abnormal_list_source": "gsxt", "abnormal_list_checked_on": tomorrow.isoformat(), "abnormal_list_result": "clear",
        "penalties_source": "credit_china"})
    assert response.status_code == 400
    errors = response.context["compliance_form"].errors
    assert errors["abnormal_list_checked_on"] == ["核查日期不能晚于今天。"]
    assert errors["penalties_checked_on"] == ["请同时填写核查来源、核查日期和核查结果。"]
    assert not first.compliance_checks.exists()
    response = client.post(reverse("reviews:review_compliance", args=[first.pk]), {
        "abnormal_list_source": "gsxt", "abnormal_list_checked_on": "not a date", "abnormal_list_result": "clear"})
    assert response.status_code == 400


def test_compliance_verification_is_saved_and_shown(client, two_clean, gz_reviewer):
    first, _second = two_clean
    login(client, gz_reviewer)
    today = timezone.localdate()
    response = client.post(reverse("reviews:review_compliance", args=[first.pk]), {
        "abnormal_list_source": "gsxt", "abnormal_list_checked_on": today.isoformat(), "abnormal_list_result": "clear",
        "abnormal_list_note": "未列入"})
    assert response.status_code == 302
    (check,) = first.compliance_checks.all()
    assert (check.item, check.source, check.checked_on, check.result, check.checked_by) == (
        "abnormal_list", "gsxt", today, "clear", gz_reviewer)


def test_disposition_without_a_reason_is_refused(client, campaign, gz_unit, gz_reviewer):
    filing = submitted_filing(campaign, gz_unit)
    Filing.objects.filter(pk=filing.pk).update(penalised=True)  # as declared
    login(client, gz_reviewer)
    response = client.post(reverse("reviews:review_disposition", args=[filing.pk]), {"disposition": "no_action"})
    assert response.status_code == 400
    assert response.context["disposition_form"].errors == {"note": ["请说明为何既不报告事故也不提出调整意见。"]}
    response = client.post(reverse("reviews:review_disposition", args=[filing.pk]), {"disposition": "bogus"})
    assert response.status_code == 400


# --- the enterprise's pages -----------------------------------------------------------------------------

def test_filing_page_shows_text_values_as_text(client, campaign, gz_unit):
    filing = submitted_filing(campaign, gz_unit)
    login(client, factories.enterprise_user(gz_unit))
    response = client.get(reverse("reviews:filing_detail", args=[filing.pk]))
    rows = {str(label): value for _t, section in response.context["sections"] for label, value, _u, _n in section}
    assert (rows["主要产品"], rows["主要产品计量单位"]) == ("电路板", "件")
    html = response.content.decode()
    assert '<dd class="col-5 num">电路板 <span class="text-muted"></span></dd>' in html
    assert 'id="indicator-context"' in html and 'id="compliance-block"' in html and 'id="changes-block"' in html


def test_filing_edit_takes_the_earlier_years_of_a_new_unit_once(client, campaign, gz_unit):
    enterprise = factories.enterprise_user(gz_unit)
    login(client, enterprise)
    url = reverse("reviews:filing_edit", args=[2030, gz_unit.pk])
    page = client.get(url)  # the first visit, before any draft exists
    assert [c["name"] for c in page.context["prior_rows"][0]["cells"]] == [
        "prior-2027-energy_per_output", "prior-2028-energy_per_output"]
    bad = client.post(url, {"version": 1, "action": "save", "prior-2028-energy_per_output": "很多"})
    assert bad.status_code == 200
    assert bad.context["form"].non_field_errors() == ["单位产值综合能耗（2028 年）：请填写不小于 0 的数字。"]
    assert not PriorYearValue.objects.exists() and not Filing.objects.exists()
    client.post(url, {"version": 1, "action": "save", "months_reported": 12, "prior-2028-energy_per_output": "21.5"})
    assert list(PriorYearValue.objects.values_list("year", "code", "value")) == [
        (2028, "energy_per_output", Decimal("21.500000"))]
    assert client.get(url).context["prior_rows"][0]["cells"][1]["value"] == Decimal("21.500000")


def test_returned_filing_asks_for_an_answer_when_resubmitted_unchanged(client, campaign, gz_unit, gz_reviewer):
    enterprise = factories.enterprise_user(gz_unit)
    filing = submitted_filing(campaign, gz_unit, enterprise)
    review_services.return_filing(filing, "请核实能耗", actor=gz_reviewer)
    filing = Filing.objects.get(pk=filing.pk)
    login(client, enterprise)
    url = reverse("reviews:filing_edit", args=[2030, gz_unit.pk])
    form = client.get(url).context["form"]
    data = {name: ("" if value is None else value) for name, value in form.initial.items() if name in form.fields}
    data = {k: v for k, v in data.items() if v is not False}
    data.update({"version": filing.version, "action": "submit"})
    response = client.post(url, data)
    assert response.context["form"].errors["return_answer"] == [
        "地市退回后填报内容未作任何修改：请修改填报内容，或在“对地市退回的答复”中答复退回理由（可用文字或附件答复）。"]
    assert Filing.objects.get(pk=filing.pk).state == FilingState.RETURNED
    data.update({"version": Filing.objects.get(pk=filing.pk).version, "return_answer": "已核实，能耗数据无误。"})
    response = client.post(url, data)
    assert response.status_code == 302
    filing = Filing.objects.get(pk=filing.pk)
    assert (filing.state, filing.return_answer) == (FilingState.SUBMITTED, "已核实，能耗数据无误。")
    login(client, gz_reviewer)
    page = client.get(reverse("reviews:review_filing", args=[filing.pk]))
    assert page.context["history"][0]["comment"] == "对退回的答复：已核实，能耗数据无误。"
