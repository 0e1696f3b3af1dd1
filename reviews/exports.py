"""The dynamic-adjustment summary (附件4 style), always written in Chinese: the table sent to MIIT."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils import timezone, translation

from registry.models import UnitHistory
from registry.xlsx import Sheet

from .enums import CheckVerdict, FilingState, FlagVerdict, MiitOutcome, Outcome, ProposalState
from .models import AdjustmentProposal, DataFlag, IndicatorCheck, MiitDecision

MIIT_LABELS = dict(MiitOutcome.choices)
PROPOSAL_STATE_HEADERS = ["状态", "报送时间", "是否逾期", "工信部决定"]
REVIEW_QUEUE_HEADERS = ["序号", "城市", "单位名称", "统一社会信用代码", "类型", "级别", "状态", "提交时间", "通过时间",
                        "有不达标指标", "有待判定异常数据"]
NOT_FILED_HEADERS = ["序号", "城市", "单位名称", "统一社会信用代码", "类型", "级别", "填报状态", "已有调整意见"]
ADJUSTMENT_HEADERS = ["序号", "城市", "单位名称", "统一社会信用代码", "类型", "级别", "批次", "调整类型", "原名称", "新名称", "原因"]


def adjustment_rows(proposals: QuerySet[AdjustmentProposal], *, with_state: bool = False):
    """One row per proposal, streamed in chunks; names are the names at the time of the proposal. `with_state` adds
    the columns of PROPOSAL_STATE_HEADERS (the filtered list's export)."""
    with translation.override("zh-hans"):
        renamed_from = UnitHistory.objects.filter(
            unit=OuterRef("unit"), field="name", new_value=OuterRef("new_name")
        ).order_by("-at", "-id").values("old_value")[:1]
        queryset = (proposals.select_related("unit", "unit__city", "unit__listed_in")
                    .annotate(renamed_from=Subquery(renamed_from),
                              miit_outcome=Subquery(MiitDecision.objects.filter(proposal=OuterRef("pk")).values("outcome")[:1]))
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
            row = [
                number, unit.city.name, unit.name, unit.credit_code, str(unit.get_kind_display()),
                # 批次: the batch number, or the year list's name after the eighth batch (2024年度 …).
                str(unit.get_level_display()), unit.batch or (unit.listed_in.name if unit.listed_in_id else ""),
                str(p.get_outcome_display()),
                old_name, p.new_name if p.outcome == Outcome.RENAME else "", reason,
            ]
            if with_state:
                row += [str(p.get_state_display()), _local(p.submitted_at), "是" if p.is_late else "否",
                        str(MIIT_LABELS.get(p.miit_outcome, "")) if p.miit_outcome else ""]
            yield row


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


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def proposal_list_sheet(proposals: QuerySet[AdjustmentProposal], year: int, filters: str) -> Sheet:
    """The proposal list as filtered on screen: the 附件4 columns, then each proposal's state; the filter line names
    the filter."""
    return Sheet(
        title=f"{year}年调整意见",
        title_line=f"广东省{year}年度绿色制造名单动态调整意见（列表导出）",
        note_line=filters,
        headers=ADJUSTMENT_HEADERS + PROPOSAL_STATE_HEADERS,
        rows=adjustment_rows(proposals, with_state=True),
        widths=[6, 10, 40, 22, 22, 8, 8, 14, 40, 40, 40, 16, 18, 10, 16],
    )


def review_queue_sheet(filings, year: int, filters: str) -> Sheet:
    """The city's review queue as filtered on screen, with each filing's state and what still needs judging."""

    def rows():
        with translation.override("zh-hans"):
            queryset = filings.select_related("unit", "unit__city").annotate(
                has_non_compliant=Exists(IndicatorCheck.objects.filter(filing=OuterRef("pk"),
                                                                       verdict=CheckVerdict.NON_COMPLIANT)),
                has_pending_flag=Exists(DataFlag.objects.filter(filing=OuterRef("pk"), verdict=FlagVerdict.PENDING)),
            )
            for number, f in enumerate(queryset.iterator(chunk_size=2000), start=1):
                unit = f.unit
                yield [number, unit.city.name, unit.name, unit.credit_code, str(unit.get_kind_display()),
                       str(unit.get_level_display()), str(f.get_state_display()), _local(f.submitted_at),
                       _local(f.accepted_at), "是" if f.has_non_compliant else "否", "是" if f.has_pending_flag else "否"]

    return Sheet(title=f"{year}年待审核动态管理表", title_line=f"{year}年度动态管理表审核列表", note_line=filters,
                 headers=REVIEW_QUEUE_HEADERS, rows=rows(), widths=[6, 10, 40, 22, 22, 8, 12, 18, 18, 12, 14])


def not_filed_sheet(units, campaign, filters: str) -> Sheet:
    """The not-filed list as on screen: each unit with its filing's state (a draft, or none) and whether a proposal
    is open. `units` carries the list's annotations filing_state and has_proposal."""
    states = dict(FilingState.choices)

    def rows():
        with translation.override("zh-hans"):
            for number, unit in enumerate(units.iterator(chunk_size=2000), start=1):
                yield [number, unit.city.name, unit.name, unit.credit_code, str(unit.get_kind_display()),
                       str(unit.get_level_display()), str(states.get(unit.filing_state, "未开始填报")),
                       "是" if unit.has_proposal else "否"]

    return Sheet(title=f"{campaign.year}年未填报单位", title_line=f"{campaign.year}年度未填报动态管理表的单位",
                 note_line=filters, headers=NOT_FILED_HEADERS, rows=rows(), widths=[6, 10, 40, 22, 22, 8, 14, 12])
