"""registry/services.py function by function: what each writes to the history, what it announces, what it
refuses, and the statistics' filters. (test_services.py follows the removal chain end to end.)"""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from registry import services, signals
from registry.enums import DistrictKind, HistorySource, Level, UnitKind, UnitStatus
from registry.models import City, District, Enterprise, Unit, UnitHistory
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    """Every unit_removed and unit_renamed sent while the test runs: [(signal name, unit id, details)]."""
    events = []

    def removed(sender, unit, actor, reason, **kwargs):
        events.append(("removed", unit.pk, reason))

    def renamed(sender, unit, old_name, new_name, actor, **kwargs):
        events.append(("renamed", unit.pk, (old_name, new_name)))

    signals.unit_removed.connect(removed, weak=False, dispatch_uid="test-heard-removed")
    signals.unit_renamed.connect(renamed, weak=False, dispatch_uid="test-heard-renamed")
    yield events
    signals.unit_removed.disconnect(dispatch_uid="test-heard-removed")
    signals.unit_renamed.disconnect(dispatch_uid="test-heard-renamed")


def history(unit) -> list[tuple]:
    return list(UnitHistory.objects.filter(unit=unit).order_by("pk").values_list(
        "field", "old_value", "new_value", "reason", "source"))


# --- history_entries and update_unit ---------------------------------------------------------------------------

def test_history_records_each_changed_field_as_text(gz_unit, province):
    gz_unit.status_date = None
    gz_unit.save()
    services.update_unit(gz_unit, actor=province, reason="更正", source=HistorySource.IMPORT,
                         contact_name="王工", status_date=dt.date(2026, 3, 1), level=Level.PROVINCIAL)
    assert history(gz_unit) == [
        ("contact_name", "", "王工", "更正", HistorySource.IMPORT),
        ("status_date", "", "2026-03-01", "更正", HistorySource.IMPORT),
        ("level", "national", "provincial", "更正", HistorySource.IMPORT),
    ]
    entry = UnitHistory.objects.filter(unit=gz_unit).first()
    assert entry.actor == province


def test_an_unchanged_value_or_relation_writes_nothing(gz_unit, province, django_assert_num_queries):
    before = Unit.objects.get(pk=gz_unit.pk).updated_at
    with django_assert_num_queries(3):  # savepoint, the locking read, release: no read of the related rows
        assert services.update_unit(gz_unit, actor=province, reason="x", city=gz_unit.city,
                                    industry=gz_unit.industry, name=gz_unit.name) == []
    assert history(gz_unit) == []
    assert Unit.objects.get(pk=gz_unit.pk).updated_at == before


def test_a_relation_set_to_none_and_back_is_recorded(gz_unit, province):
    district = District.objects.filter(city=gz_unit.city).first()
    services.update_unit(gz_unit, actor=province, reason="划区", district=district)
    services.update_unit(gz_unit, actor=province, reason="撤销", district=None)
    assert [(f, o, n) for f, o, n, _r, _s in history(gz_unit)] == [
        ("district", "", str(district)), ("district", str(district), "")]


def test_an_untracked_field_is_refused(gz_unit, province):
    with pytest.raises(ValueError, match="updated_at is not a tracked unit field"):
        services.update_unit(gz_unit, actor=province, reason="x", updated_at=timezone.now())


def test_the_reason_is_cut_to_500_characters(gz_unit, province):
    services.update_unit(gz_unit, actor=province, reason="因" * 600, contact_name="李工")
    assert UnitHistory.objects.get(unit=gz_unit).reason == "因" * 500


def test_the_callers_instance_is_kept_current_and_the_row_saved(gz_unit, province):
    stale = Unit.objects.get(pk=gz_unit.pk)
    services.update_unit(gz_unit, actor=province, reason="x", contact_phone="020-12345678")
    assert gz_unit.contact_phone == "020-12345678"
    assert Unit.objects.get(pk=gz_unit.pk).contact_phone == "020-12345678"
    assert Unit.objects.get(pk=gz_unit.pk).updated_at > stale.updated_at


def test_an_invalid_value_is_refused_whole(gz_unit, province):
    with pytest.raises(ValidationError):
        services.update_unit(gz_unit, actor=province, reason="x", contact_name="王工", year_listed=1800)
    assert Unit.objects.get(pk=gz_unit.pk).contact_name == ""
    assert history(gz_unit) == []


