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
