"""The review workflow through the real views, as each role: file, check, assess, propose, approve, decide."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from registry.enums import HistorySource, UnitStatus
from registry.models import UnitHistory
from reviews import signals
from reviews.enums import CheckVerdict, FilingState, MiitOutcome, Outcome, ProposalState, RemoveReason
from reviews.labels import ACTION_LABELS
from reviews.models import AdjustmentProposal, CityPackage, Filing, IndicatorCheck, MiitDecision, Transition
from reviews.services import review as review_services
from tests import factories
from tests.conftest import login

from .review_helpers import GOOD, accepted_filing, all_compliant, checks_post, open_campaign, submitted_filing

pytestmark = pytest.mark.django_db


def _post(client, name, data=None, **kwargs):
    return client.post(reverse(name, kwargs=kwargs or None), data or {})


def test_review_full_path_as_enterprise_city_and_province(client, gz_unit, gz_reviewer, province):
    campaign = open_campaign()
    enterprise = factories.enterprise_user(gz_unit)
    filing_url = reverse("reviews:filing_edit", args=[campaign.year, gz_unit.pk])

    # The enterprise files; a negative value is refused with an error on that field.
    login(client, enterprise)
    home = client.get(reverse("reviews:enterprise_home"))
    assert home.status_code == 200
    assert home.context["cards"][0]["step"] == "file"
    bad = client.post(filing_url, {**GOOD, "energy_tce": "-5", "version": "1", "action": "submit"})
    assert bad.status_code == 200
    assert "energy_tce" in bad.context["form"].errors
    assert not Filing.objects.filter(campaign=campaign, unit=gz_unit, state=FilingState.SUBMITTED).exists()
    ok = client.post(filing_url, {**GOOD, "version": "1", "action": "submit"})
    assert ok.status_code == 302
    filing = Filing.objects.get(campaign=campaign, unit=gz_unit)
    assert filing.state == FilingState.SUBMITTED
    assert client.get(reverse("reviews:enterprise_home")).context["cards"][0]["step"] == "wait"

    # The city checks the indicators: one is non-compliant, so a proposal needs an on-site assessment first.
    login(client, gz_reviewer)
    assert client.get(reverse("reviews:city_dashboard")).context["todo"].awaiting_review == [filing]
    page = client.get(reverse("reviews:review_filing", args=[filing.pk]))
    assert page.status_code == 200
    response = _post(client, "reviews:review_checks", checks_post(filing, "energy_per_output"), pk=filing.pk)
    assert response.status_code == 302
    assert IndicatorCheck.objects.get(filing=filing, code="energy_per_output").verdict == CheckVerdict.NON_COMPLIANT
    assert _post(client, "reviews:filing_accept", pk=filing.pk).status_code == 302
    filing.refresh_from_db()
    assert filing.state == FilingState.ACCEPTED

    propose_url = reverse("reviews:proposal_create", args=[gz_unit.pk]) + f"?year={campaign.year}"
    removal = {"outcome": Outcome.REMOVE, "remove_reason": RemoveReason.FAILED_INDICATORS, "reason": "能耗超标"}
    blocked = client.post(propose_url, removal)
    assert blocked.status_code == 400
    assert AdjustmentProposal.objects.count() == 0

    today = timezone.localdate()
    assessment = {"planned_date": today.isoformat(), "team": "市工信局、第三方机构", "findings": "单位产值能耗高于行业基准值",
                  "conclusion": "fails", "completed_on": today.isoformat()}
    assert _post(client, "reviews:assessment_create", assessment, pk=filing.pk).status_code == 302
    assert client.post(propose_url, removal).status_code == 302
    proposal = AdjustmentProposal.objects.get(campaign=campaign, unit=gz_unit)
    assert (proposal.outcome, proposal.state) == (Outcome.REMOVE, ProposalState.DRAFT)

    response = client.post(reverse("reviews:package_submit") + f"?year={campaign.year}",
                           {"note": "广州市2024年动态管理意见", "confirm": "on", "year": campaign.year})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.state, proposal.is_late) == (ProposalState.SUBMITTED, False)
    assert CityPackage.objects.get(campaign=campaign, city=gz_unit.city).is_late is False

    # The province approves (through the bulk form) and records MIIT's decision.
    login(client, province)
    dashboard = client.get(reverse("reviews:province_dashboard"))
    assert dashboard.context["total"].awaiting_province == 1
    response = client.post(reverse("reviews:proposals_decide"),
                           {"proposals": [proposal.pk], "action": "approve", "comment": "同意"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.state, proposal.decided_by, proposal.decision_comment) == (ProposalState.APPROVED, province, "同意")
    gz_unit.refresh_from_db()
    assert gz_unit.status == UnitStatus.LISTED  # nothing changes in the registry before MIIT decides

    response = _post(client, "reviews:miit_decision", {"outcome": MiitOutcome.CONFIRMED, "decided_on": today.isoformat(),
                                                       "document": "工信厅节函〔2024〕1号"}, pk=proposal.pk)
    assert response.status_code == 302
    assert MiitDecision.objects.get(proposal=proposal).outcome == MiitOutcome.CONFIRMED

    # The registry shows the unit as removed, with its history.
    unit_page = client.get(reverse("registry:unit_detail", args=[gz_unit.pk]))
    assert unit_page.context["unit"].status == UnitStatus.REMOVED
    entry = UnitHistory.objects.get(unit=gz_unit, field="status")
    assert (entry.old_value, entry.new_value, entry.source, entry.actor) == (
        "listed", "removed", HistorySource.MIIT_DECISION, province)
    assert "工信厅节函〔2024〕1号" in entry.reason
    assert entry in list(unit_page.context["history"])

    # Every step is on the audit trail, shown on the item's page.
    assert list(Transition.objects.filter(object_id=filing.pk, content_type__model="filing")
                .order_by("at", "id").values_list("action", flat=True)) == [
        "create", "submit", "check", "accept", "assessment_completed"]
    detail = client.get(reverse("reviews:proposal_detail", args=[proposal.pk]))
    assert [str(row["action"]) for row in detail.context["history"]] == [
        str(ACTION_LABELS[a]) for a in ("miit_decision", "approve", "submit", "propose")]


def test_review_accept_sends_filing_accepted_after_commit(gz_unit, gz_reviewer, django_capture_on_commit_callbacks):
    campaign = open_campaign()
    filing = submitted_filing(campaign, gz_unit)
    received = []

    def receiver(sender, filing, **kwargs):
        received.append(filing.pk)

    signals.filing_accepted.connect(receiver)
    try:
        review_services.record_checks(filing, all_compliant(filing), actor=gz_reviewer)
        with django_capture_on_commit_callbacks(execute=True):
            review_services.accept_filing(filing, actor=gz_reviewer)
            assert received == []  # not before the transaction commits
        assert received == [filing.pk]
    finally:
        signals.filing_accepted.disconnect(receiver)
    filing.refresh_from_db()
    assert filing.accepted_at is not None


def test_review_accept_refused_until_every_indicator_is_checked(client, gz_unit, gz_reviewer):
    campaign = open_campaign()
    filing = submitted_filing(campaign, gz_unit)
    login(client, gz_reviewer)
    response = _post(client, "reviews:filing_accept", pk=filing.pk)
    assert response.status_code == 302
    filing.refresh_from_db()
    assert filing.state == FilingState.SUBMITTED
    assert Transition.objects.filter(object_id=filing.pk, action="accept").count() == 0


def test_review_checks_non_compliant_needs_a_note(client, gz_unit, gz_reviewer):
    campaign = open_campaign()
    filing = submitted_filing(campaign, gz_unit)
    login(client, gz_reviewer)
    data = checks_post(filing, "co2_per_output")
    data["note_co2_per_output"] = ""
    response = _post(client, "reviews:review_checks", data, pk=filing.pk)
    assert response.status_code == 400
    assert response.context["checks_form"].errors == {"note_co2_per_output": ["请说明该指标不达标的原因。"]}
    assert IndicatorCheck.objects.filter(filing=filing).count() == 0


def test_review_return_needs_a_reason_then_returns(client, gz_unit, gz_reviewer):
    campaign = open_campaign()
    filing = submitted_filing(campaign, gz_unit)
    login(client, gz_reviewer)
    response = _post(client, "reviews:filing_return", {"reason": "  "}, pk=filing.pk)
    assert response.status_code == 400
    filing.refresh_from_db()
    assert filing.state == FilingState.SUBMITTED
    response = _post(client, "reviews:filing_return", {"reason": "用水量与上年差异过大，请核实"}, pk=filing.pk)
    assert response.status_code == 302
    filing.refresh_from_db()
    assert (filing.state, filing.return_reason) == (FilingState.RETURNED, "用水量与上年差异过大，请核实")
    t = Transition.objects.get(object_id=filing.pk, action="return")
    assert (t.from_state, t.to_state, t.actor, t.comment) == ("submitted", "returned", gz_reviewer, "用水量与上年差异过大，请核实")


def test_review_province_reads_but_cannot_act_on_a_filing(client, gz_unit, province):
    campaign = open_campaign()
    filing = submitted_filing(campaign, gz_unit)
    login(client, province)
    assert client.get(reverse("reviews:review_filing", args=[filing.pk])).status_code == 200
    assert _post(client, "reviews:filing_accept", pk=filing.pk).status_code == 403
    assert _post(client, "reviews:filing_return", {"reason": "x"}, pk=filing.pk).status_code == 403


def test_review_assessment_form_names_each_bad_field(client, gz_unit, gz_reviewer):
    campaign = open_campaign()
    filing = submitted_filing(campaign, gz_unit)
    login(client, gz_reviewer)
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = _post(client, "reviews:assessment_create",
                     {"planned_date": "not a date", "team": "", "conclusion": "fails", "completed_on": future},
                     pk=filing.pk)
    assert response.status_code == 400
    errors = response.context["assessment_form"].errors
    assert sorted(errors) == ["completed_on", "findings", "planned_date", "team"]
    assert errors["completed_on"] == ["完成日期不能晚于今天。"]
    assert filing.assessments.count() == 0


def test_review_rename_approved_and_confirmed_renames_the_unit(gz_unit, gz_reviewer, province):
    from reviews.services import province as province_services

    campaign = open_campaign()
    accepted_filing(campaign, gz_unit, gz_reviewer)
    review_services.save_proposal(campaign, gz_unit, {"outcome": Outcome.RENAME, "new_name": "广州新名绿色科技有限公司"},
                                  actor=gz_reviewer)
    review_services.submit_package(campaign, gz_unit.city, actor=gz_reviewer)
    proposal = AdjustmentProposal.objects.get(unit=gz_unit)
    province_services.decide_proposal(proposal.pk, "approve", actor=province)
    province_services.record_miit_decision(proposal, outcome=MiitOutcome.CONFIRMED, decided_on=timezone.localdate(),
                                           actor=province)
    gz_unit.refresh_from_db()
    assert gz_unit.name == "广州新名绿色科技有限公司"
    entry = UnitHistory.objects.get(unit=gz_unit, field="name")
    assert (entry.old_value, entry.new_value, entry.source) == (
        "广州测试绿色工厂有限公司", "广州新名绿色科技有限公司", HistorySource.MIIT_DECISION)


def test_review_miit_not_confirmed_leaves_the_registry_alone(gz_unit, gz_reviewer, province):
    from reviews.services import province as province_services

    campaign = open_campaign()
    accepted_filing(campaign, gz_unit, gz_reviewer)
    review_services.save_proposal(campaign, gz_unit, {"outcome": Outcome.REMOVE, "remove_reason": RemoveReason.OTHER,
                                                      "reason": "其他"}, actor=gz_reviewer)
    review_services.submit_package(campaign, gz_unit.city, actor=gz_reviewer)
    proposal = AdjustmentProposal.objects.get(unit=gz_unit)
    province_services.decide_proposal(proposal.pk, "approve", actor=province)
    province_services.record_miit_decision(proposal, outcome=MiitOutcome.NOT_CONFIRMED,
                                           decided_on=timezone.localdate(), actor=province)
    gz_unit.refresh_from_db()
    assert gz_unit.status == UnitStatus.LISTED
    assert UnitHistory.objects.filter(unit=gz_unit).count() == 0
    with pytest.raises(review_services.ReviewError):
        province_services.record_miit_decision(proposal, outcome=MiitOutcome.CONFIRMED,
                                               decided_on=timezone.localdate(), actor=province)


def test_review_province_returns_with_comment_and_city_resubmits(client, gz_unit, gz_reviewer, province):
    campaign = open_campaign()
    accepted_filing(campaign, gz_unit, gz_reviewer)
    review_services.save_proposal(campaign, gz_unit, {"outcome": Outcome.KEEP}, actor=gz_reviewer)
    review_services.submit_package(campaign, gz_unit.city, actor=gz_reviewer)
    proposal = AdjustmentProposal.objects.get(unit=gz_unit)
    login(client, province)
    # Returning without a comment is refused and changes nothing.
    client.post(reverse("reviews:proposals_decide"), {"proposals": [proposal.pk], "action": "return", "comment": ""})
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.SUBMITTED
    client.post(reverse("reviews:proposals_decide"), {"proposals": [proposal.pk], "action": "return", "comment": "请补充说明"})
    proposal.refresh_from_db()
    assert (proposal.state, proposal.decision_comment) == (ProposalState.RETURNED, "请补充说明")
    login(client, gz_reviewer)
    response = client.post(reverse("reviews:proposal_edit", args=[proposal.pk]),
                           {"outcome": Outcome.RECTIFY, "rectify_due": (timezone.localdate() + dt.timedelta(days=90)).isoformat(),
                            "reason": "限期整改"})
    assert response.status_code == 302
    review_services.submit_package(campaign, gz_unit.city, actor=gz_reviewer)
    proposal.refresh_from_db()
    assert (proposal.state, proposal.outcome) == (ProposalState.SUBMITTED, Outcome.RECTIFY)
    assert CityPackage.objects.count() == 1


def test_review_proposal_form_names_each_missing_detail(client, gz_unit, gz_reviewer):
    campaign = open_campaign()
    accepted_filing(campaign, gz_unit, gz_reviewer)
    login(client, gz_reviewer)
    url = reverse("reviews:proposal_create", args=[gz_unit.pk]) + f"?year={campaign.year}"
    assert client.post(url, {"outcome": Outcome.REMOVE}).context["form"].errors == {
        "remove_reason": ["移出名单须说明原因。"], "reason": ["请说明该调整意见。"]}
    assert client.post(url, {"outcome": Outcome.RENAME, "new_name": gz_unit.name}).context["form"].errors == {
        "new_name": ["新名称与现名称相同。"]}
    assert client.post(url, {"outcome": "nonsense"}).status_code == 400
    assert AdjustmentProposal.objects.count() == 0


def test_review_approved_proposal_cannot_be_edited_by_the_city(client, gz_unit, gz_reviewer, province):
    from reviews.services import province as province_services

    campaign = open_campaign()
    accepted_filing(campaign, gz_unit, gz_reviewer)
    review_services.save_proposal(campaign, gz_unit, {"outcome": Outcome.KEEP}, actor=gz_reviewer)
    review_services.submit_package(campaign, gz_unit.city, actor=gz_reviewer)
    proposal = AdjustmentProposal.objects.get(unit=gz_unit)
    province_services.decide_proposal(proposal.pk, "approve", actor=province)
    login(client, gz_reviewer)
    response = client.post(reverse("reviews:proposal_edit", args=[proposal.pk]), {"outcome": Outcome.REMOVE})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.outcome, proposal.state) == (Outcome.KEEP, ProposalState.APPROVED)


def test_review_incident_notifies_province_opens_removal_and_signals(client, gz_unit, gz_reviewer, province,
                                                                   django_capture_on_commit_callbacks):
    open_campaign()
    province.email = "province@example.gov.cn"
    province.save()
    received = []

    def receiver(sender, incident, **kwargs):
        received.append(incident.unit_id)

    signals.incident_reported.connect(receiver)
    login(client, gz_reviewer)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("reviews:incident_create"), {
                "unit": gz_unit.pk, "kind": "safety", "occurred_on": timezone.localdate().isoformat(),
                "description": "车间发生火灾，造成人员伤亡"})
    finally:
        signals.incident_reported.disconnect(receiver)
    proposal = AdjustmentProposal.objects.get(unit=gz_unit)
    assert response.status_code == 302
    assert response.url == reverse("reviews:proposal_detail", args=[proposal.pk])
    assert (proposal.outcome, proposal.remove_reason, proposal.is_default) == (Outcome.REMOVE, RemoveReason.ACCIDENT, True)
    assert received == [gz_unit.pk]
    assert [m.to for m in mail.outbox] == [["province@example.gov.cn"]]
    assert gz_unit.name in mail.outbox[0].subject


def test_review_incident_for_another_citys_unit_is_refused(client, sz_unit, gz_reviewer):
    open_campaign()
    login(client, gz_reviewer)
    response = client.post(reverse("reviews:incident_create"), {
        "unit": sz_unit.pk, "kind": "safety", "occurred_on": timezone.localdate().isoformat(), "description": "x"})
    assert response.status_code == 400
    assert response.context["form"].errors == {"unit": ["请选择本市的在册单位。"]}
    assert AdjustmentProposal.objects.count() == 0
    assert len(mail.outbox) == 0