def test_a_status_change_must_be_a_move_of_the_machine(gz_unit, province, heard):
    services.remove_unit(gz_unit, actor=province, reason="撤销", source=HistorySource.MIIT_DECISION)
    assert services.update_unit(gz_unit, actor=province, reason="again", status=UnitStatus.REMOVED) == []
    assert heard == [("removed", gz_unit.pk, "撤销")]  # removing a removed unit announces nothing
    services.update_unit(gz_unit, actor=province, reason="重新列入", **services.relisting_changes())
    assert heard == [("removed", gz_unit.pk, "撤销")]  # relisting is not a removal
    assert Unit.objects.get(pk=gz_unit.pk).status == UnitStatus.LISTED


# --- removal and relisting values ------------------------------------------------------------------------------

def test_removal_changes_default_to_today_in_beijing_and_carry_the_list_only_when_given(db):
    published = factories.published_list("2025年度", purpose="removal")
    changes = services.removal_changes("原" * 600)
    assert changes == {"status": UnitStatus.REMOVED, "status_date": timezone.localdate(), "status_reason": "原" * 500}
    dated = services.removal_changes("r", date=dt.date(2026, 1, 2), removed_in=published)
    assert dated == {"status": UnitStatus.REMOVED, "status_date": dt.date(2026, 1, 2), "status_reason": "r",
                     "removed_in": published}
    assert services.relisting_changes(date=dt.date(2026, 5, 1)) == {
        "status": UnitStatus.LISTED, "status_date": dt.date(2026, 5, 1), "status_reason": "", "removed_in": None}
    assert services.relisting_changes()["status_date"] == timezone.localdate()


def test_remove_unit_records_status_date_reason_and_list(gz_unit, province, heard):
    published = factories.published_list("2025年度", purpose="removal")
    entries = services.remove_unit(gz_unit, actor=province, reason="工信部撤销", source=HistorySource.MIIT_LIST,
                                   date=dt.date(2026, 2, 3), removed_in=published)
    assert {e.field for e in entries} == {"status", "status_date", "status_reason", "removed_in"}
    unit = Unit.objects.get(pk=gz_unit.pk)
    assert (unit.status, unit.status_date, unit.status_reason, unit.removed_in) == (
        UnitStatus.REMOVED, dt.date(2026, 2, 3), "工信部撤销", published)
    assert heard == [("removed", gz_unit.pk, "工信部撤销")]


# --- apply_changes: many units, the same history and announcements --------------------------------------------

def test_apply_changes_writes_only_what_changed_and_announces_per_unit(province, heard):
    units = [factories.UnitFactory() for _ in range(4)]
    renamed, removed, untouched, also_removed = units
    old_name = renamed.name
    changed = services.apply_changes([
        (renamed, {"name": "新名称制造有限公司"}),
        (removed, services.removal_changes("导入")),
        (untouched, {"name": untouched.name, "city": untouched.city}),
        (also_removed, services.removal_changes("导入")),
    ], actor=province, reason="导入", source=HistorySource.IMPORT)
    assert changed == [renamed, removed, also_removed]
    assert heard == [("renamed", renamed.pk, (old_name, "新名称制造有限公司")),
                     ("removed", removed.pk, "导入"), ("removed", also_removed.pk, "导入")]
    assert Unit.objects.get(pk=renamed.pk).name == "新名称制造有限公司"
    assert Unit.objects.get(pk=removed.pk).status == UnitStatus.REMOVED
    assert history(untouched) == []
    assert set(UnitHistory.objects.filter(unit=removed, source=HistorySource.IMPORT).values_list("field", flat=True)) \
        == {"status", "status_date", "status_reason"}


def test_apply_changes_with_nothing_changed_writes_nothing(province, heard, django_assert_num_queries):
    unit = factories.UnitFactory()
    with django_assert_num_queries(2):  # the transaction's savepoint and its release
        assert services.apply_changes([(unit, {"name": unit.name})], actor=province, reason="x",
                                      source=HistorySource.IMPORT) == []
    assert heard == []


