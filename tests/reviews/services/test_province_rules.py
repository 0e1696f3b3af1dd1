"""The province's side (reviews.services.province), rule by rule: who may decide, what a decision records (who,
when, the trimmed comment, the audit row), every refusal with its reason, MIIT's decision and exactly what a
confirmed decision changes in the registry (and what it leaves alone)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from registry.enums import HistorySource, UnitStatus
from registry.models import UnitHistory
from reviews.enums import MiitOutcome, Outcome, ProposalState
from reviews.models import AdjustmentProposal, Campaign, MiitDecision, Transition
from reviews.services import province as province_services
from reviews.workflow import ReviewError
from tests.reviews.review_helpers import open_campaign

pytestmark = pytest.mark.django_db
DOCUMENT = "工信厅节函〔2030〕189号"
DECIDED_ON = dt.date(2030, 6, 20)


def _proposal(unit, state=ProposalState.SUBMITTED, outcome=Outcome.KEEP, **fields) -> AdjustmentProposal:
    if outcome == Outcome.REMOVE:
        fields.setdefault("remove_reason", "other")
    campaign = Campaign.objects.filter(year=2030).first() or open_campaign(2030)
    return AdjustmentProposal.objects.create(campaign=campaign, unit=unit, outcome=outcome, state=state, **fields)


def _audit(proposal, action):
    return list(Transition.objects.filter(object_id=proposal.pk, action=action).values_list(
        "from_state", "to_state", "actor", "comment"))


def _decision_fields(proposal):
    proposal.refresh_from_db()
    return proposal.state, proposal.decided_by_id, proposal.decided_at, proposal.decision_comment


def _history(unit):
    return list(UnitHistory.objects.filter(unit=unit).order_by("field").values_list(
        "field", "old_value", "new_value", "reason", "source", "actor"))


# --- decide_proposal ---------------------------------------------------------------------------------------

def test_decide_proposal_approve_records_who_when_and_the_trimmed_comment(gz_unit, province):
    proposal = _proposal(gz_unit)
    before = timezone.now()
    returned = province_services.decide_proposal(proposal.pk, "approve", actor=province, comment="  同意上报  ")
    after = timezone.now()
    assert (returned.pk, returned.state) == (proposal.pk, ProposalState.APPROVED)
    state, decided_by, decided_at, comment = _decision_fields(proposal)
    assert (state, decided_by, comment) == (ProposalState.APPROVED, province.pk, "同意上报")
    assert before <= decided_at <= after
    assert _audit(proposal, "approve") == [(ProposalState.SUBMITTED, ProposalState.APPROVED, province.pk, "同意上报")]


@pytest.mark.parametrize("comment", [None, "", "   "])
def test_decide_proposal_approve_without_a_comment_records_an_empty_one(gz_unit, province, comment):
    proposal = _proposal(gz_unit)
    province_services.decide_proposal(proposal.pk, "approve", actor=province, comment=comment)
    assert _decision_fields(proposal)[3] == ""
    assert _audit(proposal, "approve") == [(ProposalState.SUBMITTED, ProposalState.APPROVED, province.pk, "")]


def test_decide_proposal_comment_left_out_is_empty(gz_unit, province):
    proposal = _proposal(gz_unit)
    province_services.decide_proposal(proposal.pk, "approve", actor=province)
    assert _decision_fields(proposal)[3] == ""
    assert _audit(proposal, "approve") == [(ProposalState.SUBMITTED, ProposalState.APPROVED, province.pk, "")]


def test_decide_proposal_return_with_a_reason(gz_unit, province):
    proposal = _proposal(gz_unit)
    province_services.decide_proposal(proposal.pk, "return", actor=province, comment=" 请补充说明 ")
    state, decided_by, _at, comment = _decision_fields(proposal)
    assert (state, decided_by, comment) == (ProposalState.RETURNED, province.pk, "请补充说明")
    assert _audit(proposal, "return") == [(ProposalState.SUBMITTED, ProposalState.RETURNED, province.pk, "请补充说明")]


@pytest.mark.parametrize("comment", [None, "", "  "])
def test_decide_proposal_return_without_a_reason_is_refused(gz_unit, province, comment):
    proposal = _proposal(gz_unit)
    with pytest.raises(ReviewError) as exc:
        province_services.decide_proposal(proposal.pk, "return", actor=province, comment=comment)
    assert str(exc.value) == "请填写退回地市的原因。"
    assert _decision_fields(proposal) == (ProposalState.SUBMITTED, None, None, "")
    assert not Transition.objects.exists()


@pytest.mark.parametrize("action", ["delete", "", "APPROVE", "miit_decision"])
def test_decide_proposal_refuses_any_other_action(gz_unit, province, action):
    proposal = _proposal(gz_unit)
    with pytest.raises(ReviewError) as exc:
        province_services.decide_proposal(proposal.pk, action, actor=province, comment="意见")
    assert str(exc.value) == "请选择“同意”或“退回”。"
    assert _decision_fields(proposal) == (ProposalState.SUBMITTED, None, None, "")


@pytest.mark.parametrize(("state", "label"), [
    (ProposalState.DRAFT, "草稿"), (ProposalState.APPROVED, "省厅已同意"), (ProposalState.RETURNED, "已退回地市"),
])
@pytest.mark.parametrize("action", ["approve", "return"])
def test_decide_proposal_only_a_submitted_one_names_the_unit_and_state(gz_unit, province, state, label, action):
    proposal = _proposal(gz_unit, state=state)
    with pytest.raises(ReviewError) as exc:
        province_services.decide_proposal(proposal.pk, action, actor=province, comment="意见")
    assert str(exc.value) == f"广州测试绿色工厂有限公司：该调整意见状态为“{label}”，现在不能审核。"
    assert _decision_fields(proposal) == (state, None, None, "")
    assert not Transition.objects.exists()


def test_decide_proposal_is_the_provinces_alone(gz_unit, gz_reviewer):
    proposal = _proposal(gz_unit)
    with pytest.raises(PermissionDenied):
        province_services.decide_proposal(proposal.pk, "approve", actor=gz_reviewer)
    assert _decision_fields(proposal) == (ProposalState.SUBMITTED, None, None, "")


# --- decide_many -------------------------------------------------------------------------------------------

def test_decide_many_decides_what_it_can_and_reports_each_refusal_in_order(gz_unit, sz_unit, province):
    submitted = _proposal(gz_unit)
    draft = _proposal(sz_unit, state=ProposalState.DRAFT)
    missing = submitted.pk + draft.pk + 1000
    result = province_services.decide_many([missing, submitted.pk, draft.pk], "return", actor=province,
                                           comment=" 材料不全 ")
    assert [(p.pk, p.state) for p in result.done] == [(submitted.pk, ProposalState.RETURNED)]
    assert result.refused == [f"调整意见 {missing} 不存在。",
                              "深圳测试绿色工厂有限公司：该调整意见状态为“草稿”，现在不能审核。"]
    assert _decision_fields(submitted)[:2] + _decision_fields(submitted)[3:] == (
        ProposalState.RETURNED, province.pk, "材料不全")
    assert _audit(submitted, "return") == [(ProposalState.SUBMITTED, ProposalState.RETURNED, province.pk, "材料不全")]
    assert _decision_fields(draft) == (ProposalState.DRAFT, None, None, "")


def test_decide_many_without_a_comment_approves_with_an_empty_one(gz_unit, sz_unit, province):
    proposals = [_proposal(gz_unit), _proposal(sz_unit)]
    result = province_services.decide_many([p.pk for p in proposals], "approve", actor=province)
    assert ([p.pk for p in result.done], result.refused) == ([p.pk for p in proposals], [])
    for proposal in proposals:
        assert _decision_fields(proposal)[::3] == (ProposalState.APPROVED, "")
        assert _audit(proposal, "approve") == [(ProposalState.SUBMITTED, ProposalState.APPROVED, province.pk, "")]


def test_decide_many_a_refused_action_refuses_every_proposal_with_the_reason(gz_unit, province):
    proposal = _proposal(gz_unit)
    result = province_services.decide_many([proposal.pk], "return", actor=province, comment="")
    assert (result.done, result.refused) == ([], ["请填写退回地市的原因。"])
    assert _decision_fields(proposal) == (ProposalState.SUBMITTED, None, None, "")


def test_decide_many_is_the_provinces_alone_even_for_nothing(gz_reviewer):
    with pytest.raises(PermissionDenied):
        province_services.decide_many([], "approve", actor=gz_reviewer)


# --- record_miit_decision ------------------------------------------------------------------------------------

def test_miit_confirmed_removal_records_the_decision_and_removes_the_unit(gz_unit, province):
    proposal = _proposal(gz_unit, state=ProposalState.APPROVED, outcome=Outcome.REMOVE)
    decision = province_services.record_miit_decision(proposal, outcome=MiitOutcome.CONFIRMED, decided_on=DECIDED_ON,
                                                      actor=province, document=f"  {DOCUMENT} ", note=" 已存档 ")
    stored = MiitDecision.objects.get()
    assert stored.pk == decision.pk
    assert (stored.proposal_id, stored.outcome, stored.decided_on, stored.document, stored.note, stored.recorded_by_id) == (
        proposal.pk, MiitOutcome.CONFIRMED, DECIDED_ON, DOCUMENT, "已存档", province.pk)
    assert _audit(proposal, "miit_decision") == [
        (ProposalState.APPROVED, ProposalState.APPROVED, province.pk, f"工信部同意调整意见 {DOCUMENT}")]
    gz_unit.refresh_from_db()
    reason = f"2030 其他（{DOCUMENT}）"
    assert (gz_unit.status, gz_unit.status_date, gz_unit.status_reason) == (UnitStatus.REMOVED, DECIDED_ON, reason)
    assert _history(gz_unit) == [
        ("status", UnitStatus.LISTED, UnitStatus.REMOVED, reason, HistorySource.MIIT_DECISION, province.pk),
        ("status_date", "", "2030-06-20", reason, HistorySource.MIIT_DECISION, province.pk),
        ("status_reason", "", reason, reason, HistorySource.MIIT_DECISION, province.pk),
    ]


def test_miit_confirmed_removal_without_a_document_names_the_date(gz_unit, province):
    proposal = _proposal(gz_unit, state=ProposalState.APPROVED, outcome=Outcome.REMOVE,
                         remove_reason="failed_indicators")
    province_services.record_miit_decision(proposal, outcome=MiitOutcome.CONFIRMED, decided_on=DECIDED_ON,
                                           actor=province)
    decision = MiitDecision.objects.get()
    assert (decision.document, decision.note) == ("", "")
    assert _audit(proposal, "miit_decision") == [
        (ProposalState.APPROVED, ProposalState.APPROVED, province.pk, "工信部同意调整意见")]
    gz_unit.refresh_from_db()
    assert (gz_unit.status, gz_unit.status_reason) == (UnitStatus.REMOVED, "2030 关键指标不符合要求（工信部2030-06-20决定）")


def test_miit_not_confirmed_records_the_decision_and_leaves_the_registry_alone(gz_unit, province):
    proposal = _proposal(gz_unit, state=ProposalState.APPROVED, outcome=Outcome.REMOVE)
    province_services.record_miit_decision(proposal, outcome=MiitOutcome.NOT_CONFIRMED, decided_on=DECIDED_ON,
                                           actor=province, document=DOCUMENT)
    assert MiitDecision.objects.get().outcome == MiitOutcome.NOT_CONFIRMED
    assert _audit(proposal, "miit_decision") == [
        (ProposalState.APPROVED, ProposalState.APPROVED, province.pk, f"工信部未同意调整意见 {DOCUMENT}")]
    gz_unit.refresh_from_db()
    assert (gz_unit.status, _history(gz_unit)) == (UnitStatus.LISTED, [])


def test_miit_decision_is_recorded_once(gz_unit, province):
    proposal = _proposal(gz_unit, state=ProposalState.APPROVED)
    first = province_services.record_miit_decision(proposal, outcome=MiitOutcome.NOT_CONFIRMED, decided_on=DECIDED_ON,
                                                   actor=province)
    with pytest.raises(ReviewError) as exc:
        province_services.record_miit_decision(proposal, outcome=MiitOutcome.CONFIRMED, decided_on=DECIDED_ON,
                                               actor=province)
    assert str(exc.value) == "该调整意见的工信部决定已经记录。"
    assert list(MiitDecision.objects.values_list("pk", "outcome")) == [(first.pk, MiitOutcome.NOT_CONFIRMED)]
    assert len(_audit(proposal, "miit_decision")) == 1


@pytest.mark.parametrize("outcome", ["", "approved", "CONFIRMED"])
def test_miit_decision_needs_one_of_miits_outcomes(gz_unit, province, outcome):
    proposal = _proposal(gz_unit, state=ProposalState.APPROVED, outcome=Outcome.REMOVE)
    with pytest.raises(ReviewError) as exc:
        province_services.record_miit_decision(proposal, outcome=outcome, decided_on=DECIDED_ON, actor=province)
    assert str(exc.value) == "请选择工信部的决定。"
    assert (MiitDecision.objects.exists(), Transition.objects.exists(), _history(gz_unit)) == (False, False, [])


@pytest.mark.parametrize("state", [ProposalState.DRAFT, ProposalState.SUBMITTED, ProposalState.RETURNED])
def test_miit_decision_only_on_an_approved_proposal(gz_unit, province, state):
    proposal = _proposal(gz_unit, state=state, outcome=Outcome.REMOVE)
    with pytest.raises(ReviewError) as exc:
        province_services.record_miit_decision(proposal, outcome=MiitOutcome.CONFIRMED, decided_on=DECIDED_ON,
                                               actor=province)
    assert str(exc.value) == "只有省厅已同意的调整意见才能记录工信部决定。"
    assert (MiitDecision.objects.exists(), _history(gz_unit)) == (False, [])


def test_miit_decision_reads_the_proposal_afresh(gz_unit, province):
    proposal = _proposal(gz_unit, state=ProposalState.SUBMITTED, outcome=Outcome.REMOVE)
    stale = AdjustmentProposal.objects.get(pk=proposal.pk)
    province_services.decide_proposal(proposal.pk, "approve", actor=province)
    province_services.record_miit_decision(stale, outcome=MiitOutcome.CONFIRMED, decided_on=DECIDED_ON, actor=province)
    assert MiitDecision.objects.get().proposal_id == proposal.pk


def test_miit_decision_is_the_provinces_alone(gz_unit, gz_reviewer):
    proposal = _proposal(gz_unit, state=ProposalState.APPROVED, outcome=Outcome.REMOVE)
    with pytest.raises(PermissionDenied):
        province_services.record_miit_decision(proposal, outcome=MiitOutcome.CONFIRMED, decided_on=DECIDED_ON,
                                               actor=gz_reviewer)
    assert (MiitDecision.objects.exists(), _history(gz_unit)) == (False, [])


# --- what a confirmed decision changes in the registry --------------------------------------------------------

def test_miit_confirmed_rename_renames_the_unit_with_its_history(gz_unit, province):
    proposal = _proposal(gz_unit, state=ProposalState.APPROVED, outcome=Outcome.RENAME, new_name="广州新名绿色科技有限公司")
    province_services.record_miit_decision(proposal, outcome=MiitOutcome.CONFIRMED, decided_on=DECIDED_ON,
                                           actor=province, document=DOCUMENT)
    gz_unit.refresh_from_db()
    assert (gz_unit.name, gz_unit.status) == ("广州新名绿色科技有限公司", UnitStatus.LISTED)
    assert _history(gz_unit) == [("name", "广州测试绿色工厂有限公司", "广州新名绿色科技有限公司", f"2030 变更名称（{DOCUMENT}）",
                                  HistorySource.MIIT_DECISION, province.pk)]


def test_miit_confirmed_rename_without_a_document_names_the_date(gz_unit, province):
    proposal = _proposal(gz_unit, state=ProposalState.APPROVED, outcome=Outcome.RENAME, new_name="广州新名绿色科技有限公司")
    province_services.record_miit_decision(proposal, outcome=MiitOutcome.CONFIRMED, decided_on=DECIDED_ON,
                                           actor=province)
    assert [h[3] for h in _history(gz_unit)] == ["2030 变更名称（工信部2030-06-20决定）"]


def test_miit_confirmed_rename_to_the_name_the_unit_already_bears_changes_nothing(gz_unit, province):
    proposal = _proposal(gz_unit, state=ProposalState.APPROVED, outcome=Outcome.RENAME, new_name=gz_unit.name)
    province_services.record_miit_decision(proposal, outcome=MiitOutcome.CONFIRMED, decided_on=DECIDED_ON,
                                           actor=province)
    gz_unit.refresh_from_db()
    assert (gz_unit.name, gz_unit.status, _history(gz_unit)) == ("广州测试绿色工厂有限公司", UnitStatus.LISTED, [])


@pytest.mark.parametrize(("outcome", "fields"), [
    (Outcome.KEEP, {}),
    (Outcome.KEEP, {"new_name": "广州另名绿色科技有限公司"}),  # a name left over from an earlier draft
    (Outcome.RECTIFY, {"rectify_due": dt.date(2030, 12, 31)}),
])
def test_miit_confirmed_keep_or_rectify_changes_nothing_in_the_registry(gz_unit, province, outcome, fields):
    proposal = _proposal(gz_unit, state=ProposalState.APPROVED, outcome=outcome, **fields)
    province_services.record_miit_decision(proposal, outcome=MiitOutcome.CONFIRMED, decided_on=DECIDED_ON,
                                           actor=province, document=DOCUMENT)
    gz_unit.refresh_from_db()
    assert (gz_unit.name, gz_unit.status, _history(gz_unit)) == ("广州测试绿色工厂有限公司", UnitStatus.LISTED, [])
    assert MiitDecision.objects.get().outcome == MiitOutcome.CONFIRMED


def test_miit_confirmed_removal_of_a_unit_already_removed_changes_nothing(gz_unit, province):
    gz_unit.status, gz_unit.status_date, gz_unit.status_reason = UnitStatus.REMOVED, dt.date(2029, 1, 5), "已撤销"
    gz_unit.save()
    proposal = _proposal(gz_unit, state=ProposalState.APPROVED, outcome=Outcome.REMOVE)
    province_services.record_miit_decision(proposal, outcome=MiitOutcome.CONFIRMED, decided_on=DECIDED_ON,
                                           actor=province, document=DOCUMENT)
    gz_unit.refresh_from_db()
    assert (gz_unit.status, gz_unit.status_date, gz_unit.status_reason) == (
        UnitStatus.REMOVED, dt.date(2029, 1, 5), "已撤销")
    assert _history(gz_unit) == []
