"""Bulk steps (reviews.services.bulk): the province's decisions and MIIT documents, the city's "keep" for clean units.

A mixed selection is not refused: what can be done is done, every other item is skipped with its reason."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from registry import access
from registry.enums import UnitStatus
from registry.models import UnitHistory
from reviews.enums import FlagKind, FlagVerdict, MiitOutcome, Outcome, ProposalState
from reviews.models import AdjustmentProposal, DataFlag, MiitDecision, MiitDocument, Transition
from reviews.services import bulk
from reviews.services import review as review_services
from reviews.workflow import ReviewError, create_many
from tests import factories

from .review_helpers import accepted_filing, open_campaign

pytestmark = pytest.mark.django_db
DOC = {"number": "工信厅节函〔2024〕189号", "decided_on": dt.date(2024, 6, 20), "title": "关于绿色制造名单动态调整的通知"}


def _proposals(campaign, n: int, state=ProposalState.SUBMITTED, outcome=Outcome.KEEP, city="广州市"):
    units = [factories.UnitFactory(city=factories.city(city)) for _i in range(n)]
    proposals = create_many([AdjustmentProposal(campaign=campaign, unit=u, outcome=outcome, reason="x",
                                                remove_reason="other" if outcome == Outcome.REMOVE else "")
                             for u in units], "propose", actor=None)
    if state != ProposalState.DRAFT:
        AdjustmentProposal.objects.filter(pk__in=[p.pk for p in proposals]).update(state=state)
    return AdjustmentProposal.objects.filter(pk__in=[p.pk for p in proposals]).order_by("pk")


def _states(qs):
    return sorted(set(qs.values_list("state", flat=True)))


# --- province decisions --------------------------------------------------------------------------------------

def test_decide_bulk_approves_every_selected_proposal_with_an_audit_row_each(province):
    campaign = open_campaign()
    proposals = _proposals(campaign, 3)
    report = bulk.decide_bulk(proposals, "approve", actor=province, comment="同意")
    assert (len(report.done), report.skipped) == (3, [])
    assert _states(proposals) == [ProposalState.APPROVED]
    assert set(proposals.values_list("decided_by", "decision_comment")) == {(province.pk, "同意")}
    audit = Transition.objects.filter(action="approve", object_id__in=[p.pk for p in proposals])
    assert sorted(audit.values_list("object_id", flat=True)) == [p.pk for p in proposals]
    assert set(audit.values_list("from_state", "to_state", "actor", "comment")) == {
        (ProposalState.SUBMITTED, ProposalState.APPROVED, province.pk, "同意")}


def test_decide_bulk_mixed_selection_skips_the_undecidable_and_reports_each(province):
    campaign = open_campaign()
    submitted = _proposals(campaign, 2)
    draft = _proposals(campaign, 1, state=ProposalState.DRAFT).get()
    approved = _proposals(campaign, 1, state=ProposalState.APPROVED).get()
    selection = AdjustmentProposal.objects.filter(campaign=campaign).order_by("pk")
    report = bulk.decide_bulk(selection, "return", actor=province, comment="请补充材料")
    assert sorted(p.pk for p in report.done) == [p.pk for p in submitted]
    message = _("%(unit)s: the proposal is “%(state)s”, so it cannot be decided now.")
    assert report.skipped == [message % {"unit": draft.unit.name, "state": ProposalState.DRAFT.label},
                              message % {"unit": approved.unit.name, "state": ProposalState.APPROVED.label}]
    draft.refresh_from_db()
    approved.refresh_from_db()
    assert (draft.state, approved.state) == (ProposalState.DRAFT, ProposalState.APPROVED)
    assert _states(submitted) == [ProposalState.RETURNED]
    assert not Transition.objects.filter(action="return", object_id__in=[draft.pk, approved.pk]).exists()


def test_decide_bulk_return_needs_a_comment(province):
    proposals = _proposals(open_campaign(), 2)
    with pytest.raises(ReviewError):
        bulk.decide_bulk(proposals, "return", actor=province, comment="  ")
    assert _states(proposals) == [ProposalState.SUBMITTED]


def test_decide_bulk_is_the_provinces_alone(gz_reviewer):
    proposals = _proposals(open_campaign(), 2)
    with pytest.raises(PermissionDenied):
        bulk.decide_bulk(proposals, "approve", actor=gz_reviewer)
    assert _states(proposals) == [ProposalState.SUBMITTED]


def test_decide_bulk_refuses_an_unknown_action(province):
    with pytest.raises(ReviewError):
        bulk.decide_bulk(_proposals(open_campaign(), 1), "delete", actor=province)


@pytest.mark.parametrize("n", [1, 3, 30])
def test_decide_bulk_runs_a_constant_number_of_queries(province, django_assert_num_queries, n):
    proposals = _proposals(open_campaign(), n)
    access.roles_of(province)  # read once per request, before the step
    ContentType.objects.get_for_model(AdjustmentProposal)
    # savepoint, select for update, update, insert the audit rows, release
    with django_assert_num_queries(5):
        bulk.decide_bulk(proposals, "approve", actor=province)
    assert _states(proposals) == [ProposalState.APPROVED]


# --- one MIIT document against many proposals -------------------------------------------------------------------

def test_miit_document_is_recorded_once_against_every_approved_proposal(province):
    campaign = open_campaign()
    proposals = _proposals(campaign, 3, state=ProposalState.APPROVED)
    document, report = bulk.record_miit_document(proposals, outcome=MiitOutcome.CONFIRMED, actor=province, **DOC)
    assert (len(report.done), report.skipped) == (3, [])
    assert (document.number, document.title, document.decided_on) == (DOC["number"], DOC["title"], DOC["decided_on"])
    assert sorted(document.decisions.values_list("proposal_id", flat=True)) == [p.pk for p in proposals]
    assert set(document.decisions.values_list("document", "outcome")) == {(DOC["number"], MiitOutcome.CONFIRMED)}
    audit = Transition.objects.filter(action="miit_decision", object_id__in=[p.pk for p in proposals])
    assert audit.count() == 3
    expected = f"{MiitOutcome.CONFIRMED.label} {DOC['number']}"  # in the language the service ran in
    assert set(audit.values_list("actor", "comment")) == {(province.pk, expected)}


def test_miit_document_dated_today_is_recorded_with_its_note_and_who_recorded_it(province):
    proposal = _proposals(open_campaign(), 1, state=ProposalState.APPROVED, outcome=Outcome.REMOVE)
    document, report = bulk.record_miit_document(
        proposal, outcome=MiitOutcome.CONFIRMED, actor=province, note="  附件已存档  ",
        **{**DOC, "decided_on": timezone.localdate()})
    assert len(report.done) == 1 and document.decided_on == timezone.localdate()
    decision = document.decisions.get()
    assert (decision.note, decision.recorded_by) == ("附件已存档", province)
    history = UnitHistory.objects.filter(unit=proposal.get().unit, field="status").last()
    assert history.actor == province


def test_miit_document_applies_a_confirmed_removal_to_the_registry(province):
    proposal = _proposals(open_campaign(), 1, state=ProposalState.APPROVED, outcome=Outcome.REMOVE)
    bulk.record_miit_document(proposal, outcome=MiitOutcome.CONFIRMED, actor=province, **DOC)
    assert proposal.get().unit.status == UnitStatus.REMOVED


def test_miit_document_not_confirmed_leaves_the_registry_alone(province):
    proposal = _proposals(open_campaign(), 1, state=ProposalState.APPROVED, outcome=Outcome.REMOVE)
    bulk.record_miit_document(proposal, outcome=MiitOutcome.NOT_CONFIRMED, actor=province, **DOC)
    assert proposal.get().unit.status == UnitStatus.LISTED


def test_miit_document_mixed_selection_skips_unapproved_and_already_decided(province):
    campaign = open_campaign()
    approved = _proposals(campaign, 2, state=ProposalState.APPROVED)
    submitted = _proposals(campaign, 1).get()
    bulk.record_miit_document(approved[:1], outcome=MiitOutcome.CONFIRMED, actor=province, **DOC)
    decided = approved[0]
    _doc, report = bulk.record_miit_document(AdjustmentProposal.objects.filter(campaign=campaign),
                                             outcome=MiitOutcome.CONFIRMED, actor=province,
                                             **{**DOC, "number": "工信厅节函〔2024〕200号"})
    assert [p.pk for p in report.done] == [approved[1].pk]
    assert sorted(report.skipped) == sorted([
        _("%(unit)s: MIIT's decision on this proposal has already been recorded.") % {"unit": decided.unit.name},
        _("%(unit)s: MIIT's decision is recorded only for a proposal the province has approved.")
        % {"unit": submitted.unit.name},
    ])
    assert MiitDecision.objects.get(proposal=decided).document == DOC["number"]


def test_miit_document_with_nothing_recordable_creates_no_document(province):
    proposals = _proposals(open_campaign(), 2)
    document, report = bulk.record_miit_document(proposals, outcome=MiitOutcome.CONFIRMED, actor=province, **DOC)
    assert (document, len(report.skipped)) == (None, 2)
    assert not MiitDocument.objects.exists()


@pytest.mark.parametrize("missing", ["number", "title"])
def test_miit_document_needs_number_date_and_title(province, missing):
    proposals = _proposals(open_campaign(), 1, state=ProposalState.APPROVED)
    with pytest.raises(ReviewError):
        bulk.record_miit_document(proposals, outcome=MiitOutcome.CONFIRMED, actor=province, **{**DOC, missing: " "})
    assert not MiitDecision.objects.exists()


def test_miit_document_date_cannot_be_in_the_future(province):
    proposals = _proposals(open_campaign(), 1, state=ProposalState.APPROVED)
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    with pytest.raises(ReviewError):
        bulk.record_miit_document(proposals, outcome=MiitOutcome.CONFIRMED, actor=province,
                                  **{**DOC, "decided_on": tomorrow})


@pytest.mark.parametrize("n", [1, 3, 30])
def test_miit_document_runs_a_constant_number_of_queries(province, django_assert_num_queries, n):
    proposals = _proposals(open_campaign(), n, state=ProposalState.APPROVED)
    access.roles_of(province)
    ContentType.objects.get_for_model(AdjustmentProposal)
    # savepoint, select, insert document, insert decisions, update, insert audit, read the decisions back, release
    with django_assert_num_queries(8):
        bulk.record_miit_document(proposals, outcome=MiitOutcome.CONFIRMED, actor=province, **DOC)


# --- the city's "keep" for units accepted without findings ---------------------------------------------------------

def test_keep_candidates_are_the_citys_accepted_filings_without_findings(gz_reviewer, gz_unit, sz_unit):
    campaign = open_campaign()
    clean = accepted_filing(campaign, gz_unit, gz_reviewer)
    accepted_filing(campaign, sz_unit, factories.city_user("深圳市", "sz"))
    assert list(bulk.keep_candidates(campaign, gz_reviewer)) == [clean]


@pytest.mark.parametrize("finding", ["had_accident", "penalised", "relocated", "production_stopped", "name_changed"])
def test_keep_candidates_leave_out_a_declared_change(gz_reviewer, gz_unit, finding):
    campaign = open_campaign()
    filing = accepted_filing(campaign, gz_unit, gz_reviewer)
    type(filing).objects.filter(pk=filing.pk).update(**{finding: True})
    assert list(bulk.keep_candidates(campaign, gz_reviewer)) == []


@pytest.mark.parametrize(("verdict", "candidate"), [(FlagVerdict.CONFIRMED, True), (FlagVerdict.REJECTED, False),
                                                     (FlagVerdict.PENDING, False)])
def test_keep_candidates_and_data_flags(gz_reviewer, gz_unit, verdict, candidate):
    campaign = open_campaign()
    filing = accepted_filing(campaign, gz_unit, gz_reviewer)
    DataFlag.objects.create(filing=filing, code="energy_per_output", kind=FlagKind.YEAR_ON_YEAR, value=1, verdict=verdict)
    assert bool(bulk.keep_candidates(campaign, gz_reviewer).exists()) is candidate


def test_keep_candidates_leave_out_a_non_compliant_indicator_and_a_unit_with_a_proposal(gz_reviewer):
    campaign = open_campaign()
    units = [factories.UnitFactory(city=factories.city("广州市")) for _i in range(3)]
    filings = [accepted_filing(campaign, u, gz_reviewer) for u in units]
    filings[0].checks.filter(pk=filings[0].checks.first().pk).update(verdict="non_compliant")
    review_services.save_proposal(campaign, units[1], {"outcome": Outcome.KEEP}, actor=gz_reviewer)
    assert list(bulk.keep_candidates(campaign, gz_reviewer)) == [filings[2]]


def test_propose_keep_many_opens_drafts_and_skips_what_no_longer_qualifies(gz_reviewer, sz_unit):
    campaign = open_campaign()
    units = [factories.UnitFactory(city=factories.city("广州市")) for _i in range(3)]
    for unit in units:
        accepted_filing(campaign, unit, gz_reviewer)
    review_services.save_proposal(campaign, units[2], {"outcome": Outcome.KEEP}, actor=gz_reviewer)
    report = bulk.propose_keep_many(campaign, [units[0].pk, units[1].pk, units[2].pk, sz_unit.pk], actor=gz_reviewer)
    assert sorted(p.unit_id for p in report.done) == [units[0].pk, units[1].pk]
    message = _("%(unit)s: no longer accepted without findings, or it already has a proposal.")
    assert report.skipped == [message % {"unit": units[2].name}, message % {"unit": sz_unit.pk}]
    made = AdjustmentProposal.objects.filter(pk__in=[p.pk for p in report.done])
    assert set(made.values_list("outcome", "state", "created_by")) == {(Outcome.KEEP, ProposalState.DRAFT, gz_reviewer.pk)}
    audit = Transition.objects.filter(action="propose", object_id__in=[p.pk for p in report.done])
    assert set(audit.values_list("actor", "comment")) == {(gz_reviewer.pk, str(Outcome.KEEP.label))}
    assert audit.count() == 2
    assert set(made.values_list("reason", flat=True)) == {str(bulk.KEEP_REASON)}


def test_propose_keep_many_is_for_a_city_bureau(province, gz_unit, gz_reviewer):
    campaign = open_campaign()
    accepted_filing(campaign, gz_unit, gz_reviewer)
    with pytest.raises(ReviewError):
        bulk.propose_keep_many(campaign, [gz_unit.pk], actor=province)
    assert not AdjustmentProposal.objects.exists()