def test_apply_changes_a_bad_move_refuses_the_whole_batch(province):
    listed, other = factories.UnitFactory(), factories.UnitFactory()
    with pytest.raises(ValueError, match="'suspended' is not a unit status"):
        services.apply_changes([(listed, {"contact_name": "赵工"}), (other, {"status": "suspended"})],
                               actor=province, reason="x", source=HistorySource.IMPORT)
    assert Unit.objects.get(pk=listed.pk).contact_name == ""
    assert not UnitHistory.objects.exists()


# --- creating units and their enterprises ---------------------------------------------------------------------

def test_create_units_gives_each_a_first_history_entry_and_its_enterprises_code(province):
    guangzhou = City.objects.get(name="广州市")
    code = factories.valid_code()
    parent = Enterprise.objects.create(name="母公司", credit_code=factories.valid_code())
    def unit(name, **kw):
        return Unit(name=name, kind=UnitKind.FACTORY, level=Level.NATIONAL, city=guangzhou, year_listed=2024,
                    industry=factories.Industry.objects.get(code="39"), **kw)

    units = [unit("甲工厂", credit_code=code.lower()), unit("甲工厂二期", credit_code=code),
             unit("无代码工厂", credit_code=""), unit("母公司分厂", enterprise=parent, branch_code="")]
    services.create_units(units, actor=province, reason="首次导入", source=HistorySource.MIIT_LIST)
    first, second, nameless, branch = (Unit.objects.get(pk=u.pk) for u in units)
    assert first.enterprise_id == second.enterprise_id
    assert Enterprise.objects.get(pk=first.enterprise_id).credit_code == code
    assert Enterprise.objects.get(pk=first.enterprise_id).name == "甲工厂"
    assert (first.credit_code, second.credit_code) == (code, code)
    assert nameless.enterprise.name == "无代码工厂" and nameless.enterprise.credit_code is None
    assert nameless.credit_code == ""
    assert (branch.enterprise_id, branch.credit_code) == (parent.pk, parent.credit_code)
    for unit in units:
        assert history(unit) == [("status", "", UnitStatus.LISTED, "首次导入", HistorySource.MIIT_LIST)]


def test_create_units_joins_an_existing_enterprise_by_its_code(province):
    existing = Enterprise.objects.create(name="已有企业", credit_code=factories.valid_code())
    unit = Unit(name="新列入工厂", kind=UnitKind.FACTORY, level=Level.PROVINCIAL, city=City.objects.get(name="深圳市"),
                credit_code=existing.credit_code, year_listed=2024, industry=factories.Industry.objects.get(code="39"))
    services.create_units([unit], actor=province, reason="r", source=HistorySource.IMPORT)
    assert Unit.objects.get(pk=unit.pk).enterprise_id == existing.pk
    assert Enterprise.objects.count() == 1


def test_a_units_code_is_its_branch_code_before_its_enterprises(db):
    parent = Enterprise.objects.create(name="p", credit_code=factories.valid_code())
    branch = factories.valid_code()
    assert services.unit_code(Unit(enterprise=parent, branch_code=branch)) == branch
    assert services.unit_code(Unit(enterprise=parent, branch_code="")) == parent.credit_code
    assert services.unit_code(Unit(branch_code="")) == ""
    assert services.unit_code(Unit(enterprise=Enterprise.objects.create(name="q"), branch_code="")) == ""


# --- the edit form's rules -------------------------------------------------------------------------------------

def test_edit_unit_needs_a_reason_that_is_more_than_spaces(gz_unit, gz_reviewer):
    with pytest.raises(ValidationError) as refused:
        services.edit_unit(gz_unit, {"contact_name": "王工"}, actor=gz_reviewer, reason="   ")
    assert set(refused.value.message_dict) == {"reason"}
    services.edit_unit(gz_unit, {"contact_name": "王工"}, actor=gz_reviewer, reason="  电话核实  ")
    assert history(gz_unit) == [("contact_name", "", "王工", "电话核实", HistorySource.MANUAL)]


def test_edit_unit_names_every_field_the_city_may_not_change(gz_unit, gz_reviewer):
    with translation.override("en"), pytest.raises(PermissionDenied) as refused:
        services.edit_unit(gz_unit, {"year_listed": 2020, "level": Level.PROVINCIAL, "contact_name": "x"},
                           actor=gz_reviewer, reason="r")
    assert str(refused.value) == "You cannot change these fields: level, year_listed."
    assert history(gz_unit) == []


