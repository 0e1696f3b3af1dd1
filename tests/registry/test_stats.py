import io

import pytest
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse
from openpyxl import load_workbook

from registry.demo import ANNEX2
from registry.enums import Level, UnitKind, UnitStatus
from registry.models import City, Enterprise, Membership, Unit, User
from registry.services import city_statistics, district_statistics
from tests import factories
from tests.conftest import login

pytestmark = pytest.mark.django_db

SEED_ORDER = list(ANNEX2)
# 附件2 as printed in the seed notice, in its order: (factories, supply-chain firms, parks).
SEED_TABLE = [
    ("广州市", 63, 15, 1), ("深圳市", 107, 16, 1), ("珠海市", 27, 9, 1), ("汕头市", 8, 0, 0), ("佛山市", 55, 17, 2),
    ("韶关市", 9, 0, 1), ("河源市", 3, 0, 1), ("梅州市", 0, 0, 0), ("惠州市", 33, 3, 2), ("汕尾市", 0, 0, 0),
    ("东莞市", 29, 6, 0), ("中山市", 18, 5, 0), ("江门市", 12, 0, 0), ("阳江市", 3, 0, 0), ("湛江市", 4, 1, 1),
    ("茂名市", 3, 0, 0), ("肇庆市", 12, 1, 1), ("清远市", 11, 7, 0), ("潮州市", 0, 0, 0), ("揭阳市", 2, 0, 0),
    ("云浮市", 1, 0, 0),
]


@pytest.fixture
def seeded(db):
    call_command("seed_demo", stdout=io.StringIO())


def test_stats_seed_demo_reproduces_annex2_exactly(seeded):
    stats = city_statistics(Level.NATIONAL)
    assert [(r.city, r.factories, r.supply_chain, r.parks) for r in stats.rows] == SEED_TABLE
    assert (stats.total.factories, stats.total.supply_chain, stats.total.parks) == (400, 80, 11)
    # The demo registry also holds removed and provincial units, which the table must not count.
    assert Unit.objects.filter(status=UnitStatus.REMOVED).count() == 12
    assert Unit.objects.filter(level=Level.PROVINCIAL).exists()


def test_stats_page_and_xlsx_reproduce_annex2(client, seeded):
    province = User.objects.get(username="province")
    login(client, province)
    response = client.get(reverse("registry:city_stats"))
    assert response.status_code == 200
    rows = response.context["stats"].rows
    assert [(r.city, r.factories, r.supply_chain, r.parks) for r in rows] == SEED_TABLE
    body = response.content.decode()
    assert body.index("广州市") < body.index("深圳市") < body.index("云浮市")

    response = client.get(reverse("registry:city_stats_xlsx"))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = list(wb.active.iter_rows(values_only=True))
    header_at = [i for i, r in enumerate(values) if r[0] == "序号"][0]
    assert values[header_at] == ("序号", "地市", "绿色工厂(家)", "绿色供应链管理企业(家)", "绿色工业园区(个)")
    data = values[header_at + 1: header_at + 22]
    assert [(r[1], r[2], r[3], r[4]) for r in data] == SEED_TABLE
    assert [r[0] for r in data] == list(range(1, 22))
    assert values[header_at + 22] == ("合计", None, 400, 80, 11)


def test_stats_export_command_writes_the_table(tmp_path, seeded):
    out = tmp_path / "stats.xlsx"
    call_command("export_city_stats", "--output", str(out), stdout=io.StringIO())
    values = list(load_workbook(out).active.iter_rows(values_only=True))
    assert values[-1] == ("合计", None, 400, 80, 11)


def test_stats_removed_units_are_not_counted():
    factories.UnitFactory(kind=UnitKind.FACTORY)
    factories.UnitFactory(kind=UnitKind.FACTORY, status=UnitStatus.REMOVED)
    factories.UnitFactory(kind=UnitKind.PARK, industry=None)
    stats = city_statistics(Level.NATIONAL)
    gz = stats.rows[0]
    assert (gz.city, gz.factories, gz.parks) == ("广州市", 1, 1)
    assert stats.total.factories == 1


