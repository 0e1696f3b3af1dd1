"""Demo data for the registry: cities, industries, districts, a registry equal to 附件2 of the seed, and accounts.

Every demo unit's name starts with 【演示】 so nobody mistakes it for a real enterprise; every credit code
is valid (GB 32100 check character, the city's division code at characters 3-8). The data is
deterministic: the same run gives the same units, codes and accounts.

Real shapes are shown too, without changing 附件2's counts: every unit sits in a district (中山's and 东莞's
towns and 汕头's development zones are review areas those cities added), one company is on both the
green-factory and the supply-chain list (two units of one enterprise), and a branch in Foshan with its own
registration is listed under its Guangzhou parent. Each national unit comes from its batch's published list.
"""

from __future__ import annotations

import random

from django.core.management import call_command
from django.db import transaction

from .creditcode import ALPHABET, make_code
from .enums import BATCH_NAMES, BATCH_YEARS, DistrictKind, Level, ListPurpose, MembershipScope, UnitKind, UnitStatus
from .models import City, District, Enterprise, Industry, Membership, PublishedList, Unit, User
from .services import attach_enterprises

DEMO_PREFIX = "【演示】"
LOAD_PREFIX = "【演示·压测】"
DEMO_PASSWORD = "Demo@2024pass"

# 附件2 of 粤工信节能函〔2024〕2号: listed national units per city (factories, supply-chain firms, parks).
ANNEX2 = {
    "广州市": (63, 15, 1), "深圳市": (107, 16, 1), "珠海市": (27, 9, 1), "汕头市": (8, 0, 0), "佛山市": (55, 17, 2),
    "韶关市": (9, 0, 1), "河源市": (3, 0, 1), "梅州市": (0, 0, 0), "惠州市": (33, 3, 2), "汕尾市": (0, 0, 0),
    "东莞市": (29, 6, 0), "中山市": (18, 5, 0), "江门市": (12, 0, 0), "阳江市": (3, 0, 0), "湛江市": (4, 1, 1),
    "茂名市": (3, 0, 0), "肇庆市": (12, 1, 1), "清远市": (11, 7, 0), "潮州市": (0, 0, 0), "揭阳市": (2, 0, 0),
    "云浮市": (1, 0, 0),
}
# Removed units, which the statistics must not count (MIIT removed 9 factories and 3 supply-chain firms in 2023).
REMOVED = [("广州市", UnitKind.FACTORY), ("广州市", UnitKind.FACTORY), ("深圳市", UnitKind.FACTORY),
           ("深圳市", UnitKind.SUPPLY_CHAIN), ("佛山市", UnitKind.FACTORY), ("东莞市", UnitKind.FACTORY),
           ("惠州市", UnitKind.FACTORY), ("珠海市", UnitKind.SUPPLY_CHAIN), ("中山市", UnitKind.FACTORY),
           ("江门市", UnitKind.FACTORY), ("清远市", UnitKind.SUPPLY_CHAIN), ("肇庆市", UnitKind.FACTORY)]
# Provincial-level green factories (the provincial green-code pilot cohort), per city.
PROVINCIAL = {"广州市": 12, "深圳市": 12, "佛山市": 10, "东莞市": 8, "惠州市": 6, "中山市": 4, "江门市": 4, "梅州市": 2}

# Where Guangdong's green factories concentrate; other divisions get the rest.
INDUSTRY_WEIGHTS = {"39": 18, "38": 12, "26": 8, "30": 7, "33": 6, "36": 6, "14": 5, "22": 4, "29": 5, "34": 4,
                    "35": 3, "27": 3, "13": 3, "17": 2, "21": 2, "32": 2, "31": 1, "44": 1}
WORDS = ["绿能", "华新", "恒达", "南粤", "珠江", "粤海", "嘉禾", "宏远", "新材", "科达", "金辉", "立信", "美达", "永盛",
         "同创", "海纳", "德盛", "汇能", "中联", "协力", "天禾", "瑞丰", "博雅", "启明", "和泰", "信达", "康华", "明阳"]
