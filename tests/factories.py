"""factory_boy factories for the whole suite. Cities and industries come from the real fixtures."""

import itertools

import factory

from registry.creditcode import ALPHABET, make_code
from registry.enums import BATCH_NAMES, BATCH_YEARS, Level, ListPurpose, MembershipScope, UnitKind, UnitStatus
from registry.models import City, District, Enterprise, Industry, Membership, PublishedList, Unit, User

_serial = itertools.count(1)


def valid_code(city_code: str = "440100") -> str:
    n = next(_serial)
    body = "T"
    for _ in range(8):
        body += ALPHABET[n % 31]
        n //= 31
    return make_code(city_code, body)


def published_list(name: str, purpose: str = ListPurpose.LISTING) -> PublishedList:
    """A list MIIT published: 第八批 (batch 8, 2023), 2024年度 (2024) …"""
    batch = next((n for n, label in BATCH_NAMES.items() if label == name), None)
    year = BATCH_YEARS[batch] if batch else int(name[:4])
    return PublishedList.objects.get_or_create(name=name, purpose=purpose, defaults={"batch": batch, "year": year})[0]


def _list_of(batch, year):
    """The list a unit of this batch and year came from, as the migration sets it."""
    if batch and BATCH_YEARS.get(batch) == year:
        return published_list(BATCH_NAMES[batch])
    return None


def city(name: str = "广州市") -> City:
    return City.objects.get(name=name)


def district(name: str, city_name: str | None = None) -> District:
    districts = District.objects.filter(name=name)
    if city_name:
        districts = districts.filter(city__name=city_name)
    return districts.get()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.LazyAttribute(lambda o: f"测试用户 {o.username}")
    password = factory.django.Password("Test@2024pass")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"测试绿色工厂{n:04d}有限公司")
    kind = UnitKind.FACTORY
    level = Level.NATIONAL
    batch = 8
    year_listed = 2023
    status = UnitStatus.LISTED
    city = factory.LazyFunction(lambda: City.objects.get(name="广州市"))
    industry = factory.LazyFunction(lambda: Industry.objects.get(code="39"))
    credit_code = factory.LazyAttribute(lambda o: valid_code(o.city.code))
    listed_in = factory.LazyAttribute(lambda o: _list_of(o.batch, o.year_listed))
    # The legal entity that owns the code (created, named after the unit, when the code is new).
    enterprise = factory.LazyAttribute(
        lambda o: Enterprise.objects.get_or_create(credit_code=o.credit_code or None, defaults={"name": o.name})[0]
        if o.credit_code else Enterprise.objects.create(name=o.name))


def province_user(username: str = "prov") -> User:
    user = UserFactory(username=username)
    Membership.objects.get_or_create(user=user, scope=MembershipScope.PROVINCE)
    return user


def city_user(city_name: str, username: str | None = None) -> User:
    user = UserFactory(username=username or f"city_{City.objects.get(name=city_name).code}")
    Membership.objects.get_or_create(user=user, scope=MembershipScope.CITY, city=City.objects.get(name=city_name))
    return user


def enterprise_user(unit: Unit, username: str | None = None) -> User:
    """An enterprise account: a person of the unit's legal entity (they act for all its units)."""
    user = UserFactory(username=username or f"ent_{unit.pk}")
    Membership.objects.get_or_create(user=user, scope=MembershipScope.ENTERPRISE, enterprise=unit.enterprise)
    return user


def district_user(district_name: str, username: str | None = None, city_name: str | None = None) -> User:
    target = district(district_name, city_name)
    user = UserFactory(username=username or f"district_{target.pk}")
    Membership.objects.get_or_create(user=user, scope=MembershipScope.DISTRICT, district=target)
    return user
