"""Importing MIIT's published lists: reading the real layout, classifying every row, and applying the whole list
or nothing, idempotently, with history."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from registry import published_lists as pl
from registry import signals
from registry.enums import HistorySource, Level, ListPurpose, UnitKind, UnitStatus
from registry.models import Enterprise, ListImport, PublishedList, Unit, UnitHistory
from tests import factories
from tests.registry.miit_files import MIIT_HEADERS, miit_file

pytestmark = pytest.mark.django_db

WITH_CITY_AND_CODE = [*MIIT_HEADERS, "城市", "统一社会信用代码"]


def unit(name, city="广州市", kind=UnitKind.FACTORY, **extra):
    industry = None if kind == UnitKind.PARK else factories.Industry.objects.get(code=extra.pop("industry", "39"))
    return factories.UnitFactory(name=name, city=factories.city(city), kind=kind, industry=industry, **extra)


@pytest.fixture
def registry_2023():
    """Guangdong's registry before the 2024 list: the units the list's rows should find."""
    return {
        "tcl": unit("TCL空调器（中山）有限公司", "中山市", industry="38"),
        "libai": unit("广州立白（番禺）有限公司", "广州市", industry="26"),
        "psa": unit("长安标致雪铁龙汽车有限公司", "深圳市", industry="36"),
        "midea": unit("广东美的制冷设备有限公司", "佛山市", industry="38"),
        "cosl": unit("中海福陆重工有限公司", "珠海市", industry="35"),
        "zjln": unit("深圳市中金岭南有色金属股份有限公司", "深圳市", industry="32"),
    }


# The 2024 green-factory list as MIIT prints it: other provinces, a merged 地区, Shenzhen on its own.
FACTORY_ROWS = [
    [1, "北京", "北京汽车股份有限公司", "汽车制造业", "中国质量认证中心"],
    [2, "广东", "TCL 空调器（中山）有限公司", "电气机械和器材制造业", "广东省节能中心"],  # stray space
    [3, None, "广州立白(番禺)有限公司", "化学原料和化学制品制造业", "中国电子技术标准化研究院"],  # half-width
    [4, None, "中海福陆重工有限责任公司", "专用设备制造业", "赛宝认证中心"],  # a near miss
    [5, None, "深圳市中金岭南有色金属股份有限公司丹霞冶炼厂", "有色金属冶炼和压延加工业", "赛宝认证中心"],  # a plant
    [6, None, "雪花酿酒有限公司佛山分公司", "酒、饮料和精制茶制造业", "广东省节能中心"],  # branch, parent unknown
    [7, None, "广东新晖电子科技有限公司", "机械", "广东省节能中心"],  # unknown industry word
    [8, "深圳", "深圳市宝能汽车有限公司（原长安标致雪铁龙汽车有限公司）", "汽车制造业", "深圳市节能中心"],  # a rename
    [9, None, "深圳市绿能科技有限公司", "计算机、通信和其他电子设备制造业", "深圳市节能中心"],
    [10, "湖南", "湖南某新材料有限公司", "化学原料和化学制品制造业", "湖南节能中心"],
]


def start(rows, kind=UnitKind.FACTORY, list_name="2024年度", purpose=ListPurpose.LISTING, headers=MIIT_HEADERS,
          actor=None, **kwargs):
    return pl.start_import(miit_file(rows, headers=headers), kind=kind, list_name=list_name, purpose=purpose,
                           filename="list.xlsx", actor=actor, **kwargs)


def by_row(plan):
    return {r.row: r for r in plan.rows}


# --- list names ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("第一批", ("第一批", 1, 2017)), ("第8批", ("第八批", 8, 2023)), ("第 三 批", ("第三批", 3, 2018)),
    ("2021年度", ("第六批", 6, 2021)), ("2023年度", ("第八批", 8, 2023)), ("2024年度", ("2024年度", None, 2024)),
    ("2025", ("2025年度", None, 2025)), ("２０２４年度绿色制造名单", ("2024年度", None, 2024)),
])
def test_list_name_is_read_as_miit_names_it(text, expected):
    parsed = pl.parse_list_name(text)
    assert (parsed.name, parsed.batch, parsed.year) == expected


@pytest.mark.parametrize("text", ["第九批", "2019年度", "2099年度", "明年", ""])
def test_list_name_refuses_what_miit_never_published(text):
    with pytest.raises(pl.ListNameError):
        pl.parse_list_name(text)


# --- reading ---------------------------------------------------------------------------------------------------

def test_read_keeps_guangdong_and_shenzhen_rows_with_merged_regions():
    rows, skipped = pl.read_rows(miit_file(FACTORY_ROWS))
    assert skipped == 2
    assert [(r["row"], r["region"]) for r in rows] == [
        (4, "广东"), (5, "广东"), (6, "广东"), (7, "广东"), (8, "广东"), (9, "广东"), (10, "深圳"), (11, "深圳")]
    assert rows[0]["evaluator"] == "广东省节能中心"


def test_read_accepts_the_enterprise_and_park_name_columns():
    headers = ["序号", "地区", "园区名称", "第三方评价机构"]
    rows, _skipped = pl.read_rows(miit_file([[1, "广东", "珠海高栏港经济区", "赛宝"]], headers=headers))
    assert rows[0]["name"] == "珠海高栏港经济区"
    headers = ["序号", "地区", "企业名称", "行业", "第三方评价机构"]
    rows, _skipped = pl.read_rows(miit_file([[1, "广东", "广东美的制冷设备有限公司", "家电", "x"]], headers=headers))
    assert rows[0]["name"] == "广东美的制冷设备有限公司"


# --- classification -----------------------------------------------------------------------------------------------

def test_plan_classifies_every_row(registry_2023):
    list_import = start(FACTORY_ROWS)
    plan = pl.make_plan(list_import.rows, kind=UnitKind.FACTORY)
    rows = by_row(plan)
    assert plan.summary == {"rows": 8, "matched": 3, "new": 1, "ambiguous": 1, "needs_city": 3}
    assert (rows[4].category, rows[4].unit, rows[4].via) == ("matched", registry_2023["tcl"], "name")
    assert (rows[5].category, rows[5].unit) == ("matched", registry_2023["libai"])
    assert (rows[6].category, [c.unit for c in rows[6].candidates]) == ("ambiguous", [registry_2023["cosl"]])
    assert 85 <= rows[6].candidates[0].score < 100
    # The smelter is a plant of an enterprise the registry knows: a new unit under it, once its city is known.
    assert (rows[7].category, rows[7].via, rows[7].enterprise) == ("needs_city", "parent", registry_2023["zjln"].enterprise)
    assert (rows[8].category, rows[8].enterprise) == ("needs_city", None)
    assert (rows[8].industry.code, rows[8].problems) == ("15", [])
    assert rows[9].category == "needs_city"
    assert rows[9].problems and "机械" in rows[9].problems[0]
    # A rename printed as "（原…）" finds the unit by its former name.
    assert (rows[10].category, rows[10].unit, rows[10].via) == ("matched", registry_2023["psa"], "former_name")
    assert (rows[10].name, rows[10].former_name) == ("深圳市宝能汽车有限公司", "长安标致雪铁龙汽车有限公司")
    # Shenzhen is known from 地区.
    assert (rows[11].category, rows[11].city.name) == ("new", "深圳市")
    assert not plan.ready


def test_plan_suggests_a_city_from_the_name():
    plan = pl.make_plan(start([[1, "广东", "佛山市顺德区某电器有限公司", "家电", "x"]]).rows, kind=UnitKind.FACTORY)
    row = plan.rows[0]
    assert (row.category, row.suggested_city.name, row.suggested_district.name) == ("needs_city", "佛山市", "顺德区")


def test_plan_matches_by_credit_code_before_name(registry_2023):
    code = registry_2023["midea"].credit_code
    rows = [[1, "广东", "广东美的制冷设备有限公司（顺德）", "家电", "x", "", code.lower()]]
    plan = pl.make_plan(start(rows, headers=WITH_CITY_AND_CODE).rows, kind=UnitKind.FACTORY)
    assert (plan.rows[0].category, plan.rows[0].unit, plan.rows[0].via) == ("matched", registry_2023["midea"], "code")


def test_plan_refuses_masked_and_mistyped_codes(registry_2023):
    good = registry_2023["midea"].credit_code
    typo = good[:-1] + ("0" if good[-1] != "0" else "1")
    rows = [[1, "广东", "甲公司", "电子", "x", "广州市", "91445281MAD******E"],
            [2, None, "乙公司", "电子", "x", "广州市", typo]]
    with translation.override("en"):
        plan = pl.make_plan(start(rows, headers=WITH_CITY_AND_CODE).rows, kind=UnitKind.FACTORY)
    first, second = plan.rows
    assert "masked" in first.problems[0]
    assert "check character" in second.problems[0]
    assert plan.open_rows == [first, second]


def test_plan_a_company_on_a_second_list_joins_its_enterprise(registry_2023):
    rows = [[1, "广东", "广东美的制冷设备有限公司", "家电", "中国电子技术标准化研究院"]]
    plan = pl.make_plan(start(rows, kind=UnitKind.SUPPLY_CHAIN).rows, kind=UnitKind.SUPPLY_CHAIN)
    row = plan.rows[0]
    assert (row.category, row.via, row.enterprise, row.city.name) == (
        "new", "sibling", registry_2023["midea"].enterprise, "佛山市")
    assert row.industry.code == "38"


def test_plan_the_same_unit_twice_is_a_problem(registry_2023):
    rows = [[1, "广东", "TCL空调器（中山）有限公司", "家电", "x"], [2, None, "TCL 空调器(中山)有限公司", "家电", "x"]]
    with translation.override("en"):
        plan = pl.make_plan(start(rows).rows, kind=UnitKind.FACTORY)
    assert plan.rows[1].problems == ["The same unit is already in row 3."]


# --- applying ------------------------------------------------------------------------------------------------------

def decide_open_rows(list_import, registry_2023):
    list_import.decisions = {
        "6": {"unit": str(registry_2023["cosl"].pk)},
        "7": {"city": str(factories.city("韶关市").pk), "district": str(factories.district("仁化县").pk)},
        "8": {"city": str(factories.city("佛山市").pk)},
        "9": {"city": str(factories.city("东莞市").pk), "industry": "34"},
    }
    list_import.save()


def test_apply_refuses_while_rows_are_open_and_saves_nothing(registry_2023, province):
    list_import = start(FACTORY_ROWS, actor=province)
    units_before, history_before = Unit.objects.count(), UnitHistory.objects.count()
    with pytest.raises(pl.NotReady) as refused:
        pl.apply_import(list_import, actor=province)
    assert len(refused.value.plan.open_rows) == 4
    assert (Unit.objects.count(), UnitHistory.objects.count()) == (units_before, history_before)
    assert not PublishedList.objects.filter(name="2024年度").exists()
    list_import.refresh_from_db()
    assert list_import.applied_at is None


def test_apply_takes_the_whole_list_with_history(registry_2023, province):
    list_import = start(FACTORY_ROWS, actor=province, notice="工信厅节函〔2025〕12号")
    decide_open_rows(list_import, registry_2023)
    units_before = Unit.objects.count()
    result = pl.apply_import(list_import, actor=province)
    # Matched units listed earlier keep their list; only the renamed one changes.
    assert (result["created"], result["updated"], result["unchanged"]) == (4, 1, 3)
    assert Unit.objects.count() == units_before + 4
    published = PublishedList.objects.get(name="2024年度", purpose=ListPurpose.LISTING)
    assert (published.batch, published.year, published.notice) == (None, 2024, "工信厅节函〔2025〕12号")

    smelter = Unit.objects.get(name="深圳市中金岭南有色金属股份有限公司丹霞冶炼厂")
    assert (smelter.enterprise, smelter.city.name, smelter.district.name) == (
        registry_2023["zjln"].enterprise, "韶关市", "仁化县")
    assert smelter.credit_code == registry_2023["zjln"].credit_code  # a plant carries its parent's code
    assert (smelter.listed_in, smelter.year_listed, smelter.batch, smelter.evaluator) == (
        published, 2024, None, "赛宝认证中心")
    branch = Unit.objects.get(name="雪花酿酒有限公司佛山分公司")
    assert (branch.city.name, branch.industry.code, branch.credit_code, branch.enterprise.credit_code) == (
        "佛山市", "15", "", None)
    assert UnitHistory.objects.filter(unit=branch, source=HistorySource.MIIT_LIST, field="status").count() == 1

    psa = Unit.objects.get(pk=registry_2023["psa"].pk)
    assert psa.name == "深圳市宝能汽车有限公司"
    assert psa.enterprise.name == "深圳市宝能汽车有限公司"
    rename = UnitHistory.objects.get(unit=psa, field="name")
    assert (rename.old_value, rename.new_value, rename.source, rename.actor) == (
        "长安标致雪铁龙汽车有限公司", "深圳市宝能汽车有限公司", HistorySource.MIIT_LIST, province)
    cosl = Unit.objects.get(pk=registry_2023["cosl"].pk)
    assert cosl.name == "中海福陆重工有限公司"  # a near miss the province confirmed keeps the registry's name
    tcl = Unit.objects.get(pk=registry_2023["tcl"].pk)
    assert (tcl.listed_in.name, tcl.evaluator) == ("第八批", "")  # listed earlier: it keeps the list it came from


def test_apply_again_changes_nothing(registry_2023, province):
    first = start(FACTORY_ROWS, actor=province)
    decide_open_rows(first, registry_2023)
    pl.apply_import(first, actor=province)
    counts = (Unit.objects.count(), UnitHistory.objects.count(), Enterprise.objects.count())
    again = start(FACTORY_ROWS, actor=province)
    plan = pl.make_plan(again.rows, kind=UnitKind.FACTORY)
    assert plan.summary == {"rows": 8, "matched": 8, "new": 0, "ambiguous": 0, "needs_city": 0}
    result = pl.apply_import(again, actor=province)
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, 8)
    assert (Unit.objects.count(), UnitHistory.objects.count(), Enterprise.objects.count()) == counts


def test_apply_a_company_on_two_lists_is_two_units_of_one_enterprise(registry_2023, province):
    rows = [[1, "广东", "广东美的制冷设备有限公司", "家电", "中国电子技术标准化研究院"]]
    pl.apply_import(start(rows, kind=UnitKind.SUPPLY_CHAIN, list_name="第八批"), actor=province)
    midea = registry_2023["midea"].enterprise
    assert sorted(midea.units.values_list("kind", flat=True)) == ["factory", "supply_chain"]
    chain = midea.units.get(kind=UnitKind.SUPPLY_CHAIN)
    assert (chain.credit_code, chain.city.name, chain.batch, chain.year_listed) == (
        registry_2023["midea"].credit_code, "佛山市", 8, 2023)
    # The enterprise's account acts for both listings.
    from registry import access

    user = factories.enterprise_user(registry_2023["midea"])
    assert access.roles_of(user).unit_ids == {registry_2023["midea"].pk, chain.pk}


def test_apply_is_one_transaction(registry_2023, province):
    """A failure half-way (here: a receiver of the rename signal fails) leaves nothing of the list behind."""
    list_import = start(FACTORY_ROWS, actor=province)
    decide_open_rows(list_import, registry_2023)
    counts = (Unit.objects.count(), UnitHistory.objects.count(), Enterprise.objects.count())

    def fail(**kwargs):
        raise RuntimeError("receiver down")

    signals.unit_renamed.connect(fail, dispatch_uid="test-fail")
    try:
        with pytest.raises(RuntimeError):
            pl.apply_import(list_import, actor=province)
    finally:
        signals.unit_renamed.disconnect(dispatch_uid="test-fail")
    assert (Unit.objects.count(), UnitHistory.objects.count(), Enterprise.objects.count()) == counts
    assert not PublishedList.objects.filter(name="2024年度").exists()
    assert Unit.objects.get(pk=registry_2023["psa"].pk).name == "长安标致雪铁龙汽车有限公司"


def test_apply_a_branch_with_its_own_code_under_its_parent(registry_2023, province):
    parent = registry_2023["zjln"].enterprise
    own = factories.valid_code("440200")
    rows = [[1, "广东", "深圳市中金岭南有色金属股份有限公司丹霞冶炼厂", "有色金属冶炼和压延加工业", "x", "韶关市", own]]
    list_import = start(rows, headers=WITH_CITY_AND_CODE)
    list_import.decisions = {"3": {"parent_code": parent.credit_code}}
    list_import.save()
    pl.apply_import(list_import, actor=province)
    plant = Unit.objects.get(name__endswith="丹霞冶炼厂")
    assert (plant.enterprise, plant.branch_code, plant.credit_code) == (parent, own, own)
    assert Enterprise.objects.filter(credit_code=own).count() == 0  # a branch is not a legal entity


def test_apply_removals_record_the_list_that_removed_them(registry_2023, province):
    rows = [[1, "广东", "TCL空调器（中山）有限公司", "家电", "x"], [2, None, "不在名单里的工厂", "电子", "x"]]
    removal = start(rows, purpose=ListPurpose.REMOVAL, published_on="2025-01-10")
    plan = pl.make_plan(removal.rows, kind=UnitKind.FACTORY, purpose=ListPurpose.REMOVAL)
    assert [r.category for r in plan.rows] == ["matched", "new"]
    assert plan.rows[1].problems
    removal = start(rows[:1], purpose=ListPurpose.REMOVAL, published_on="2025-01-10", notice="工信厅节函〔2025〕1号")
    pl.apply_import(removal, actor=province)
    tcl = Unit.objects.get(pk=registry_2023["tcl"].pk)
    assert (tcl.status, tcl.removed_in.name, tcl.removed_in.purpose, str(tcl.status_date)) == (
        UnitStatus.REMOVED, "2024年度", ListPurpose.REMOVAL, "2025-01-10")
    assert "工信厅节函〔2025〕1号" in tcl.status_reason
    again = start(rows[:1], purpose=ListPurpose.REMOVAL)
    assert pl.apply_import(again, actor=province)["updated"] == 0


def test_apply_relists_a_removed_unit_named_on_a_new_list(province):
    removed = unit("广东恒达电器有限公司", status=UnitStatus.REMOVED, level=Level.NATIONAL)
    pl.apply_import(start([[1, "广东", "广东恒达电器有限公司", "家电", "x"]], list_name="2025年度"), actor=province)
    removed.refresh_from_db()
    assert (removed.status, removed.listed_in.name, removed.year_listed, removed.batch) == (
        UnitStatus.LISTED, "2025年度", 2025, None)


# --- the command ---------------------------------------------------------------------------------------------------

def test_command_dry_run_prints_one_json_line_and_saves_nothing(registry_2023, tmp_path):
    path = tmp_path / "2024年度绿色工厂名单.xlsx"
    path.write_bytes(miit_file(FACTORY_ROWS).getvalue())
    out = io.StringIO()
    call_command("import_published_list", str(path), "--kind", "factory", "--list", "2024年度", "--dry-run", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0]) == {"rows": 8, "matched": 3, "new": 1, "ambiguous": 1, "needs_city": 3}
    assert ListImport.objects.count() == 0


def test_command_leaves_open_rows_for_the_page(registry_2023, tmp_path):
    path = tmp_path / "list.xlsx"
    path.write_bytes(miit_file(FACTORY_ROWS).getvalue())
    with pytest.raises(CommandError, match="/lists/imports/"):
        call_command("import_published_list", str(path), "--kind", "factory", "--list", "2024年度",
                     stdout=io.StringIO(), stderr=io.StringIO())
    assert ListImport.objects.get().applied_at is None


def test_command_applies_a_file_the_province_completed(registry_2023, tmp_path):
    rows = [[1, "广东", "广东美的制冷设备有限公司", "家电", "x", "", ""],
            [2, "深圳", "深圳市新建电子有限公司", "电子", "y", "", ""],
            [3, "广东", "惠州市新能电池有限公司", "电气机械和器材制造业", "z", "惠州市", ""]]
    path = tmp_path / "list.xlsx"
    path.write_bytes(miit_file(rows, headers=WITH_CITY_AND_CODE).getvalue())
    out = io.StringIO()
    call_command("import_published_list", str(path), "--kind", "supply-chain", "--list", "第八批", stdout=out)
    assert "created 3" in out.getvalue()
    assert Unit.objects.filter(kind=UnitKind.SUPPLY_CHAIN, listed_in__name="第八批").count() == 3