def test_stats_page_level_filter_and_bad_level(client, province):
    factories.UnitFactory(level=Level.PROVINCIAL)
    login(client, province)
    assert client.get(reverse("registry:city_stats")).context["stats"].total.factories == 0
    assert client.get(reverse("registry:city_stats"), {"level": "provincial"}).context["stats"].total.factories == 1
    assert client.get(reverse("registry:city_stats"), {"level": "all"}).context["stats"].total.factories == 1
    assert client.get(reverse("registry:city_stats"), {"level": "galactic"}).status_code == 404


def test_stats_page_is_for_staff_only(client, gz_unit):
    login(client, factories.enterprise_user(gz_unit))
    assert client.get(reverse("registry:city_stats")).status_code == 403


def test_seed_demo_is_idempotent_and_makes_every_role(seeded):
    before = Unit.objects.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert Unit.objects.count() == before
    scopes = set(Membership.objects.values_list("scope", flat=True))
    assert scopes == {"province", "city", "district", "enterprise"}
    assert Membership.objects.filter(scope="city").values("city").distinct().count() >= 2
    assert Membership.objects.filter(scope="enterprise").count() >= 3
    assert all(u.name.startswith("【演示") for u in Unit.objects.all())
    from registry.creditcode import is_valid

    assert all(is_valid(c) for c in Unit.objects.values_list("credit_code", flat=True))


def test_seed_demo_factories_option_adds_synthetic_units(seeded):
    before = Unit.objects.count()
    call_command("seed_demo", "--factories", "40", stdout=io.StringIO())
    assert Unit.objects.count() == before + 40
    call_command("seed_demo", "--factories", "10", stdout=io.StringIO())
    assert Unit.objects.count() == before + 50


def test_seed_demo_places_every_unit_in_a_district_and_counts_add_up(seeded):
    assert not Unit.objects.filter(district__isnull=True).exists()
    assert not Unit.objects.exclude(district__city=F("city")).exists()
    by_city = {r.city: r for r in city_statistics(Level.NATIONAL).rows}
    for city in City.objects.all():
        by_district = district_statistics(city, Level.NATIONAL)
        row = by_city[city.name]
        assert (by_district.total.factories, by_district.total.supply_chain, by_district.total.parks) == (
            row.factories, row.supply_chain, row.parks)
    zhongshan = [r.city for r in district_statistics(City.objects.get(name="中山市")).rows]
    assert "火炬开发区" in zhongshan and "小榄镇" in zhongshan
    assert "深汕特别合作区" in [r.city for r in district_statistics(City.objects.get(name="深圳市")).rows]


def test_seed_demo_holds_a_company_on_two_lists_and_a_branch(seeded):
    from registry.demo import GROUP_NAME

    group = Enterprise.objects.get(name=GROUP_NAME)
    units = {(u.kind, u.city.name): u for u in group.units.select_related("city")}
    assert set(units) == {("factory", "广州市"), ("supply_chain", "广州市"), ("factory", "佛山市")}
    factory, chain, branch = units[("factory", "广州市")], units[("supply_chain", "广州市")], units[("factory", "佛山市")]
    assert factory.name == chain.name == group.name
    assert factory.credit_code == chain.credit_code == group.credit_code
    assert (branch.name, branch.branch_code, branch.credit_code) == (
        f"{group.name}佛山分公司", branch.credit_code, branch.branch_code)
    assert branch.credit_code != group.credit_code
    # The group's account acts for all three; every national unit knows the list it came from.
    from registry import access

    assert access.roles_of(User.objects.get(username="ent_group")).unit_ids == {factory.pk, chain.pk, branch.pk}
    assert not Unit.objects.filter(level=Level.NATIONAL, listed_in__isnull=True).exists()
    assert Unit.objects.filter(listed_in__name="第八批").exists()


def test_seed_demo_district_reviewer_sees_only_the_district(client, seeded):
    reviewer = User.objects.get(username="th_reviewer")
    login(client, reviewer)
    response = client.get(reverse("registry:unit_list"))
    names = {u.district.name for u in response.context["page"].object_list}
    assert names == {"天河区"}
    other = Unit.objects.filter(city__name="广州市").exclude(district__name="天河区").first()
    assert client.get(reverse("registry:unit_detail", args=[other.pk])).status_code == 404
