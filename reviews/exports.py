"""The dynamic-adjustment summary (附件4 style), always written in Chinese: the table sent to MIIT."""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import translation

from registry.models import UnitHistory
from registry.xlsx import Sheet

from .enums import Outcome, ProposalState
from .models import AdjustmentProposal

ADJUSTMENT_HEADERS = ["序号", "城市", "单位名称", "统一社会信用代码", "类型", "级别", "批次", "调整类型", "原名称", "新名称", "原因"]


def adjustment_rows(proposals: QuerySet[AdjustmentProposal]):
    """One row per proposal, streamed in chunks; names are the names at the time of the proposal."""
    with translation.override("zh-hans"):
        renamed_from = UnitHistory.objects.filter(
            unit=OuterRef("unit"), field="name", new_value=OuterRef("new_name")
        ).order_by("-at", "-id").values("old_value")[:1]
        queryset = (proposals.select_related("unit", "unit__city", "unit__listed_in")
                    .annotate(renamed_from=Subquery(renamed_from))
                    .order_by("unit__city__seed_order", "unit__name", "pk"))
        for number, p in enumerate(queryset.iterator(chunk_size=2000), start=1):
            unit = p.unit
            if p.outcome == Outcome.RENAME:
                old_name = p.renamed_from or unit.name
                reason = p.reason
            else:
                old_name = ""
                reason = p.get_remove_reason_display() if p.outcome == Outcome.REMOVE else p.reason
                if p.outcome == Outcome.REMOVE and p.reason:
                    reason = f"{reason}：{p.reason}"
                elif p.outcome == Outcome.RECTIFY and p.rectify_due:
                    reason = f"整改期限 {p.rectify_due:%Y-%m-%d}" + (f"；{p.reason}" if p.reason else "")
            yield [
                number, unit.city.name, unit.name, unit.credit_code, str(unit.get_kind_display()),
                # 批次: the batch number, or the year list's name after the eighth batch (2024年度 …).
                str(unit.get_level_display()), unit.batch or (unit.listed_in.name if unit.listed_in_id else ""),
                str(p.get_outcome_display()),
                old_name, p.new_name if p.outcome == Outcome.RENAME else "", reason,
            ]


def adjustment_sheet(proposals: QuerySet[AdjustmentProposal], year: int) -> Sheet:
    return Sheet(
        title=f"{year}年动态调整汇总表",
        title_line=f"广东省{year}年度绿色制造名单动态调整汇总表",
        headers=ADJUSTMENT_HEADERS,
        rows=adjustment_rows(proposals),
        widths=[6, 10, 40, 22, 22, 8, 8, 14, 40, 40, 40],
    )


def summary_proposals(year: int) -> QuerySet[AdjustmentProposal]:
    """What goes to MIIT: the province's approved adjustments of the year (keeping a unit is no adjustment)."""
    return AdjustmentProposal.objects.filter(campaign__year=year, state=ProposalState.APPROVED).exclude(outcome=Outcome.KEEP)
