"""Method v1.1's applicability table, edited by the province: an audited service, a page, and runs that record
the table they used (its pairs and its version). By default every indicator applies everywhere."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from lxml import html as lxml_html

from greencode import applicability
from greencode.models import NotApplicable, Score
from greencode.services import scoring
from registry.models import Industry
from reviews.models import Transition
from tests.conftest import login

from .conftest import YEAR

pytestmark = pytest.mark.django_db


def electronics():
    return Industry.objects.get(code="39")


def test_applicability_by_default_every_indicator_applies_and_the_version_is_the_empty_tables():
    assert applicability.snapshot() == ([], applicability.version({}))
    assert applicability.table() == []


def test_applicability_set_change_and_remove_are_audited_and_province_only(province, gz_reviewer):
    with pytest.raises(PermissionDenied):
        applicability.set_not_applicable(electronics(), "water_reuse_rate", "无工业用水循环", actor=gz_reviewer)
    row = applicability.set_not_applicable(electronics(), "water_reuse_rate", "无工业用水循环", actor=province)
    row = applicability.set_not_applicable(electronics(), "water_reuse_rate", " 干式工艺 ", actor=province)
    pk = row.pk
    with pytest.raises(PermissionDenied):
        applicability.remove_not_applicable(row, actor=gz_reviewer)
    applicability.remove_not_applicable(row, actor=province)
    trail = list(Transition.objects.filter(object_id=pk, content_type__model="notapplicable").order_by("at", "id")
                 .values_list("action", "actor", "comment"))
    label = "计算机、通信和其他电子设备制造业"
    assert [(a, actor) for a, actor, _c in trail] == [("not_applicable_set", province.pk),
                                                      ("not_applicable_set", province.pk),
                                                      ("not_applicable_removed", province.pk)]
    assert trail[1][2].endswith(": 无工业用水循环 ⇒ 干式工艺") and label in trail[1][2]
    assert not NotApplicable.objects.exists()


@pytest.mark.parametrize(("code", "reason"), [("energy_per_product", "不计分的指标"), ("water_reuse_rate", "  "),
                                              ("water_reuse_rate", "长" * 301)])
def test_applicability_refuses_an_unscored_indicator_or_a_missing_or_long_reason(province, code, reason):
    with pytest.raises(applicability.ApplicabilityError):
        applicability.set_not_applicable(electronics(), code, reason, actor=province)
    assert not NotApplicable.objects.exists()


def test_applicability_the_database_refuses_an_unscored_indicator():
    with pytest.raises(IntegrityError), transaction.atomic():
        NotApplicable.objects.create(industry=electronics(), code="energy_per_product", reason="x")


def test_applicability_a_run_leaves_the_pair_out_and_records_the_table_and_its_version(make_factory, province):
    unit = make_factory({"energy_per_output": 10, "water_reuse_rate": 80})
    before = scoring.run_cohort(YEAR, "national").run
    applicability.set_not_applicable(electronics(), "water_reuse_rate", "干式工艺", actor=province)
    after = scoring.run_cohort(YEAR, "national").run
    old, new = (Score.objects.get(run=r, unit=unit) for r in (before, after))
    assert (old.s_water_reuse_rate, new.s_water_reuse_rate) == (50.0, None)  # one peer: 100 × ½ ÷ 1
    assert (before.peer_rules["not_applicable"], after.peer_rules["not_applicable"]) == (
        [], [[unit.industry_id, "water_reuse_rate"]])
    assert before.peer_rules["applicability_version"] == applicability.version({})
    assert after.peer_rules["applicability_version"] == applicability.current_version() == applicability.version(
        {"39": {"water_reuse_rate": "干式工艺"}})
    before.refresh_from_db()
    assert before.peer_rules["not_applicable"] == []  # an earlier run keeps the table it used


def test_applicability_version_depends_on_pairs_and_reasons_only():
    one = applicability.version({"39": {"a": "x", "b": "y"}, "13": {}})
    assert one == applicability.version({"39": {"b": "y", "a": "x"}})
    assert one != applicability.version({"39": {"a": "x", "b": "z"}})
    assert len(one) == 12


def test_applicability_page_lists_saves_and_names_a_bad_field(client, province, django_assert_max_num_queries):
    login(client, province)
    url = reverse("greencode:applicability")
    r = client.post(url, {"industry": electronics().pk, "code": "water_reuse_rate", "reason": ""})
    assert r.status_code == 200 and not NotApplicable.objects.exists()
    assert "不适用原因：不能为空。" in r.content.decode()
    r = client.post(url, {"industry": electronics().pk, "code": "water_reuse_rate", "reason": "干式工艺"})
    assert r.status_code == 302 and NotApplicable.objects.get().reason == "干式工艺"
    applicability.set_not_applicable(electronics(), "building_density", "多层厂房", actor=province)
    applicability.set_not_applicable(Industry.objects.get(code="38"), "renewable_share", "示例", actor=province)
    with django_assert_max_num_queries(12):
        page = lxml_html.fromstring(client.get(url).content.decode())
    rows = [[td.text_content().strip() for td in tr.xpath("./td")][:3]
            for tr in page.get_element_by_id("applicability-table").xpath(".//tbody/tr")]
    assert [r[1:] for r in rows] == [["可再生能源利用率", "示例"], ["建筑密度", "多层厂房"],
                                     ["工业用水重复利用率", "干式工艺"]]  # by division (38, 39), then indicator


def test_applicability_page_lists_in_a_constant_number_of_queries(client, province, django_assert_num_queries):
    login(client, province)
    url = reverse("greencode:applicability")
    applicability.set_not_applicable(electronics(), "water_reuse_rate", "示例", actor=province)
    with django_assert_num_queries(7) as one:
        client.get(url)
    for code in ("building_density", "floor_area_ratio"):
        applicability.set_not_applicable(electronics(), code, "示例", actor=province)
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(url)


def test_applicability_removal_asks_for_confirmation_first(client, province):
    row = applicability.set_not_applicable(electronics(), "water_reuse_rate", "干式工艺", actor=province)
    login(client, province)
    url = reverse("greencode:applicability_remove", args=[row.pk])
    assert client.get(url).status_code == 200
    assert NotApplicable.objects.filter(pk=row.pk).exists()
    assert client.post(url).status_code == 302
    assert not NotApplicable.objects.exists()


def test_applicability_pages_are_the_provinces_only(client, gz_reviewer, province):
    row = applicability.set_not_applicable(electronics(), "water_reuse_rate", "干式工艺", actor=province)
    login(client, gz_reviewer)
    assert client.get(reverse("greencode:applicability")).status_code == 403
    assert client.post(reverse("greencode:applicability_remove", args=[row.pk])).status_code == 403
    assert NotApplicable.objects.filter(pk=row.pk).exists()


def test_applicability_the_method_page_publishes_the_provinces_table_and_its_version(client, province):
    applicability.set_not_applicable(electronics(), "water_reuse_rate", "干式工艺", actor=province)
    html = client.get(reverse("greencode:method")).content.decode()
    assert f"版本 {applicability.current_version()}" in html
    page = lxml_html.fromstring(html)
    cells = [td.text_content().strip() for td in page.xpath("//table[.//th[text()='不适用的原因']]//tbody//td")]
    assert cells == ["39 计算机、通信和其他电子设备制造业", "工业用水重复利用率", "干式工艺"]