TRADES = {"39": "电子科技", "38": "电器", "26": "化工", "30": "建材", "33": "金属制品", "36": "汽车部件", "14": "食品",
          "22": "纸业", "29": "塑胶", "34": "机械", "35": "装备", "27": "药业", "13": "农产品", "17": "纺织",
          "21": "家居", "32": "铝业", "31": "钢铁", "44": "能源"}

# Demo accounts: (username, full name, scope, city, unit picker). The README lists the same table.
CITY_ACCOUNTS = [("gz_reviewer", "广州市工信局审核员（演示）", "广州市"),
                 ("sz_reviewer", "深圳市工信局审核员（演示）", "深圳市"),
                 ("fs_reviewer", "佛山市工信局审核员（演示）", "佛山市")]
ENTERPRISE_ACCOUNTS = [("ent_gz1", "广州市", UnitKind.FACTORY, 0), ("ent_gz2", "广州市", UnitKind.FACTORY, 1),
                       ("ent_sz1", "深圳市", UnitKind.FACTORY, 0), ("ent_fs1", "佛山市", UnitKind.FACTORY, 0),
                       ("ent_park", "佛山市", UnitKind.PARK, 0), ("ent_chain", "广州市", UnitKind.SUPPLY_CHAIN, 0)]


# Areas below the city that these cities review through (they are not GB/T 2260 divisions): 中山's and 东莞's
# towns and streets, 汕头's development zones.
REVIEW_AREAS = {
    "中山市": ["火炬开发区", "石岐街道", "东区街道", "小榄镇", "古镇镇", "南头镇", "黄圃镇", "三角镇"],
    "东莞市": ["松山湖高新区", "长安镇", "虎门镇", "塘厦镇", "清溪镇", "大朗镇"],
    "汕头市": ["汕头高新技术产业开发区", "汕头保税区"],
}
# One company on two lists (the N-th Guangzhou factory and supply-chain firm), and its branch in Foshan (the N-th
# Foshan factory), indexes among each city's national units of that kind; none of them has a demo account.
GROUP_NAME = f"{DEMO_PREFIX}广州华粤电器集团有限公司"
GROUP_FACTORY, GROUP_CHAIN, GROUP_BRANCH = ("广州市", 2), ("广州市", 1), ("佛山市", 3)
DISTRICT_ACCOUNTS = [("th_reviewer", "天河区工信部门审核员（演示）", "广州市", "天河区"),
                     ("hk_reviewer", "火炬开发区审核员（演示）", "中山市", "火炬开发区")]


def add_review_areas() -> None:
    for city_name, names in REVIEW_AREAS.items():
        city = City.objects.get(name=city_name)
        for name in names:
            District.objects.get_or_create(city=city, name=name, defaults={"kind": DistrictKind.REVIEW_AREA})


def _national(units: list[Unit], city_name: str, kind: str) -> list[Unit]:
    return [u for u in units if u.city.name == city_name and u.kind == kind and u.level == Level.NATIONAL
            and u.status == UnitStatus.LISTED]


def shape_registry(units: list[Unit]) -> None:
    """Districts, lists, the company on two lists and its branch, on the units build_registry made (in place;
    its random sequence is left alone, so every other unit stays as it was)."""
    rng = random.Random(2260)
    areas: dict[int, list[District]] = {}
    for district in District.objects.order_by("pk"):
        areas.setdefault(district.city_id, []).append(district)
    lists = {}
    for unit in units:
        if unit.city_id in areas:
            unit.district = rng.choice(areas[unit.city_id])
        if unit.batch:
            if unit.batch not in lists:
                lists[unit.batch] = PublishedList.objects.get_or_create(
                    name=BATCH_NAMES[unit.batch], purpose=ListPurpose.LISTING,
                    defaults={"batch": unit.batch, "year": BATCH_YEARS[unit.batch]})[0]
            unit.listed_in = lists[unit.batch]
    factory = _national(units, GROUP_FACTORY[0], UnitKind.FACTORY)[GROUP_FACTORY[1]]
    chain = _national(units, GROUP_CHAIN[0], UnitKind.SUPPLY_CHAIN)[GROUP_CHAIN[1]]
    branch = _national(units, GROUP_BRANCH[0], UnitKind.FACTORY)[GROUP_BRANCH[1]]
    factory.name = chain.name = GROUP_NAME
    chain.credit_code = factory.credit_code
    chain.district = factory.district
    group = Enterprise.objects.create(name=GROUP_NAME, credit_code=factory.credit_code)
    factory.enterprise = chain.enterprise = branch.enterprise = group
    branch.name = f"{GROUP_NAME}佛山分公司"
    branch.branch_code = branch.credit_code  # registered on its own in Foshan


