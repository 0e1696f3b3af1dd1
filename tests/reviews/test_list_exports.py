"""Exports of exactly what is on screen (review queue, proposals, not filed), with state columns and a line naming
the filter; and the city home's proposal figures, which agree with the proposal list."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from registry.xlsx import filter_line
from reviews.enums import FlagKind, Outcome, ProposalState
from reviews.exports import NOT_FILED_HEADERS, PROPOSAL_STATE_HEADERS, REVIEW_QUEUE_HEADERS
from reviews.models import AdjustmentProposal, DataFlag
from reviews.services import filings as filing_services
from reviews.services import province as province_services
from reviews.services import review as review_services
from tests import factories
from tests.conftest import login

from .review_helpers import accepted_filing, open_campaign, submitted_filing, totals

pytestmark = pytest.mark.django_db


def sheet(response):
    """(filter line, headers, data rows) of a downloaded list."""
    assert response["Content-Disposition"].startswith("attachment")
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and r[0] == "序号")
    filters = next(r[0] for r in rows[:header] if r[0] and str(r[0]).startswith("筛选："))
    return filters, list(rows[header]), [list(r) for r in rows[header + 1:]]


def test_filter_line_names_each_set_filter_or_says_none():
    assert filter_line([("城市", "广州市"), ("状态", "已提交"), ("名称", "")]) == "筛选：城市=广州市；状态=已提交"
    assert filter_line([("城市", ""), ("名称", None)]) == "筛选：无（全部）"


def test_filter_line_drops_control_characters_a_worksheet_cannot_hold(client, campaign, province):
    assert filter_line([("名称", "广州\x17\x00工厂\x1f")]) == "筛选：名称=广州工厂"
    from tests.conftest import login

    login(client, province)
    response = client.get(reverse("reviews:proposal_list"), {"year": campaign.year, "format": "xlsx",
                                                              "q": "广州\x17工厂"})
    assert response.status_code == 200
    filters, _headers, _rows = sheet(response)
    assert "名称或信用代码=广州工厂" in filters


@pytest.fixture
def campaign(db):
    return open_campaign()


def test_review_queue_export_is_the_filtered_list_with_states(client, campaign, gz_unit, gz_reviewer, sz_unit):
    waiting = submitted_filing(campaign, gz_unit)
    DataFlag.objects.create(filing=waiting, code="energy_per_output", kind=FlagKind.YEAR_ON_YEAR, value=1)
    accepted_filing(campaign, factories.UnitFactory(name="广州已通过工厂"), gz_reviewer)
    submitted_filing(campaign, sz_unit)  # another city: never in 广州's list
    login(client, gz_reviewer)
    on_screen = [f.unit.name for f in client.get(reverse("reviews:review_list"), {"year": campaign.year}).context["page"]]
    filters, headers, rows = sheet(client.get(reverse("reviews:review_list"), {"year": campaign.year, "format": "xlsx"}))
    assert filters == f"筛选：年度={campaign.year}；状态=已提交"
    assert headers == REVIEW_QUEUE_HEADERS
    assert [r[2] for r in rows] == on_screen == [gz_unit.name]
    assert (rows[0][6], rows[0][9], rows[0][10]) == ("已提交", "否", "是")
    filters, _headers, rows = sheet(client.get(reverse("reviews:review_list"), {
        "year": campaign.year, "state": "all", "q": "广州", "format": "xlsx"}))
    assert filters == f"筛选：年度={campaign.year}；名称或信用代码=广州"
    assert sorted((r[2], r[6]) for r in rows) == sorted([(gz_unit.name, "已提交"), ("广州已通过工厂", "已通过")])


def test_proposal_list_export_carries_states_and_names_the_filter(client, campaign, gz_unit, gz_reviewer, province):
    late_keep = factories.UnitFactory(name="广州保留工厂")
    for unit in (gz_unit, late_keep):
        accepted_filing(campaign, unit, gz_reviewer)
        review_services.save_proposal(campaign, unit, {"outcome": Outcome.KEEP}, actor=gz_reviewer)
    review_services.submit_package(campaign, gz_unit.city, actor=gz_reviewer)
    province_services.decide_proposal(AdjustmentProposal.objects.get(unit=gz_unit).pk, "approve", actor=province)
    login(client, province)
    params = {"year": campaign.year, "city": gz_unit.city_id, "state": "approved", "outcome": "keep"}
    on_screen = [p.unit.name for p in client.get(reverse("reviews:proposal_list"), params).context["page"]]
    filters, headers, rows = sheet(client.get(reverse("reviews:proposal_list"), {**params, "format": "xlsx"}))
    assert filters == f"筛选：年度={campaign.year}；城市=广州市；调整类型=保留；状态=省厅已同意"
    assert headers[-4:] == PROPOSAL_STATE_HEADERS
    assert [r[2] for r in rows] == on_screen == [gz_unit.name]
    assert (rows[0][11], rows[0][13], rows[0][14]) == ("省厅已同意", "否", None)


def test_not_filed_export_lists_the_units_on_screen_with_their_filing_state(client, campaign, gz_unit, gz_reviewer):
    draft_unit = factories.UnitFactory(name="广州草稿工厂")
    filing = filing_services.filing_for(campaign, draft_unit)
    filing_services.save_filing(filing, totals(), actor=factories.enterprise_user(draft_unit))
    accepted_filing(campaign, factories.UnitFactory(name="广州已填报工厂"), gz_reviewer)
    login(client, gz_reviewer)
    on_screen = [u.name for u in client.get(reverse("reviews:not_filed"), {"year": campaign.year}).context["page"]]
    filters, headers, rows = sheet(client.get(reverse("reviews:not_filed"), {"year": campaign.year, "format": "xlsx"}))
    assert filters == f"筛选：年度={campaign.year}；城市=广州市"
    assert headers == NOT_FILED_HEADERS
    assert [r[2] for r in rows] == on_screen
    assert sorted((r[2], r[6], r[7]) for r in rows) == sorted([(gz_unit.name, "未开始填报", "否"),
                                                                ("广州草稿工厂", "草稿", "否")])


def test_exports_are_scoped_like_the_lists(client, campaign, gz_unit, sz_reviewer):
    submitted_filing(campaign, gz_unit)
    login(client, sz_reviewer)
    _filters, _headers, rows = sheet(client.get(reverse("reviews:review_list"), {
        "year": campaign.year, "city": gz_unit.city_id, "format": "xlsx"}))
    assert rows == []


# --- the city home's proposal figures -----------------------------------------------------------------------

@pytest.fixture
def drafts_and_one_sent(campaign, gz_reviewer):
    """广州: three listed units; two draft proposals, one submitted with the package."""
    units = [factories.UnitFactory(name=f"广州意见工厂{i}") for i in range(3)]
    review_services.save_proposal(campaign, units[0], {"outcome": Outcome.KEEP}, actor=gz_reviewer)
    review_services.submit_package(campaign, units[0].city, actor=gz_reviewer, reason="其余尚在审核")
    for unit in units[1:]:
        review_services.save_proposal(campaign, unit, {"outcome": Outcome.KEEP}, actor=gz_reviewer)
    return units


def test_city_home_shows_sent_opinions_and_drafts_apart(client, campaign, gz_reviewer, drafts_and_one_sent):
    login(client, gz_reviewer)
    response = client.get(reverse("reviews:city_dashboard"), {"year": campaign.year})
    [row] = response.context["rows"]
    bars = {key: (n, of) for key, n, of, _pct in row.bars}
    assert (bars["proposed"], row.drafts) == ((1, 3), 2)
    assert response.context["todo"].draft_proposals == row.drafts
    assert 'data-drafts="2"' in response.content.decode()


def test_city_home_figures_agree_with_the_proposal_list(client, campaign, gz_reviewer, drafts_and_one_sent):
    login(client, gz_reviewer)
    [row] = client.get(reverse("reviews:city_dashboard"), {"year": campaign.year}).context["rows"]
    listed = {state: client.get(reverse("reviews:proposal_list"), {"year": campaign.year, "state": state})
              .context["page"].paginator.count for state in ("draft", "proposed")}
    assert listed == {"draft": row.drafts, "proposed": row.proposed}


def test_a_returned_proposal_stays_proposed_and_is_no_draft(campaign, gz_reviewer, province, drafts_and_one_sent):
    from reviews.services import progress

    sent = AdjustmentProposal.objects.get(state=ProposalState.SUBMITTED)
    province_services.decide_proposal(sent.pk, "return", actor=province, comment="请补充说明")
    [row], _total = progress.campaign_progress(campaign, [drafts_and_one_sent[0].city])
    assert (row.proposed, row.drafts, row.sent_back) == (1, 2, 1)
