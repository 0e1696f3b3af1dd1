"""Who and which path every registry change records, the scoping rules' corners, and the credit-code errors:
the real gaps among `make mutation`'s survivors of registry/services.py, access.py and creditcode.py."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from registry import access, creditcode, services, signals
from registry.enums import HistorySource, Level, MembershipScope, UnitKind, UnitStatus
from registry.models import City, District, Enterprise, EnterpriseHistory, Membership, Unit, UnitHistory
from tests import factories

pytestmark = pytest.mark.django_db


def trail(unit) -> set[tuple]:
    """(actor id, source) of every history entry of the unit."""
    return set(UnitHistory.objects.filter(unit=unit).values_list("actor_id", "source"))


@pytest.fixture
def senders():
    heard = []

    def removed(sender, unit, actor, **kwargs):
        heard.append(("removed", sender, actor))

    def renamed(sender, unit, actor, **kwargs):
        heard.append(("renamed", sender, actor))

    signals.unit_removed.connect(removed, weak=False, dispatch_uid="t-senders-removed")
    signals.unit_renamed.connect(renamed, weak=False, dispatch_uid="t-senders-renamed")
    yield heard
    signals.unit_removed.disconnect(dispatch_uid="t-senders-removed")
    signals.unit_renamed.disconnect(dispatch_uid="t-senders-renamed")


# --- every path records its actor and its source, and announces with the actor ------------------------------

def test_removal_records_and_announces_who_and_how(gz_unit, province, senders):
    services.remove_unit(gz_unit, actor=province, reason="撤销", source=HistorySource.MIIT_DECISION)
    assert trail(gz_unit) == {(province.pk, HistorySource.MIIT_DECISION)}
    assert senders == [("removed", Unit, province)]


def test_bulk_changes_record_and_announce_who_and_how(province, senders):
    unit = factories.UnitFactory()
    services.apply_changes([(unit, {"name": "导入更名有限公司", **services.removal_changes("导入")})], actor=province,
                           reason="导入", source=HistorySource.IMPORT)
    assert trail(unit) == {(province.pk, HistorySource.IMPORT)}
    assert sorted(senders, key=lambda s: s[0]) == [("removed", Unit, province), ("renamed", Unit, province)]


def test_renaming_an_entity_records_who_and_how_on_every_listing_and_the_entity(province, senders):
    enterprise = Enterprise.objects.create(name="旧名有限公司", credit_code=factories.valid_code())
    units = [factories.UnitFactory(name="旧名有限公司", enterprise=enterprise, credit_code=enterprise.credit_code)
             for _ in range(2)]
    entries = services.rename_unit(units[0], "新名有限公司", actor=province, reason="更" * 600,
                                   source=HistorySource.MIIT_DECISION)
    assert sorted(e.unit_id for e in entries) == sorted(u.pk for u in units)  # both listings' entries returned
    for unit in units:
        assert trail(unit) == {(province.pk, HistorySource.MIIT_DECISION)}
    entity = EnterpriseHistory.objects.get(enterprise=enterprise)
    assert (entity.actor, entity.source, entity.reason) == (province, HistorySource.MIIT_DECISION, "更" * 500)
    assert senders == [("renamed", Unit, province)] * 2


def test_the_edit_form_records_a_manual_change_by_its_author(gz_unit, gz_reviewer):
    services.edit_unit(gz_unit, {"contact_name": "王工"}, actor=gz_reviewer, reason="核实")
    assert trail(gz_unit) == {(gz_reviewer.pk, HistorySource.MANUAL)}
    with pytest.raises(ValidationError):
        services.edit_unit(gz_unit, {"contact_name": "李工"}, actor=gz_reviewer, reason=None)


def test_new_units_record_who_and_how_with_a_bounded_reason(province):
    unit = Unit(name="新列入工厂", kind=UnitKind.FACTORY, level=Level.NATIONAL, city=City.objects.get(name="广州市"),
                credit_code="", year_listed=2025, industry=factories.Industry.objects.get(code="39"))
    services.create_units([unit], actor=province, reason="列" * 600, source=HistorySource.MIIT_LIST)
    entry = UnitHistory.objects.get(unit=unit)
    assert (entry.actor, entry.source, entry.reason, entry.old_value) == (
        province, HistorySource.MIIT_LIST, "列" * 500, "")


def test_placing_under_an_enterprise_records_who_and_how_and_keeps_an_unknown_code_empty(gz_unit, province):
    parent = Enterprise.objects.create(name="尚无代码的母公司")
    services.place_under_enterprise(gz_unit, parent, actor=province, reason="并入", source=HistorySource.MIIT_LIST)
    unit = Unit.objects.get(pk=gz_unit.pk)
    assert (unit.enterprise_id, unit.credit_code) == (parent.pk, "")
    assert trail(gz_unit) == {(province.pk, HistorySource.MIIT_LIST)}


# --- credit codes: the enterprise's own units only, with the actor; the owner named -------------------------

def test_a_new_code_moves_only_the_enterprises_own_units_and_says_who(province):
    enterprise = Enterprise.objects.create(name="补录代码企业")
    mine = factories.UnitFactory(enterprise=enterprise, credit_code="")
    other_enterprise = Enterprise.objects.create(name="另一家企业")
    other = factories.UnitFactory(enterprise=other_enterprise, credit_code="")
    code = factories.valid_code()
    services.set_credit_code(enterprise, code, actor=province, reason="补录", source=HistorySource.IMPORT)
    assert Unit.objects.get(pk=mine.pk).credit_code == code
    untouched = Unit.objects.get(pk=other.pk)
    assert (untouched.enterprise_id, untouched.credit_code) == (other_enterprise.pk, "")
    assert trail(mine) == {(province.pk, HistorySource.IMPORT)}
    entity = EnterpriseHistory.objects.get(enterprise=enterprise)
    assert (entity.actor, entity.source, entity.reason) == (province, HistorySource.IMPORT, "补录")
    with pytest.raises(ValidationError):
        services.set_credit_code(enterprise, factories.valid_code(), actor=province, reason=None)


def test_a_code_of_another_enterprise_is_refused_naming_it(province):
    owner = Enterprise.objects.create(name="代码所有者有限公司", credit_code=factories.valid_code())
    enterprise = Enterprise.objects.create(name="申请企业")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.set_credit_code(enterprise, owner.credit_code, actor=province, reason="更正")
    assert refused.value.message_dict == {"credit_code": ["This code already belongs to “代码所有者有限公司”."]}


# --- statistics: a list filter never brings removed units or other levels back -------------------------------

def test_statistics_of_a_list_still_count_listed_units_of_the_level_only(db):
    guangzhou = City.objects.get(name="广州市")
    tianhe = District.objects.get(city=guangzhou, name="天河区")
    year_list = factories.published_list("2025年度")
    on_list = {"listed_in": year_list, "batch": None, "year_listed": 2025, "district": tianhe}
    factories.UnitFactory(**on_list)
    factories.UnitFactory(status=UnitStatus.REMOVED, **on_list)
    factories.UnitFactory(level=Level.PROVINCIAL, **on_list)
    with translation.override("en"):
        stats = services.city_statistics(Level.NATIONAL, published=year_list)
        by_district = services.district_statistics(guangzhou, Level.NATIONAL, published=year_list)
    assert next(r.factories for r in stats.rows if r.city == "广州市") == 1
    assert (stats.total.city, stats.total.factories) == ("Total", 1)
    row = next(r for r in by_district.rows if r.city == "天河区")
    assert (row.factories, row.city_id) == (1, tianhe.pk)
    assert (by_district.total.city, by_district.total.factories) == ("Total", 1)


# --- access ------------------------------------------------------------------------------------------------------

def test_roles_name_the_enterprises_a_person_acts_for(gz_unit):
    user = factories.enterprise_user(gz_unit)
    roles = access.roles_of(user)
    assert roles.enterprise_ids == frozenset({gz_unit.enterprise_id})
    assert roles.unit_ids == frozenset({gz_unit.pk}) and roles.province is False


def test_a_city_reviewer_who_also_reviews_a_district_elsewhere_sees_both(gz_unit):
    shenzhen = City.objects.get(name="深圳市")
    futian = District.objects.get(city=shenzhen, name="福田区")
    elsewhere = factories.UnitFactory(city=shenzhen, district=futian)
    outside = factories.UnitFactory(city=shenzhen)
    user = factories.city_user("广州市")
    Membership.objects.create(user=user, scope=MembershipScope.DISTRICT, district=futian)
    access.forget_roles(user)
    seen = set(access.visible_units(user).values_list("pk", flat=True))
    assert {gz_unit.pk, elsewhere.pk} <= seen and outside.pk not in seen
    # rows pointing at units (filings, proposals ...) are scoped the same way
    histories = [UnitHistory.objects.create(unit=u, field="contact_name", new_value="x", reason="r", source="manual")
                 for u in (gz_unit, elsewhere, outside)]
    scoped = set(access.scoped(UnitHistory.objects.all(), user).values_list("pk", flat=True))
    assert scoped == {histories[0].pk, histories[1].pk}


def test_acting_members_are_the_people_of_the_given_units_only(gz_unit, sz_unit):
    mine = factories.enterprise_user(gz_unit, "ent_mine")
    theirs = factories.enterprise_user(sz_unit, "ent_theirs")
    single = factories.UserFactory(username="unit_only")
    Membership.objects.create(user=single, scope=MembershipScope.UNIT, unit=sz_unit)
    assert access.acting_members(Unit.objects.filter(pk=gz_unit.pk)) == [(mine, gz_unit)]
    both = access.acting_members(Unit.objects.filter(pk__in=[gz_unit.pk, sz_unit.pk]))
    assert sorted((u.username, unit.pk) for u, unit in both) == sorted(
        [("ent_mine", gz_unit.pk), ("ent_theirs", sz_unit.pk), ("unit_only", sz_unit.pk)])
    assert theirs.pk != mine.pk


@pytest.mark.parametrize(("require", "message"), [
    (access.require_staff, "This page is for the provincial department and the city bureaus."),
    (access.require_registry_reader,
     "This page is for the provincial department, the city bureaus and the district reviewers."),
])
def test_refusals_say_who_the_page_is_for(gz_unit, require, message):
    with translation.override("en"), pytest.raises(PermissionDenied) as refused:
        require(factories.enterprise_user(gz_unit))
    assert str(refused.value) == message


def test_the_province_only_refusal_gives_the_rules_reason(gz_reviewer):
    from registry import rules

    with translation.override("en"):
        with pytest.raises(PermissionDenied) as refused:
            access.require_province(gz_reviewer)
        assert str(refused.value) == str(rules.is_province(gz_reviewer).reason) == \
            "Only the provincial department can do this."


# --- credit-code errors --------------------------------------------------------------------------------------------

def test_a_character_outside_the_alphabet_is_named():
    with pytest.raises(ValueError, match="character 'I' is not allowed"):
        creditcode.check_character("91440101MA59IIIII")
    with pytest.raises(ValueError, match="need exactly 17 characters"):
        creditcode.check_character("9144")


def test_the_field_validator_gives_its_error_code(db):
    good = factories.valid_code()
    wrong = good[:-1] + next(ch for ch in "0123456789" if ch != good[-1])
    creditcode.validate_credit_code(good)
    with pytest.raises(ValidationError) as refused:
        creditcode.validate_credit_code(wrong)
    assert refused.value.code == "invalid_credit_code"
