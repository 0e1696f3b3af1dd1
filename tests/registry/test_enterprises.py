"""The legal entity apart from its listings: codes, names, branches, districts — through registry.services."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from registry import access, services
from registry.creditcode import make_code
from registry.enums import HistorySource, UnitKind
from registry.models import District, Enterprise, EnterpriseHistory, UnitHistory
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    """One legal entity on two lists: a green factory and a green supply-chain firm, one code."""
    factory = factories.UnitFactory(name="广东美的制冷设备有限公司", city=factories.city("佛山市"))
    chain = factories.UnitFactory(name=factory.name, city=factory.city, kind=UnitKind.SUPPLY_CHAIN,
                                  credit_code=factory.credit_code, enterprise=factory.enterprise)
    return factory.enterprise, factory, chain


def typo_of(code: str) -> str:
    return code[:-1] + ("0" if code[-1] != "0" else "1")


def test_enterprise_holds_two_listings_under_one_code(company):
    enterprise, factory, chain = company
    assert list(enterprise.units.order_by("kind")) == [factory, chain]
    assert Enterprise.objects.filter(credit_code=factory.credit_code).count() == 1


def test_enterprise_account_acts_for_all_its_units_and_no_more(company):
    enterprise, factory, chain = company
    other = factories.UnitFactory(city=factory.city)
    user = factories.enterprise_user(factory)
    assert access.roles_of(user).unit_ids == {factory.pk, chain.pk}
    assert set(access.visible_units(user)) == {factory, chain}
    assert other not in access.visible_units(user)


def test_set_credit_code_refuses_a_masked_code(company, province):
    enterprise, *_ = company
    with translation.override("en"), pytest.raises(ValidationError, match="masked"):
        services.set_credit_code(enterprise, "91440606MAD******E", actor=province, reason="公告")


def test_set_credit_code_a_failing_check_only_by_the_province_with_a_reason(company, province):
    enterprise, factory, chain = company
    old = enterprise.credit_code
    legacy = typo_of(make_code("440600", "L9527ABCD"))  # a legal pre-2016 code that fails the check
    reviewer = factories.city_user("佛山市", "fs")
    with pytest.raises(ValidationError):
        services.set_credit_code(enterprise, legacy, actor=reviewer, reason="营业执照")
    with pytest.raises(PermissionDenied):
        services.set_credit_code(enterprise, legacy, actor=reviewer, reason="营业执照", accept_failed_check=True)
    with pytest.raises(ValidationError):
        services.set_credit_code(enterprise, legacy, actor=province, reason="  ", accept_failed_check=True)
    services.set_credit_code(enterprise, f" {legacy.lower()} ", actor=province,
                             reason="2015年试点地区颁发的营业执照，经核实有效", accept_failed_check=True)
    enterprise.refresh_from_db()
    assert (enterprise.credit_code, enterprise.code_check_waiver) == (legacy, "2015年试点地区颁发的营业执照，经核实有效")
    entry = EnterpriseHistory.objects.get(enterprise=enterprise, field="credit_code")
    assert (entry.old_value, entry.new_value, entry.actor) == (old, legacy, province)
    # Both listings carry the new code, each with its history.
    factory.refresh_from_db()
    chain.refresh_from_db()
    assert factory.credit_code == chain.credit_code == legacy
    assert UnitHistory.objects.filter(field="credit_code", new_value=legacy).count() == 2


def test_set_credit_code_a_valid_code_by_the_city_bureau_not_another_city(company):
    enterprise, *_ = company
    new = make_code("440600", "MA4WNEW01")
    with pytest.raises(PermissionDenied):
        services.set_credit_code(enterprise, new, actor=factories.city_user("广州市", "gz"), reason="更正")
    services.set_credit_code(enterprise, new, actor=factories.city_user("佛山市", "fs"), reason="更正")
    enterprise.refresh_from_db()
    assert (enterprise.credit_code, enterprise.code_check_waiver) == (new, "")


def test_set_credit_code_refuses_another_enterprises_code(company, province):
    enterprise, *_ = company
    other = factories.UnitFactory()
    with pytest.raises(ValidationError):
        services.set_credit_code(enterprise, other.credit_code, actor=province, reason="更正")


def test_a_branch_is_a_listing_of_its_parent_with_its_own_code(company, province):
    enterprise, *_ = company
    branch = factories.UnitFactory(name="广东美的制冷设备有限公司顺德分公司", city=factories.city("佛山市"))
    own_enterprise = branch.enterprise
    own = factories.valid_code("440600")
    services.place_under_enterprise(branch, enterprise, branch_code=own, actor=province, reason="分支机构")
    branch.refresh_from_db()
    assert (branch.enterprise, branch.branch_code, branch.credit_code, branch.is_branch) == (enterprise, own, own, True)
    assert own_enterprise.units.count() == 0
    # A plant without its own registration carries its parent's code.
    services.place_under_enterprise(branch, enterprise, actor=province, reason="无独立登记")
    branch.refresh_from_db()
    assert (branch.branch_code, branch.credit_code) == ("", enterprise.credit_code)


def test_renaming_the_entitys_listing_renames_the_entity_and_its_other_listing(company):
    enterprise, factory, chain = company
    services.rename_unit(factory, "美的集团制冷设备有限公司", actor=None, reason="MIIT 变更名称",
                         source=HistorySource.MIIT_DECISION)
    enterprise.refresh_from_db()
    chain.refresh_from_db()
    assert enterprise.name == chain.name == "美的集团制冷设备有限公司"
    assert EnterpriseHistory.objects.get(enterprise=enterprise, field="name").old_value == "广东美的制冷设备有限公司"


def test_edit_unit_district_must_be_of_the_units_city(province, gz_unit):
    with pytest.raises(ValidationError):
        services.edit_unit(gz_unit, {"district": factories.district("南山区")}, actor=province, reason="x")
    services.edit_unit(gz_unit, {"district": factories.district("天河区")}, actor=province, reason="核实地址")
    gz_unit.refresh_from_db()
    assert gz_unit.district.name == "天河区"


def test_edit_unit_the_list_sets_the_batch_and_the_year(province, gz_unit):
    services.edit_unit(gz_unit, {"listed_in": factories.published_list("2024年度")}, actor=province, reason="更正")
    gz_unit.refresh_from_db()
    assert (gz_unit.listed_in.name, gz_unit.batch, gz_unit.year_listed) == ("2024年度", None, 2024)


def test_add_review_area_by_the_city_or_the_province_only(gz_reviewer, province):
    zhongshan = factories.city("中山市")
    with pytest.raises(PermissionDenied):
        services.add_review_area(zhongshan, "火炬开发区", actor=gz_reviewer)
    services.add_review_area(zhongshan, "火炬开发区", actor=province)
    services.add_review_area(factories.city("广州市"), "广州开发区", actor=gz_reviewer)
    with pytest.raises(ValidationError):
        services.add_review_area(zhongshan, "火炬开发区", actor=province)
    assert set(District.objects.filter(kind="review_area").values_list("name", flat=True)) == {"火炬开发区", "广州开发区"}


def test_districts_fixture_is_guangdongs_divisions():
    assert District.objects.filter(kind="division").count() == 122
    assert District.objects.get(name="深汕特别合作区").city.name == "深圳市"
    assert not District.objects.filter(city__name__in=["东莞市", "中山市"], kind="division").exists()
    # Abolished counties are not in it (and codes naming them stay valid: see test_creditcode).
    assert not District.objects.filter(code__in=["445221", "441283"]).exists()