def test_edit_unit_the_province_may_change_the_level_and_clear_the_list(gz_unit, province):
    services.edit_unit(gz_unit, {"level": Level.PROVINCIAL, "listed_in": None}, actor=province, reason="更正")
    unit = Unit.objects.get(pk=gz_unit.pk)
    assert (unit.level, unit.listed_in, unit.batch, unit.year_listed) == (Level.PROVINCIAL, None, 8, 2023)


def test_a_district_of_the_units_own_city_is_accepted(gz_unit, gz_reviewer):
    own = District.objects.filter(city=gz_unit.city).first()
    services.edit_unit(gz_unit, {"district": own}, actor=gz_reviewer, reason="划区")
    assert Unit.objects.get(pk=gz_unit.pk).district == own


# --- renaming ---------------------------------------------------------------------------------------------------

def test_a_listing_with_its_own_name_is_renamed_alone(province, heard):
    enterprise = Enterprise.objects.create(name="集团有限公司", credit_code=factories.valid_code())
    plant = factories.UnitFactory(name="集团一厂", enterprise=enterprise, credit_code=enterprise.credit_code)
    sibling = factories.UnitFactory(name="集团有限公司", enterprise=enterprise, credit_code=enterprise.credit_code)
    entries = services.rename_unit(plant, "  集团第一工厂  ", actor=province, reason="更名",
                                   source=HistorySource.MIIT_DECISION)
    assert [(e.field, e.old_value, e.new_value) for e in entries] == [("name", "集团一厂", "集团第一工厂")]
    assert Enterprise.objects.get(pk=enterprise.pk).name == "集团有限公司"
    assert Unit.objects.get(pk=sibling.pk).name == "集团有限公司"
    assert heard == [("renamed", plant.pk, ("集团一厂", "集团第一工厂"))]


def test_renaming_to_the_same_name_changes_nothing(province, heard):
    unit = factories.UnitFactory(name="同名有限公司")
    assert services.rename_unit(unit, "同名有限公司 ", actor=province, reason="x", source=HistorySource.MANUAL) == []
    assert heard == [] and not unit.enterprise.history.exists()


# --- branches and credit codes -----------------------------------------------------------------------------------

def test_place_under_enterprise_checks_the_branch_code_and_is_for_the_province(gz_unit, province, gz_reviewer):
    parent = Enterprise.objects.create(name="母公司", credit_code=factories.valid_code())
    with pytest.raises(PermissionDenied):
        services.place_under_enterprise(gz_unit, parent, actor=gz_reviewer, reason="r")
    with pytest.raises(ValidationError) as refused:
        services.place_under_enterprise(gz_unit, parent, branch_code="91440101MA59ABCDE", actor=province, reason="r")
    assert set(refused.value.message_dict) == {"branch_code"}
    services.place_under_enterprise(gz_unit, parent, actor=province, reason="并入")
    unit = Unit.objects.get(pk=gz_unit.pk)
    assert (unit.enterprise_id, unit.branch_code, unit.credit_code) == (parent.pk, "", parent.credit_code)
    branch = factories.valid_code()
    services.place_under_enterprise(gz_unit, parent, branch_code=branch.lower(), actor=province, reason="分支机构")
    unit = Unit.objects.get(pk=gz_unit.pk)
    assert (unit.branch_code, unit.credit_code) == (branch, branch)


def test_a_new_enterprise_code_reaches_its_units_without_a_code_of_their_own(province):
    enterprise = Enterprise.objects.create(name="未知代码企业")
    plain = factories.UnitFactory(enterprise=enterprise, credit_code="")
    branch_code = factories.valid_code()
    branch = factories.UnitFactory(enterprise=enterprise, credit_code=branch_code, branch_code=branch_code)
    code = factories.valid_code()
    services.set_credit_code(enterprise, code, actor=province, reason="补录")
    assert Unit.objects.get(pk=plain.pk).credit_code == code
    assert Unit.objects.get(pk=branch.pk).credit_code == branch_code
    assert history(plain) == [("credit_code", "", code, "补录", HistorySource.MANUAL)]
    assert list(enterprise.history.values_list("field", "old_value", "new_value")) == [("credit_code", "", code)]


