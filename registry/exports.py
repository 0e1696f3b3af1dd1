"""The registry's official tables, always written in Chinese (the format sent upward)."""

from django.utils import timezone, translation

from .enums import Level
from .services import city_statistics, district_statistics
from .xlsx import Sheet

CITY_STATS_HEADERS = ["序号", "地市", "绿色工厂(家)", "绿色供应链管理企业(家)", "绿色工业园区(个)"]
DISTRICT_STATS_HEADERS = ["序号", "区县", "绿色工厂(家)", "绿色供应链管理企业(家)", "绿色工业园区(个)"]
UNIT_LIST_HEADERS = ["序号", "单位名称", "统一社会信用代码", "法人单位", "城市", "区县", "类型", "级别", "名单", "列入年份",
                     "行业", "第三方评价机构", "状态"]


def _note(level: str | None, published) -> str:
    level_label = str(dict(Level.choices)[level]) if level else "全部级别"
    list_label = f"，{published.name}名单" if published is not None else ""
    today = timezone.localdate()
    return f"（统计截至{today.year}年{today.month}月，{level_label}{list_label}，不含已动态调整出名单企业）"


def city_stats_sheet(level: str | None = Level.NATIONAL, published=None) -> Sheet:
    with translation.override("zh-hans"):
        stats = city_statistics(level, published)
        rows = [[r.number, r.city, r.factories, r.supply_chain, r.parks] for r in stats.rows]
        rows.append(["合计", "", stats.total.factories, stats.total.supply_chain, stats.total.parks])
        note = _note(level, published)
    return Sheet(
        title="各地市绿色制造数量统计表",
        title_line="各地市“绿色制造”数量统计表",
        note_line=note,
        headers=CITY_STATS_HEADERS,
        rows=rows,
        widths=[8, 12, 16, 24, 18],
    )


def district_stats_sheet(city, level: str | None = Level.NATIONAL, published=None) -> Sheet:
    """One city's table by district (and review area), with a row for units not yet placed."""
    with translation.override("zh-hans"):
        stats = district_statistics(city, level, published)
        rows = [[r.number or "", r.city, r.factories, r.supply_chain, r.parks] for r in stats.rows]
        rows.append(["合计", "", stats.total.factories, stats.total.supply_chain, stats.total.parks])
        note = _note(level, published)
    return Sheet(
        title=f"{city.name}各区县统计表",
        title_line=f"{city.name}各区县“绿色制造”数量统计表",
        note_line=note,
        headers=DISTRICT_STATS_HEADERS,
        rows=rows,
        widths=[8, 20, 16, 24, 18],
    )


def unit_list_sheet(units, filters: str | None = None) -> Sheet:
    """The units of a (filtered) queryset, streamed in chunks: memory stays bounded for any size. `filters` is the
    filter line (registry.xlsx.filter_line) naming what the list was narrowed to."""

    def rows():
        with translation.override("zh-hans"):
            queryset = units.select_related("city", "district", "industry", "listed_in", "enterprise")
            for number, unit in enumerate(queryset.iterator(chunk_size=2000), start=1):
                yield [number, unit.name, unit.credit_code, unit.enterprise.name, unit.city.name,
                       unit.district.name if unit.district_id else "", str(unit.get_kind_display()),
                       str(unit.get_level_display()), unit.list_label, unit.year_listed,
                       str(unit.industry) if unit.industry_id else "", unit.evaluator, str(unit.get_status_display())]

    return Sheet(title="绿色制造名单", headers=UNIT_LIST_HEADERS, rows=rows(), note_line=filters,
                 widths=[8, 40, 22, 40, 10, 14, 22, 10, 12, 10, 30, 30, 10])
