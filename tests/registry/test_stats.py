import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from registry.demo import ANNEX2
from registry.enums import Level, UnitKind, UnitStatus
from registry.models import Membership, Unit, User
from registry.services import city_statistics
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
    assert scopes == {"province", "city", "unit"}
    assert Membership.objects.filter(scope="city").values("city").distinct().count() >= 2
    assert Membership.objects.filter(scope="unit").count() >= 3
    assert all(u.name.startswith("【演示") for u in Unit.objects.all())
    from registry.creditcode import is_valid

    assert all(is_valid(c) for c in Unit.objects.values_list("credit_code", flat=True))


def test_seed_demo_factories_option_adds_synthetic_units(seeded):
    before = Unit.objects.count()
    call_command("seed_demo", "--factories", "40", stdout=io.StringIO())
    assert Unit.objects.count() == before + 40
    call_command("seed_demo", "--factories", "10", stdout=io.StringIO())
    assert Unit.objects.count() == before + 50
