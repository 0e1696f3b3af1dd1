"""Existing data into the new shape:

- each listed unit gets an enterprise (legal entity) of its own: its name and its credit code (codes were
  unique per unit, so no two units share one yet);
- units with a batch get the published list of that batch (第一批 … 第八批) when their year listed is the
  batch's year; national units without a batch listed in 2024 or later get that year's list (2024年度 …);
  others keep their batch and year and no list;
- each enterprise account (a membership of one unit) becomes a membership of that unit's enterprise: the same
  access today, and the account follows its legal entity to the listings it gains later.
"""

from django.db import migrations

BATCH_YEARS = {1: 2017, 2: 2017, 3: 2018, 4: 2019, 5: 2020, 6: 2021, 7: 2022, 8: 2023}
BATCH_NAMES = {1: "第一批", 2: "第二批", 3: "第三批", 4: "第四批", 5: "第五批", 6: "第六批", 7: "第七批", 8: "第八批"}


def forward(apps, schema_editor):
    Unit = apps.get_model("registry", "Unit")
    Enterprise = apps.get_model("registry", "Enterprise")
    PublishedList = apps.get_model("registry", "PublishedList")
    Membership = apps.get_model("registry", "Membership")

    pending = []

    def flush():
        enterprises = Enterprise.objects.bulk_create(
            [Enterprise(name=u.name, credit_code=u.credit_code or None) for u in pending])
        for unit, enterprise in zip(pending, enterprises, strict=True):
            unit.enterprise_id = enterprise.pk
        Unit.objects.bulk_update(pending, ["enterprise"])
        pending.clear()

    for unit in Unit.objects.filter(enterprise__isnull=True).only("pk", "name", "credit_code").order_by("pk").iterator():
        pending.append(unit)
        if len(pending) >= 2000:
            flush()
    if pending:
        flush()

    for batch, year in BATCH_YEARS.items():
        units = Unit.objects.filter(batch=batch, year_listed=year, listed_in__isnull=True)
        if units.exists():
            published, _ = PublishedList.objects.get_or_create(
                name=BATCH_NAMES[batch], purpose="listing", defaults={"batch": batch, "year": year})
            units.update(listed_in=published)
    years = (Unit.objects.filter(level="national", batch__isnull=True, year_listed__gte=2024, listed_in__isnull=True)
             .values_list("year_listed", flat=True).distinct())
    for year in sorted(set(years)):
        published, _ = PublishedList.objects.get_or_create(name=f"{year}年度", purpose="listing", defaults={"year": year})
        Unit.objects.filter(level="national", batch__isnull=True, year_listed=year, listed_in__isnull=True).update(
            listed_in=published)

    for membership in Membership.objects.filter(scope="unit").select_related("unit"):
        enterprise_id = membership.unit.enterprise_id
        if Membership.objects.filter(user_id=membership.user_id, scope="enterprise", enterprise_id=enterprise_id).exists():
            membership.delete()
            continue
        membership.scope = "enterprise"
        membership.enterprise_id = enterprise_id
        membership.unit = None
        membership.save(update_fields=["scope", "enterprise", "unit"])


def backward(apps, schema_editor):
    Unit = apps.get_model("registry", "Unit")
    Membership = apps.get_model("registry", "Membership")
    for membership in Membership.objects.filter(scope="enterprise"):
        for unit_id in Unit.objects.filter(enterprise_id=membership.enterprise_id).values_list("pk", flat=True):
            Membership.objects.get_or_create(user_id=membership.user_id, scope="unit", unit_id=unit_id)
        membership.delete()
    Unit.objects.update(enterprise=None, listed_in=None)


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_enterprises_lists_districts")]

    operations = [migrations.RunPython(forward, backward)]
