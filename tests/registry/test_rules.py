"""registry/rules.py rule by rule: who is the province, who reviews which unit and city, who acts for a unit, who
edits a unit, a city's review areas and an enterprise's credit code. Every rule is asked by each kind of person
(province, the unit's city, another city, the unit's district, another district, the enterprise, a single-unit
member, a person with no membership, nobody logged in), and each denial is compared whole, in English and in
Chinese (the portal's language).
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import translation

from greenmfg.rules import ALLOWED, Decision
from registry import rules
from registry.enums import MembershipScope, UnitStatus
from registry.models import Membership
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

NOT_PROVINCE = Decision(False, "Only the provincial department can do this.")
NOT_CITY_OF_UNIT = Decision(False, "Only the city bureau of the unit's city can do this.")
NOT_DISTRICT = Decision(False, "Only the reviewer of the unit's district can do this.")
NOT_CITY = Decision(False, "Only the city's own bureau can do this.")
NOT_ENTERPRISE = Decision(False, "Only the enterprise itself can do this.")
NOT_LISTED = Decision(False, "This unit is no longer on the list.")
NOT_EDITOR = Decision(False, "Only the province or the unit's city bureau can change the unit.")
NOT_AREAS = Decision(False, "Only the city's own bureau or the province can add the city's review areas.")
NOT_CODE = Decision(False, "Only the province or the bureau of the enterprise's city can change its credit code.")


@pytest.fixture
def unit(db):
    """A unit of 广州市, in its district 天河区."""
    return factories.UnitFactory(city=factories.city("广州市"), district=factories.district("天河区", "广州市"))


@pytest.fixture
def people(unit):
    """Each kind of person, named by how they stand to `unit`."""
    single = factories.UserFactory(username="single")
    Membership.objects.create(user=single, scope=MembershipScope.UNIT, unit=unit)
    return {
        "province": factories.province_user(),
        "city": factories.city_user("广州市", "gz"),
        "other_city": factories.city_user("深圳市", "sz"),
        "district": factories.district_user("天河区", "th", "广州市"),
        "other_district": factories.district_user("海珠区", "hz", "广州市"),
        "enterprise": factories.enterprise_user(unit),
        "other_enterprise": factories.enterprise_user(factories.UnitFactory()),
        "single": single,
        "no_membership": factories.UserFactory(username="nobody"),
        "anonymous": AnonymousUser(),
    }


ALL = ["province", "city", "other_city", "district", "other_district", "enterprise", "other_enterprise", "single",
       "no_membership", "anonymous"]


def answers(rule, people, *args) -> dict:
    return {who: rule(people[who], *args) for who in ALL}


def only(allowed: set, denial: Decision) -> dict:
    return {who: ALLOWED if who in allowed else denial for who in ALL}


def test_is_province_only_the_province(people):
    assert answers(rules.is_province, people) == only({"province"}, NOT_PROVINCE)


def test_reviews_unit_only_the_bureau_of_the_units_city_not_the_province(people, unit):
    assert answers(rules.reviews_unit, people, unit) == only({"city"}, NOT_CITY_OF_UNIT)


def test_reviews_unit_follows_the_units_city(people):
    shenzhen_unit = factories.UnitFactory(city=factories.city("深圳市"))
    assert answers(rules.reviews_unit, people, shenzhen_unit) == only({"other_city"}, NOT_CITY_OF_UNIT)


def test_reviews_district_unit_only_the_units_own_district(people, unit):
    assert answers(rules.reviews_district_unit, people, unit) == only({"district"}, NOT_DISTRICT)


def test_reviews_district_unit_never_a_city_level_unit(people):
    city_level = factories.UnitFactory(city=factories.city("广州市"), district=None)
    assert answers(rules.reviews_district_unit, people, city_level) == only(set(), NOT_DISTRICT)


def test_reviews_district_unit_follows_the_units_district(people):
    haizhu_unit = factories.UnitFactory(city=factories.city("广州市"), district=factories.district("海珠区", "广州市"))
    assert answers(rules.reviews_district_unit, people, haizhu_unit) == only({"other_district"}, NOT_DISTRICT)


def test_reviews_city_only_the_citys_own_bureau(people):
    assert answers(rules.reviews_city, people, factories.city("广州市")) == only({"city"}, NOT_CITY)
    assert answers(rules.reviews_city, people, factories.city("深圳市")) == only({"other_city"}, NOT_CITY)


def test_acts_for_the_enterprise_and_the_units_own_member(people, unit):
    assert answers(rules.acts_for, people, unit) == only({"enterprise", "single"}, NOT_ENTERPRISE)


def test_acts_for_every_unit_of_the_enterprise_but_a_single_unit_member_for_one(people, unit):
    branch = factories.UnitFactory(enterprise=unit.enterprise, credit_code=unit.credit_code)
    assert answers(rules.acts_for, people, branch) == only({"enterprise"}, NOT_ENTERPRISE)


@pytest.mark.parametrize(("status", "decision"), [(UnitStatus.LISTED, ALLOWED), (UnitStatus.REMOVED, NOT_LISTED)])
def test_is_listed(status, decision):
    assert rules.is_listed(factories.UnitFactory(status=status)) == decision


def test_can_edit_unit_the_province_or_the_units_city(people, unit):
    assert answers(rules.can_edit_unit, people, unit) == only({"province", "city"}, NOT_EDITOR)


def test_manages_districts_the_citys_bureau_or_the_province(people):
    assert answers(rules.manages_districts, people, factories.city("广州市")) == only({"province", "city"}, NOT_AREAS)
    assert answers(rules.manages_districts, people, factories.city("深圳市")) == only({"province", "other_city"},
                                                                                     NOT_AREAS)


def test_can_set_credit_code_the_province_or_a_city_where_the_enterprise_has_a_unit(people, unit):
    assert answers(rules.can_set_credit_code, people, unit.enterprise) == only({"province", "city"}, NOT_CODE)


def test_can_set_credit_code_any_city_of_the_enterprises_units(people, unit):
    factories.UnitFactory(enterprise=unit.enterprise, credit_code=unit.credit_code, city=factories.city("深圳市"))
    assert answers(rules.can_set_credit_code, people, unit.enterprise) == only({"province", "city", "other_city"},
                                                                               NOT_CODE)


def test_can_set_credit_code_not_a_city_where_the_enterprise_has_no_unit(people):
    foshan_unit = factories.UnitFactory(city=factories.city("佛山市"))
    assert answers(rules.can_set_credit_code, people, foshan_unit.enterprise) == only({"province"}, NOT_CODE)


@pytest.mark.parametrize(("rule", "reason"), [
    (lambda user, unit: rules.is_province(user), "只有省工信厅可以进行此操作。"),
    (rules.reviews_unit, "只有该单位所在地市的工信局可以进行此操作。"),
    (rules.reviews_district_unit, "只有该单位所在区县的审核员可以进行此操作。"),
    (lambda user, unit: rules.reviews_city(user, unit.city), "只有本市工信局可以进行此操作。"),
    (rules.acts_for, "只有企业本身可以进行此操作。"),
    (rules.can_edit_unit, "只有省工业和信息化厅或该单位所在地市的工信局可以修改单位信息。"),
    (lambda user, unit: rules.manages_districts(user, unit.city), "只有本市工信局或省厅可以添加本市的审核片区。"),
    (lambda user, unit: rules.can_set_credit_code(user, unit.enterprise),
     "只有省厅或企业所在地市的工信局可以修改其统一社会信用代码。"),
])
def test_each_denial_is_said_in_chinese(unit, rule, reason):
    with translation.override("zh-hans"):
        assert rule(factories.UserFactory(username="nobody"), unit) == Decision(False, reason)


def test_is_listed_denial_is_said_in_chinese():
    with translation.override("zh-hans"):
        assert rules.is_listed(factories.UnitFactory(status=UnitStatus.REMOVED)) == Decision(False, "该单位已不在名单内。")
