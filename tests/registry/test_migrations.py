"""The data migration of issue 10 on existing data: each unit gets an enterprise of its own, its batch's list,
and each enterprise account follows its unit's enterprise, with the same access as before."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("registry", "0002_integrity")]
AFTER = [("registry", "0005_unit_enterprise_required")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_migration_gives_every_unit_an_enterprise_a_list_and_moves_accounts():
    old = migrate(BEFORE)
    City = old.get_model("registry", "City")
    Unit = old.get_model("registry", "Unit")
    User = old.get_model("registry", "User")
    Membership = old.get_model("registry", "Membership")
    if not City.objects.exists():
        call_command("loaddata", "cities", verbosity=0)
    gz = City.objects.get(name="广州市")
    units = {
        "eighth": Unit.objects.create(name="甲工厂", credit_code="91440101MA59TEST01", kind="park", level="national",
                                      batch=8, year_listed=2023, city=gz),
        "odd": Unit.objects.create(name="乙工厂", credit_code="91440101MA59TEST02", kind="park", level="national",
                                   batch=3, year_listed=2020, city=gz),
        "yearly": Unit.objects.create(name="丙工厂", credit_code="91440101MA59TEST03", kind="park", level="national",
                                      year_listed=2024, city=gz),
        "provincial": Unit.objects.create(name="丁工厂", credit_code="91440101MA59TEST04", kind="park",
                                          level="provincial", year_listed=2023, city=gz),
    }
    user = User.objects.create(username="ent")
    Membership.objects.create(user=user, scope="unit", unit=units["eighth"])
    Membership.objects.create(user=User.objects.create(username="city"), scope="city", city=gz)

    new = migrate(AFTER)
    Unit = new.get_model("registry", "Unit")
    Membership = new.get_model("registry", "Membership")
    Enterprise = new.get_model("registry", "Enterprise")
    after = {key: Unit.objects.get(pk=u.pk) for key, u in units.items()}
    assert Enterprise.objects.count() == 4
    for unit in after.values():
        enterprise = Enterprise.objects.get(pk=unit.enterprise_id)
        assert (enterprise.name, enterprise.credit_code) == (unit.name, unit.credit_code)
    lists = {key: (u.listed_in.name if u.listed_in_id else None) for key, u in after.items()}
    # A batch in its year gets the batch's list; a national unit from 2024 on without a batch, that year's list;
    # an inconsistent batch and year, and provincial units, keep what they had and no list.
    assert lists == {"eighth": "第八批", "odd": None, "yearly": "2024年度", "provincial": None}
    assert (after["odd"].batch, after["odd"].year_listed) == (3, 2020)
    membership = Membership.objects.get(user__username="ent")
    assert (membership.scope, membership.enterprise_id, membership.unit_id) == (
        "enterprise", after["eighth"].enterprise_id, None)
    assert Membership.objects.get(user__username="city").scope == "city"

    old = migrate(BEFORE)  # and back: the account is one unit's again
    Membership = old.get_model("registry", "Membership")
    assert Membership.objects.get(user__username="ent").unit_id == units["eighth"].pk
    migrate(AFTER)
    call_command("migrate", verbosity=0)
