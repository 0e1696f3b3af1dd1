"""The registry's official tables, always written in Chinese (the format sent upward)."""

from django.utils import timezone, translation

from .enums import Level
from .services import city_statistics
from .xlsx import Sheet

CITY_STATS_HEADERS = ["序号", "地市", "绿色工厂(家)", "绿色供应链管理企业(家)", "绿色工业园区(个)"]


def city_stats_sheet(level: str | None = Level.NATIONAL) -> Sheet:
    with translation.override("zh-hans"):
        stats = city_statistics(level)
        rows = [[r.number, r.city, r.factories, r.supply_chain, r.parks] for r in stats.rows]
        rows.append(["合计", "", stats.total.factories, stats.total.supply_chain, stats.total.parks])
        level_label = str(dict(Level.choices)[level]) if level else "全部级别"
    today = timezone.localdate()
    return Sheet(
        title="各地市绿色制造数量统计表",
        title_line="各地市“绿色制造”数量统计表",
        note_line=f"（统计截至{today.year}年{today.month}月，{level_label}，不含已动态调整出名单企业）",
        headers=CITY_STATS_HEADERS,
        rows=rows,
        widths=[8, 12, 16, 24, 18],
    )