def test_set_credit_code_needs_a_reason(province):
    enterprise = Enterprise.objects.create(name="企业")
    with pytest.raises(ValidationError) as refused:
        services.set_credit_code(enterprise, factories.valid_code(), actor=province, reason=" ")
    assert set(refused.value.message_dict) == {"reason"}
    assert Enterprise.objects.get(pk=enterprise.pk).credit_code is None


# --- review areas ----------------------------------------------------------------------------------------------

def test_a_review_area_needs_a_new_name_in_its_city(gz_reviewer):
    guangzhou = City.objects.get(name="广州市")
    area = services.add_review_area(guangzhou, "  黄埔开发区  ", actor=gz_reviewer)
    assert (area.name, area.kind, area.code, area.city) == ("黄埔开发区", DistrictKind.REVIEW_AREA, "", guangzhou)
    for name in ("", "   ", "黄埔开发区"):
        with pytest.raises(ValidationError) as refused:
            services.add_review_area(guangzhou, name, actor=gz_reviewer)
        assert set(refused.value.message_dict) == {"name"}
    shenzhen = City.objects.get(name="深圳市")
    assert services.add_review_area(shenzhen, "黄埔开发区", actor=factories.province_user()).city == shenzhen


# --- statistics: the filters --------------------------------------------------------------------------------------

def _row(stats, name):
    return next((r.factories, r.supply_chain, r.parks) for r in stats.rows if r.city == name)


def test_city_statistics_by_level_and_list(db):
    guangzhou = City.objects.get(name="广州市")
    year_list = factories.published_list("2025年度")
    factories.UnitFactory(level=Level.NATIONAL)
    factories.UnitFactory(level=Level.PROVINCIAL, listed_in=year_list, batch=None, year_listed=2025)
    factories.UnitFactory(level=Level.NATIONAL, kind=UnitKind.SUPPLY_CHAIN)
    factories.UnitFactory(level=Level.NATIONAL, kind=UnitKind.PARK, industry=None, listed_in=year_list, batch=None,
                          year_listed=2025)
    factories.UnitFactory(level=Level.NATIONAL, status=UnitStatus.REMOVED)
    assert _row(services.city_statistics(), "广州市") == (1, 1, 1)
    assert _row(services.city_statistics(Level.PROVINCIAL), "广州市") == (1, 0, 0)
    assert _row(services.city_statistics(None), "广州市") == (2, 1, 1)
    assert _row(services.city_statistics(None, published=year_list), "广州市") == (1, 0, 1)
    stats = services.city_statistics(None)
    assert (stats.total.factories, stats.total.supply_chain, stats.total.parks) == (2, 1, 1)
    assert stats.max_factories == 2
    assert [r.number for r in stats.rows] == sorted(r.number for r in stats.rows)
    assert next(r for r in stats.rows if r.city == "广州市").city_id == guangzhou.pk
    assert services.CityStats().max_factories == 0


def test_district_statistics_by_level_list_and_an_unplaced_row(db):
    guangzhou = City.objects.get(name="广州市")
    tianhe = District.objects.get(city=guangzhou, name="天河区")
    year_list = factories.published_list("2025年度")
    factories.UnitFactory(district=tianhe)
    factories.UnitFactory(district=tianhe, level=Level.PROVINCIAL, listed_in=year_list, batch=None, year_listed=2025)
    factories.UnitFactory(district=tianhe, status=UnitStatus.REMOVED)
    factories.UnitFactory(district=None, kind=UnitKind.PARK, industry=None)
    factories.UnitFactory(city=City.objects.get(name="深圳市"))
    stats = services.district_statistics(guangzhou)
    by_name = {r.city: (r.factories, r.supply_chain, r.parks, r.number) for r in stats.rows}
    assert by_name["天河区"][:3] == (1, 0, 0)
    unplaced = stats.rows[-1]
    assert (unplaced.number, unplaced.factories, unplaced.parks) == (None, 0, 1)
    assert [r.number for r in stats.rows[:-1]] == list(range(1, guangzhou.districts.count() + 1))
    assert (stats.total.factories, stats.total.parks) == (1, 1)
    assert services.district_statistics(guangzhou, None).total.factories == 2
    by_list = services.district_statistics(guangzhou, None, published=year_list)
    assert (by_list.total.factories, by_list.total.parks) == (1, 0)
    assert all(r.number is not None for r in by_list.rows)  # no unplaced unit on that list: no such row