def _body(rng: random.Random, taken: set[str], lead: str) -> str:
    while True:
        body = lead + "".join(rng.choice(ALPHABET) for _ in range(8))
        if body not in taken:
            taken.add(body)
            return body


def _industry_codes(rng: random.Random, industries: dict[str, Industry], n: int) -> list[str]:
    pool = list(INDUSTRY_WEIGHTS)
    weights = list(INDUSTRY_WEIGHTS.values())
    others = [c for c in industries if c not in INDUSTRY_WEIGHTS]
    picks = []
    for _ in range(n):
        picks.append(rng.choice(others) if rng.random() < 0.12 else rng.choices(pool, weights)[0])
    return picks


def _factory_name(rng: random.Random, city: City, industry: Industry, n: int) -> str:
    trade = TRADES.get(industry.code, "实业")
    return f"{DEMO_PREFIX}{city.name.removesuffix('市')}{rng.choice(WORDS)}{trade}有限公司{n:03d}"


def _national_batch(rng: random.Random) -> int:
    return rng.choices(range(1, 9), weights=[6, 6, 8, 10, 12, 14, 18, 26])[0]


def build_registry(rng: random.Random) -> list[Unit]:
    cities = {c.name: c for c in City.objects.all()}
    industries = {i.code: i for i in Industry.objects.all()}
    taken: set[str] = set()
    units: list[Unit] = []
    serial = 0

    def add(city: City, kind: str, level: str, status: str = UnitStatus.LISTED, reason: str = ""):
        nonlocal serial
        serial += 1
        industry = None
        if kind == UnitKind.PARK:
            name = f"{DEMO_PREFIX}{city.name.removesuffix('市')}{rng.choice(WORDS)}绿色工业园区{serial:03d}"
            prefix = "11"
        else:
            industry = industries[_industry_codes(rng, industries, 1)[0]]
            if kind == UnitKind.FACTORY:
                name = _factory_name(rng, city, industry, serial)
            else:
                name = f"{DEMO_PREFIX}{city.name.removesuffix('市')}{rng.choice(WORDS)}供应链管理有限公司{serial:03d}"
            prefix = "91"
        if level == Level.NATIONAL:
            batch = _national_batch(rng)
            year = BATCH_YEARS[batch]
        else:
            batch, year = None, rng.choice([2022, 2023])
        units.append(
            Unit(
                name=name, credit_code=make_code(city.code, _body(rng, taken, "M"), prefix), kind=kind, level=level,
                batch=batch, year_listed=year, status=status, status_reason=reason, city=city, industry=industry,
                contact_name="联系人（演示）", contact_phone="020-0000" + f"{serial:04d}"[-4:],
            )
        )

    for city_name, (factories, chains, parks) in ANNEX2.items():
        city = cities[city_name]
        for _ in range(factories):
            add(city, UnitKind.FACTORY, Level.NATIONAL)
        for _ in range(chains):
            add(city, UnitKind.SUPPLY_CHAIN, Level.NATIONAL)
        for _ in range(parks):
            add(city, UnitKind.PARK, Level.NATIONAL)
    for city_name, n in PROVINCIAL.items():
        for _ in range(n):
            add(cities[city_name], UnitKind.FACTORY, Level.PROVINCIAL)
    for city_name, kind in REMOVED:
        add(cities[city_name], kind, Level.NATIONAL, UnitStatus.REMOVED, "2023年度动态管理：关键指标不达标，移出名单（演示）")
    return units


