"""City scoping: enforced in the querysets, so another city's unit is a 404 everywhere."""

import pytest
from django.conf import settings
from django.urls import reverse

from registry import access, rules
from tests import factories
from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_access_gz_reviewer_gets_404_on_a_shenzhen_unit(client, gz_reviewer, sz_unit):
    login(client, gz_reviewer)
    assert client.get(reverse("registry:unit_detail", args=[sz_unit.pk])).status_code == 404
    assert client.get(reverse("registry:unit_edit", args=[sz_unit.pk])).status_code == 404
    response = client.post(reverse("registry:unit_edit", args=[sz_unit.pk]), {"reason": "x", "contact_name": "hack"})
    assert response.status_code == 404
    sz_unit.refresh_from_db()
    assert sz_unit.contact_name == ""


def test_access_gz_reviewer_list_never_contains_another_city(client, gz_reviewer, gz_unit, sz_unit):
    login(client, gz_reviewer)
    response = client.get(reverse("registry:unit_list"))
    assert response.status_code == 200
    assert [u.pk for u in response.context["page"].object_list] == [gz_unit.pk]
    assert sz_unit.name not in response.content.decode()
    # Asking for Shenzhen through the filter cannot widen the scope.
    response = client.get(reverse("registry:unit_list"), {"city": sz_unit.city_id})
    assert sz_unit.name not in response.content.decode()
    response = client.get(reverse("registry:unit_list"), {"q": sz_unit.credit_code})
    assert list(response.context["page"].object_list) == []


def test_access_province_sees_every_city(client, province, gz_unit, sz_unit):
    login(client, province)
    response = client.get(reverse("registry:unit_list"))
    assert {u.pk for u in response.context["page"].object_list} == {gz_unit.pk, sz_unit.pk}
    assert client.get(reverse("registry:unit_detail", args=[sz_unit.pk])).status_code == 200