def build_load_units(n: int, start: int = 0) -> list[Unit]:
    """`n` synthetic national green factories for load work, numbered from `start`; codes are unique by number."""
    cities = list(City.objects.order_by("seed_order"))
    industries = list(Industry.objects.order_by("code"))
    rng = random.Random(start)
    units = []
    for i in range(start, start + n):
        body = "L"
        k = i
        for _ in range(8):
            body += ALPHABET[k % 31]
            k //= 31
        city = cities[i % len(cities)]
        industry = industries[rng.randrange(len(industries))]
        batch = _national_batch(rng)
        units.append(
            Unit(
                name=f"{LOAD_PREFIX}{city.name}工厂{i:06d}", credit_code=make_code(city.code, body), kind=UnitKind.FACTORY,
                level=Level.NATIONAL, batch=batch, year_listed=BATCH_YEARS[batch], city=city, industry=industry,
            )
        )
    return units


def _user(username: str, full_name: str, *, superuser: bool = False) -> User:
    user, created = User.objects.get_or_create(username=username, defaults={"full_name": full_name})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.is_staff = superuser
        user.is_superuser = superuser
        user.save()
    return user


def _member(user: User, scope: str, **target) -> None:
    Membership.objects.get_or_create(user=user, scope=scope, **target)


def demo_unit(city_name: str, kind: str, index: int) -> Unit:
    """The `index`-th demo unit of one kind in one city (stable across runs)."""
    return (
        Unit.objects.filter(city__name=city_name, kind=kind, level=Level.NATIONAL, status=UnitStatus.LISTED,
                            name__startswith=DEMO_PREFIX)
        .order_by("id")[index]
    )


def create_accounts() -> list[tuple[str, str]]:
    """Create the demo accounts; return (username, what it is) rows for printing."""
    rows = []
    _user("admin", "系统管理员（演示）", superuser=True)
    rows.append(("admin", "系统管理员 / administrator (Django admin)"))
    province = _user("province", "省工信厅节能处（演示）")
    _member(province, MembershipScope.PROVINCE)
    rows.append(("province", "省工信厅 / provincial officer"))
    cities = {c.name: c for c in City.objects.all()}
    for username, full_name, city_name in CITY_ACCOUNTS:
        _member(_user(username, full_name), MembershipScope.CITY, city=cities[city_name])
        rows.append((username, f"{city_name}工信局 / city reviewer"))
    # Enterprise accounts belong to the legal entity: they act for all its units.
    for username, city_name, kind, index in ENTERPRISE_ACCOUNTS:
        unit = demo_unit(city_name, kind, index)
        _member(_user(username, f"{unit.name}（企业用户）"), MembershipScope.ENTERPRISE, enterprise=unit.enterprise)
        rows.append((username, f"{unit.name}"))
    group = Enterprise.objects.get(name=GROUP_NAME)
    _member(_user("ent_group", f"{group.name}（企业用户）"), MembershipScope.ENTERPRISE, enterprise=group)
    rows.append(("ent_group", f"{group.name}: {group.units.count()} listed units (two lists and a branch)"))
    for username, full_name, city_name, district_name in DISTRICT_ACCOUNTS:
        district = District.objects.get(city__name=city_name, name=district_name)
        _member(_user(username, full_name), MembershipScope.DISTRICT, district=district)
        rows.append((username, f"{city_name}{district_name} / district reviewer"))
    return rows


@transaction.atomic
def seed(*, stdout, factories: int = 0, **_options) -> None:
    call_command("loaddata", "cities", "industries", "districts", verbosity=0)
    add_review_areas()
    if not Unit.objects.filter(name__startswith=DEMO_PREFIX).exists():
        units = build_registry(random.Random(2024))
        shape_registry(units)
        attach_enterprises(units)
        Unit.objects.bulk_create(units, batch_size=1000)
        stdout.write(f"registry: {len(units)} demo units")
    else:
        stdout.write("registry: demo units already present")
    if factories:
        start = Unit.objects.filter(name__startswith=LOAD_PREFIX).count()
        for offset in range(0, factories, 5000):
            units = build_load_units(min(5000, factories - offset), start + offset)
            attach_enterprises(units)
            Unit.objects.bulk_create(units, batch_size=5000)
        stdout.write(f"registry: {factories} synthetic factories added for load work")
    for username, what in create_accounts():
        stdout.write(f"  account {username:<12} {what}")
    stdout.write(f"  password for every demo account: {DEMO_PASSWORD}")