def test_access_enterprise_sees_only_its_own_unit(client, gz_unit, sz_unit):
    other = factories.UnitFactory(city=gz_unit.city)
    user = factories.enterprise_user(gz_unit)
    login(client, user)
    assert client.get(reverse("registry:unit_detail", args=[gz_unit.pk])).status_code == 200
    assert client.get(reverse("registry:unit_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("registry:unit_detail", args=[sz_unit.pk])).status_code == 404
    # Enterprises are not staff: the staff list and the registry edit page are forbidden.
    assert client.get(reverse("registry:unit_list")).status_code == 403
    assert client.get(reverse("registry:unit_edit", args=[gz_unit.pk])).status_code == 403


def test_access_two_roles_give_the_union_and_no_more(gz_unit, sz_unit):
    dongguan_unit = factories.UnitFactory(city=factories.city("东莞市"))
    user = factories.city_user("广州市", "dual")
    factories.Membership.objects.create(user=user, scope="unit", unit=sz_unit)
    access.forget_roles(user)
    visible = set(access.visible_units(user).values_list("pk", flat=True))
    assert visible == {gz_unit.pk, sz_unit.pk}
    assert dongguan_unit.pk not in visible
    # Holding a Shenzhen unit as an enterprise does not make the person a Shenzhen reviewer.
    assert set(access.reviewable_units(user).values_list("pk", flat=True)) == {gz_unit.pk}
    assert not rules.can_edit_unit(user, sz_unit)
    assert rules.can_edit_unit(user, gz_unit)


def test_access_user_without_role_sees_nothing(client, gz_unit):
    user = factories.UserFactory(username="nobody")
    assert list(access.visible_units(user)) == []
    login(client, user)
    assert client.get(reverse("home")).status_code == 403
    assert client.get(reverse("registry:unit_detail", args=[gz_unit.pk])).status_code == 404


def test_access_anonymous_is_sent_to_login(client, gz_unit):
    response = client.get(reverse("registry:unit_detail", args=[gz_unit.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("name", "expected"),
    [("registry:province_home", 403), ("registry:unit_import", 403), ("registry:unit_import_template", 403)],
)
def test_access_city_reviewer_cannot_open_province_pages(client, gz_reviewer, name, expected):
    login(client, gz_reviewer)
    assert client.get(reverse(name)).status_code == expected


def test_access_home_sends_each_role_to_its_page(client, province, gz_reviewer, gz_unit):
    homes = settings.ROLE_HOME_URLS
    assert login(client, province).get(reverse("home"))["Location"] == reverse(homes["province"])
    assert login(client, gz_reviewer).get(reverse("home"))["Location"] == reverse(homes["city"])
    ent = factories.enterprise_user(gz_unit)
    assert login(client, ent).get(reverse("home"))["Location"] == reverse(homes["enterprise"])


# --- districts: a district reviewer sees its district's units, and nothing else of the city ----------------------

@pytest.fixture
def tianhe_and_huangpu():
    tianhe = factories.UnitFactory(name="天河区工厂", district=factories.district("天河区"))
    huangpu = factories.UnitFactory(name="黄埔区工厂", district=factories.district("黄埔区"))
    unplaced = factories.UnitFactory(name="未分区工厂")
    return tianhe, huangpu, unplaced


def test_access_district_reviewer_sees_only_the_district(client, tianhe_and_huangpu, sz_unit):
    tianhe, huangpu, unplaced = tianhe_and_huangpu
    user = factories.district_user("天河区", "tianhe")
    assert set(access.visible_units(user)) == {tianhe}
    assert list(access.visible_cities(user)) == []  # never the whole city
    assert list(access.reviewable_units(user)) == []  # a district reviewer is no city staff
    assert list(access.district_units(user)) == [tianhe]  # the units of its first review
    assert list(access.visible_districts(user)) == [factories.district("天河区")]
    login(client, user)
    response = client.get(reverse("registry:unit_list"))
    assert [u.pk for u in response.context["page"].object_list] == [tianhe.pk]
    # Asking for the city or another district through the filters cannot widen the scope.
    for params in ({"city": tianhe.city_id}, {"district": huangpu.district_id}, {"q": "工厂"}):
        names = [u.name for u in client.get(reverse("registry:unit_list"), params).context["page"].object_list]
        assert set(names) <= {tianhe.name}
    for unit in (huangpu, unplaced, sz_unit):
        assert client.get(reverse("registry:unit_detail", args=[unit.pk])).status_code == 404
    assert client.get(reverse("registry:unit_edit", args=[tianhe.pk])).status_code == 403
    assert client.get(reverse("registry:city_stats")).status_code == 403
    assert client.get(reverse("home"))["Location"] == reverse(settings.ROLE_HOME_URLS["district"])


def test_access_district_units_are_none_for_other_roles(tianhe_and_huangpu, gz_reviewer, province):
    for user in (gz_reviewer, province):
        assert list(access.district_units(user)) == []


def test_rules_reviews_district_unit_only_its_own_districts(tianhe_and_huangpu, gz_reviewer):
    tianhe, huangpu, unplaced = tianhe_and_huangpu
    user = factories.district_user("天河区", "tianhe")
    assert rules.reviews_district_unit(user, tianhe)
    for unit in (huangpu, unplaced):
        assert not rules.reviews_district_unit(user, unit)
    assert not rules.reviews_district_unit(gz_reviewer, tianhe)  # the city bureau is not the district


def test_access_district_and_city_roles_give_the_union(tianhe_and_huangpu, sz_unit):
    tianhe, huangpu, unplaced = tianhe_and_huangpu
    user = factories.district_user("南山区", "dual_district")
    factories.Membership.objects.create(user=user, scope="city", city=factories.city("广州市"))
    access.forget_roles(user)
    assert set(access.visible_units(user)) == {tianhe, huangpu, unplaced}  # sz_unit has no district yet
    sz_unit.district = factories.district("南山区")
    sz_unit.save()
    assert set(access.visible_units(user)) == {tianhe, huangpu, unplaced, sz_unit}
    assert set(access.reviewable_units(user)) == {tianhe, huangpu, unplaced}


def test_access_unit_scope_q_covers_the_district(tianhe_and_huangpu):
    from reviews.models import Filing
    from tests.reviews import review_helpers as rh

    tianhe, huangpu, _unplaced = tianhe_and_huangpu
    campaign = rh.open_campaign()
    mine = rh.submitted_filing(campaign, tianhe, factories.enterprise_user(tianhe))
    rh.submitted_filing(campaign, huangpu, factories.enterprise_user(huangpu))
    user = factories.district_user("天河区", "tianhe_q")
    assert list(access.scoped(Filing.objects.all(), user)) == [mine]


def test_access_acting_members_gives_each_unit_its_people(tianhe_and_huangpu):
    tianhe, huangpu, _unplaced = tianhe_and_huangpu
    chain = factories.UnitFactory(name=tianhe.name, kind="supply_chain", credit_code=tianhe.credit_code,
                                  enterprise=tianhe.enterprise)
    factories.enterprise_user(tianhe, "company")
    plant = factories.UserFactory(username="plant")
    factories.Membership.objects.create(user=plant, scope="unit", unit=huangpu)
    gone = factories.enterprise_user(huangpu, "gone")
    gone.is_active = False
    gone.save()
    pairs = access.acting_members(factories.Unit.objects.all())
    assert sorted((u.username, unit.pk) for u, unit in pairs) == sorted(
        [("company", tianhe.pk), ("company", chain.pk), ("plant", huangpu.pk)])


def test_access_inactive_user_has_no_roles(gz_unit):
    user = factories.city_user("广州市", "left_the_bureau")
    assert access.roles_of(user).city_ids == frozenset({gz_unit.city_id})
    user.is_active = False
    access.forget_roles(user)
    assert access.roles_of(user) == access.NO_ROLES
    assert list(access.visible_units(user)) == []
