"""reviews/rules.py rule by rule: who files, reviews, decides and reports; who attaches which evidence in which
state; the district's first review and its deadline; which proposals can be decided or get MIIT's decision; when a
verdict needs a note; the disposition of declared findings; the answer to a return; the earlier years.

Each branch is asked on both sides and each answer compared whole (English; the Chinese at the end). A rule that
reads only a record's own fields is asked with an unsaved record; a rule that reads the database gets its rows
from the services or from plain rows, as the neighbouring tests do.
"""

import datetime as dt
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from greenmfg.rules import ALLOWED, Decision
from registry.enums import UnitStatus
from reviews import evidence, rules
from reviews.enums import (
    CheckVerdict,
    ComplianceItem,
    ComplianceResult,
    Disposition,
    EvidenceKind,
    FilingState,
    ProposalState,
)
from reviews.models import AdjustmentProposal, Campaign, ComplianceCheck, Filing, IncidentReport
from reviews.services import review as review_services
from tests import factories

from .review_helpers import all_compliant, open_campaign, submitted_filing

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

NOT_PROVINCE = Decision(False, "Only the provincial department can do this.")
NOT_CITY_OF_UNIT = Decision(False, "Only the city bureau of the unit's city can do this.")
NOT_DISTRICT = Decision(False, "Only the reviewer of the unit's district can do this.")
NOT_CITY = Decision(False, "Only the city's own bureau can do this.")
NOT_ENTERPRISE = Decision(False, "Only the enterprise itself can do this.")
NOT_LISTED = Decision(False, "This unit is no longer on the list.")
NOT_AREAS = Decision(False, "Only the city's own bureau or the province can add the city's review areas.")
NOT_THERE = Decision(False, "Files cannot be attached there.")
BLOCKED = Decision(False, "A key indicator was found non-compliant: complete an on-site assessment (with its "
                          "conclusion and date) before proposing an outcome.")
ANSWER_ONLY_WHEN_RETURNED = Decision(
    False, "Files for an answer are added only while the filing is returned to the enterprise.")
FROZEN = Decision(False, "The filing's files are frozen once it is submitted; answer a return with new files instead.")
ASSESSMENT_STATES = Decision(False, "Assessment files are added to a submitted or accepted filing.")
MIIT_AFTER_APPROVAL = Decision(False, "MIIT's decision document is added to a proposal the province has approved.")
NOT_THROUGH_DISTRICTS = Decision(
    False, "广州市 does not review through districts in this campaign: its city bureau reviews the unit.")
NOTE_NON_COMPLIANT = Decision(False, "Say why this indicator is non-compliant.")
NOTE_OVERRIDE = Decision(False, "Say why you differ from the suggested verdict.")
CHOOSE = Decision(False, "Choose a disposition.")
NO_ACTION_REASON = Decision(False, "Give the reason why neither an incident report nor a proposal is needed.")
NO_INCIDENT = Decision(False, "No incident report of this unit in this campaign yet: report the incident first.")
NO_PROPOSAL = Decision(False, "No adjustment proposal for this unit in this campaign yet: open the proposal first.")
UNCHANGED = Decision(False, "Nothing was changed since the city returned the filing: correct it, or answer the "
                            "city's reason in “Answer to the city's return” (in words or with files).")
PRIOR_ONCE = Decision(False, "The earlier years are entered once, with the first filing, before it is submitted.")
FILED_BEFORE = Decision(False, "This unit has filed before: its earlier years come from those filings.")


@pytest.fixture
def unit(db):
    """A unit of 广州市, in its district 天河区."""
    return factories.UnitFactory(city=factories.city("广州市"), district=factories.district("天河区", "广州市"),
                                 name="天河测试绿色工厂有限公司")


@pytest.fixture
def people(unit):
    return {
        "province": factories.province_user(),
        "city": factories.city_user("广州市", "gz"),
        "other_city": factories.city_user("深圳市", "sz"),
        "district": factories.district_user("天河区", "th", "广州市"),
        "other_district": factories.district_user("海珠区", "hz", "广州市"),
        "enterprise": factories.enterprise_user(unit),
        "no_membership": factories.UserFactory(username="nobody"),
    }


def answers(rule, people, *args, **kwargs) -> dict:
    return {who: rule(user, *args, **kwargs) for who, user in people.items()}


def only(people, allowed: set, denial: Decision) -> dict:
    return {who: ALLOWED if who in allowed else denial for who in people}


@pytest.fixture
def campaign(db):
    return open_campaign()


# --- who is who -----------------------------------------------------------------------------------------------

def test_can_file_only_the_enterprise(people, unit):
    assert answers(rules.can_file, people, unit) == only(people, {"enterprise"}, NOT_ENTERPRISE)


def test_can_review_only_the_units_city(people, unit):
    assert answers(rules.can_review, people, unit) == only(people, {"city"}, NOT_CITY_OF_UNIT)


def test_can_submit_package_only_the_citys_bureau(people):
    assert answers(rules.can_submit_package, people, factories.city("广州市")) == only(people, {"city"}, NOT_CITY)


def test_can_decide_only_the_province(people):
    assert answers(rules.can_decide, people) == only(people, {"province"}, NOT_PROVINCE)


def test_can_set_district_review_the_citys_bureau_or_the_province(people):
    assert answers(rules.can_set_district_review, people, factories.city("广州市")) == only(
        people, {"province", "city"}, NOT_AREAS)


def test_can_report_incident_the_units_city_for_a_listed_unit(people, unit):
    assert answers(rules.can_report_incident, people, unit) == only(people, {"city"}, NOT_CITY_OF_UNIT)


def test_can_report_incident_not_for_a_removed_unit_and_another_city_hears_it_is_not_theirs(people):
    removed = factories.UnitFactory(city=factories.city("广州市"), status=UnitStatus.REMOVED)
    assert rules.can_report_incident(people["city"], removed) == NOT_LISTED
    assert rules.can_report_incident(people["other_city"], removed) == NOT_CITY_OF_UNIT


# --- the on-site assessment blocks a proposal -------------------------------------------------------------------

def test_proposal_not_blocked_when_every_key_indicator_is_compliant(campaign, unit, people):
    filing = submitted_filing(campaign, unit, people["enterprise"])
    assert rules.proposal_not_blocked(filing) == ALLOWED
    review_services.record_checks(filing, all_compliant(filing), actor=people["city"])
    assert rules.proposal_not_blocked(filing) == ALLOWED


def test_proposal_blocked_by_a_non_compliant_indicator_until_the_assessment_is_completed(campaign, unit, people):
    filing = submitted_filing(campaign, unit, people["enterprise"])
    bad = next(iter(all_compliant(filing)))
    review_services.record_checks(filing, all_compliant(filing, bad), actor=people["city"])
    assert rules.proposal_not_blocked(filing) == BLOCKED
    planned = {"planned_date": dt.date(2025, 5, 6), "team": "评估组", "findings": "", "conclusion": "",
               "completed_on": None}
    assessment = review_services.save_assessment(filing, planned, actor=people["city"])
    assert rules.proposal_not_blocked(filing) == BLOCKED
    review_services.save_assessment(filing, {"conclusion": "rectify", "completed_on": dt.date(2025, 5, 7)},
                                    actor=people["city"], assessment=assessment)
    assert rules.proposal_not_blocked(filing) == ALLOWED


# --- evidence files ----------------------------------------------------------------------------------------------

def filing_in(unit, state) -> Filing:
    return Filing(unit=unit, state=state)


def proposal_in(unit, state) -> AdjustmentProposal:
    return AdjustmentProposal(unit=unit, state=state)


@pytest.mark.parametrize("kind", [EvidenceKind.FILING, EvidenceKind.CHANGE, EvidenceKind.FLAG,
                                  EvidenceKind.RETURN_ANSWER, EvidenceKind.ASSESSMENT])
def test_a_filings_evidence_needs_a_filing(people, unit, kind):
    assert rules.can_attach_evidence(people["province"], kind) == NOT_THERE
    assert rules.can_attach_evidence(people["enterprise"], kind, proposal=proposal_in(unit, ProposalState.APPROVED)) \
        == NOT_THERE


def test_miits_decision_needs_a_proposal_and_no_filing(people, unit):
    approved = proposal_in(unit, ProposalState.APPROVED)
    province = people["province"]
    assert rules.can_attach_evidence(province, EvidenceKind.MIIT_DECISION) == NOT_THERE
    assert rules.can_attach_evidence(province, EvidenceKind.MIIT_DECISION,
                                     filing=filing_in(unit, FilingState.SUBMITTED)) == NOT_THERE
    assert rules.can_attach_evidence(province, EvidenceKind.MIIT_DECISION, filing=filing_in(unit, FilingState.SUBMITTED),
                                     proposal=approved) == NOT_THERE
    assert rules.can_attach_evidence(province, EvidenceKind.MIIT_DECISION, proposal=approved) == ALLOWED


def test_an_unknown_kind_is_refused(people, unit):
    assert rules.can_attach_evidence(people["enterprise"], "photo", filing=filing_in(unit, FilingState.DRAFT)) \
        == NOT_THERE


# The enterprise's own files, in each filing state (None: allowed).
OWN_FILES = {
    EvidenceKind.FILING: {"draft": None, "submitted": FROZEN, "returned": FROZEN, "accepted": FROZEN},
    EvidenceKind.CHANGE: {"draft": None, "submitted": FROZEN, "returned": FROZEN, "accepted": FROZEN},
    EvidenceKind.FLAG: {"draft": None, "submitted": FROZEN, "returned": FROZEN, "accepted": FROZEN},
    EvidenceKind.RETURN_ANSWER: {"draft": ANSWER_ONLY_WHEN_RETURNED, "submitted": ANSWER_ONLY_WHEN_RETURNED,
                                 "returned": None, "accepted": ANSWER_ONLY_WHEN_RETURNED},
}


@pytest.mark.parametrize(("kind", "state"), [(k, s) for k, row in OWN_FILES.items() for s in row])
def test_the_enterprises_files_in_each_filing_state(people, unit, kind, state):
    expected = ALLOWED if OWN_FILES[kind][state] is None else OWN_FILES[kind][state]  # a denial is falsy
    filing = filing_in(unit, state)
    assert answers(rules.can_attach_evidence, people, kind, filing=filing) == {
        who: expected if who == "enterprise" else NOT_ENTERPRISE for who in people}


@pytest.mark.parametrize(("state", "decision"), [
    (FilingState.DRAFT, ASSESSMENT_STATES), (FilingState.SUBMITTED, ALLOWED),
    (FilingState.RETURNED, ASSESSMENT_STATES), (FilingState.ACCEPTED, ALLOWED),
])
def test_the_citys_assessment_files_in_each_filing_state(people, unit, state, decision):
    filing = filing_in(unit, state)
    assert answers(rules.can_attach_evidence, people, EvidenceKind.ASSESSMENT, filing=filing) == {
        who: decision if who == "city" else NOT_CITY_OF_UNIT for who in people}


@pytest.mark.parametrize("state", ProposalState.values)
def test_miits_decision_document_in_each_proposal_state(people, unit, state):
    decision = ALLOWED if state == ProposalState.APPROVED else MIIT_AFTER_APPROVAL
    proposal = proposal_in(unit, state)
    assert answers(rules.can_attach_evidence, people, EvidenceKind.MIIT_DECISION, proposal=proposal) == {
        who: decision if who == "province" else NOT_PROVINCE for who in people}


# --- district first review -----------------------------------------------------------------------------------------

def test_can_district_review_only_the_units_district_where_its_city_reviews_through_districts(people, unit, campaign):
    assert answers(rules.can_district_review, people, unit, campaign) == {
        who: NOT_THROUGH_DISTRICTS if who == "district" else NOT_DISTRICT for who in people}
    campaign.district_cities.add(factories.city("深圳市"))
    assert rules.can_district_review(people["district"], unit, campaign) == NOT_THROUGH_DISTRICTS
    campaign.district_cities.add(unit.city)
    assert answers(rules.can_district_review, people, unit, campaign) == only(people, {"district"}, NOT_DISTRICT)


def test_can_district_review_reads_the_given_campaign(people, unit, campaign):
    campaign.district_cities.add(unit.city)
    other = Campaign.objects.create(year=campaign.year - 1, filing_opens=dt.date(2020, 1, 1),
                                    filing_due=dt.date(2020, 2, 1), city_review_due=dt.date(2020, 3, 1),
                                    province_report_due=dt.date(2020, 4, 1))
    assert rules.can_district_review(people["district"], unit, other) == NOT_THROUGH_DISTRICTS


def test_can_check_the_city_always_the_district_where_it_does_the_first_review(people, unit, campaign):
    assert answers(rules.can_check, people, unit, campaign) == {
        "province": NOT_DISTRICT, "city": ALLOWED, "other_city": NOT_DISTRICT, "district": NOT_THROUGH_DISTRICTS,
        "other_district": NOT_DISTRICT, "enterprise": NOT_DISTRICT, "no_membership": NOT_DISTRICT}
    campaign.district_cities.add(unit.city)
    assert answers(rules.can_check, people, unit, campaign) == only(people, {"city", "district"}, NOT_DISTRICT)


def beijing(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def campaign_due(district_review_due) -> Campaign:
    return Campaign(year=2025, filing_opens=dt.date(2025, 1, 15), filing_due=dt.date(2025, 3, 10),
                    district_review_due=district_review_due, city_review_due=dt.date(2025, 3, 31),
                    province_report_due=dt.date(2025, 4, 15))


@pytest.mark.parametrize(("now", "decision"), [
    (beijing(2025, 3, 20, 0, 0), ALLOWED),
    (beijing(2025, 3, 20, 23, 59, 59), ALLOWED),                   # the deadline day in Beijing …
    (dt.datetime(2025, 3, 20, 15, 59, tzinfo=dt.UTC), ALLOWED),    # … 23:59 there
    (dt.datetime(2025, 3, 20, 16, 0, tzinfo=dt.UTC), "late"),     # midnight in Beijing
    (beijing(2025, 3, 21, 0, 0), "late"),
])
def test_within_district_deadline_until_the_end_of_the_day_in_beijing(now, decision):
    late = Decision(False, "The district review deadline (2025-03-20) has passed: the work reaches the city "
                           "marked late.")
    assert rules.within_district_deadline(campaign_due(dt.date(2025, 3, 20)), now) == (
        late if decision == "late" else decision)


def test_within_district_deadline_is_the_city_deadline_when_none_is_set():
    campaign = campaign_due(None)
    assert rules.within_district_deadline(campaign, beijing(2025, 3, 31, 23, 59)) == ALLOWED
    assert rules.within_district_deadline(campaign, beijing(2025, 4, 1, 0, 0)) == Decision(
        False, "The district review deadline (2025-03-31) has passed: the work reaches the city marked late.")


def test_within_district_deadline_reads_the_clock_when_no_time_is_given():
    assert rules.within_district_deadline(campaign_due(dt.date(2025, 3, 20))) == Decision(
        False, "The district review deadline (2025-03-20) has passed: the work reaches the city marked late.")
    assert rules.within_district_deadline(open_campaign()) == ALLOWED


# --- the province's decisions -----------------------------------------------------------------------------------

@pytest.mark.parametrize("state", ProposalState.values)
def test_decidable_only_a_submitted_proposal(unit, state):
    label = ProposalState(state).label
    assert rules.decidable(proposal_in(unit, state)) == (
        ALLOWED if state == ProposalState.SUBMITTED else
        Decision(False, f"天河测试绿色工厂有限公司: the proposal is “{label}”, so it cannot be decided now."))


@pytest.mark.parametrize("state", ProposalState.values)
@pytest.mark.parametrize("has_decision", [False, True])
def test_miit_recordable_once_and_only_for_an_approved_proposal(unit, state, has_decision):
    if state != ProposalState.APPROVED:
        expected = Decision(False, "天河测试绿色工厂有限公司: MIIT's decision is recorded only for a proposal the "
                                   "province has approved.")
    elif has_decision:
        expected = Decision(False, "天河测试绿色工厂有限公司: MIIT's decision on this proposal has already been recorded.")
    else:
        expected = ALLOWED
    assert rules.miit_recordable(proposal_in(unit, state), has_decision) == expected


# --- a verdict's note ------------------------------------------------------------------------------------------------

COMPLIANT, NON_COMPLIANT = CheckVerdict.COMPLIANT, CheckVerdict.NON_COMPLIANT


@pytest.mark.parametrize(("verdict", "suggested", "note", "decision"), [
    (NON_COMPLIANT, "", "超标", ALLOWED),
    (NON_COMPLIANT, "", "", NOTE_NON_COMPLIANT),
    (NON_COMPLIANT, "", " \n ", NOTE_NON_COMPLIANT),
    (NON_COMPLIANT, "", None, NOTE_NON_COMPLIANT),
    (NON_COMPLIANT, NON_COMPLIANT, "", NOTE_NON_COMPLIANT),   # even as suggested
    (NON_COMPLIANT, COMPLIANT, "", NOTE_NON_COMPLIANT),
    (COMPLIANT, "", "", ALLOWED),                           # no suggestion
    (COMPLIANT, "check", "", ALLOWED),                      # "check" suggests nothing to differ from
    (COMPLIANT, COMPLIANT, "", ALLOWED),
    (COMPLIANT, COMPLIANT, None, ALLOWED),
    (COMPLIANT, NON_COMPLIANT, "", NOTE_OVERRIDE),
    (COMPLIANT, NON_COMPLIANT, "  ", NOTE_OVERRIDE),
    (COMPLIANT, NON_COMPLIANT, "现场复核达标", ALLOWED),
    ("", COMPLIANT, "", NOTE_OVERRIDE),                     # anything but the suggested verdict differs from it
    ("", NON_COMPLIANT, "", NOTE_OVERRIDE),
])
def test_note_given(verdict, suggested, note, decision):
    assert rules.note_given(verdict, suggested, note) == decision


# --- the disposition of declared findings -----------------------------------------------------------------------

def declared(unit, **answers) -> Filing:
    return Filing(unit=unit, **answers)


def test_disposition_given_with_nothing_declared_or_found(unit):
    assert rules.disposition_given(declared(unit), []) == ALLOWED
    found_clear = [ComplianceCheck(item=ComplianceItem.ABNORMAL_LIST, result=ComplianceResult.CLEAR)]
    assert rules.disposition_given(declared(unit), found_clear) == ALLOWED


def test_disposition_given_names_every_finding_until_disposed_of(unit):
    filing = declared(unit, had_accident=True, on_abnormal_list=True)
    found = [ComplianceCheck(item=ComplianceItem.JUDGMENT_DEFAULTER, result=ComplianceResult.FOUND)]
    assert rules.disposition_given(filing, found) == Decision(
        False, "Dispose of what was declared or found first (safety, quality or environmental accident、List of "
               "abnormal operations (经营异常名录)、Judgment defaulters (失信被执行人)): report an incident, open a "
               "proposal, or say why neither is needed.")


def test_disposition_given_reads_the_saved_verifications_when_none_are_given(campaign, unit, people):
    filing = submitted_filing(campaign, unit, people["enterprise"])
    assert rules.disposition_given(filing) == ALLOWED
    ComplianceCheck.objects.create(filing=filing, item=ComplianceItem.DISCHARGE_PERMIT, source="other",
                                   checked_on=dt.date(2025, 5, 6), result=ComplianceResult.FOUND,
                                   checked_by=people["city"])
    assert rules.disposition_given(filing) == Decision(
        False, "Dispose of what was declared or found first (Pollutant discharge permit (排污许可证)): report an "
               "incident, open a proposal, or say why neither is needed.")


def test_disposition_given_asks_whether_the_disposition_holds(unit):
    filing = declared(unit, penalised=True, disposition=Disposition.NO_ACTION, disposition_note="已整改完毕")
    assert rules.disposition_given(filing, []) == ALLOWED
    filing.disposition_note = "  "
    assert rules.disposition_given(filing, []) == NO_ACTION_REASON


@pytest.mark.parametrize(("disposition", "note", "decision"), [
    ("", "理由", CHOOSE),
    ("dismissed", "理由", CHOOSE),
    (Disposition.NO_ACTION, "已整改完毕", ALLOWED),
    (Disposition.NO_ACTION, "", NO_ACTION_REASON),
    (Disposition.NO_ACTION, " \t", NO_ACTION_REASON),
    (Disposition.NO_ACTION, None, NO_ACTION_REASON),
    (Disposition.INCIDENT, "", NO_INCIDENT),
    (Disposition.PROPOSAL, "", NO_PROPOSAL),
])
def test_disposition_valid_with_nothing_reported_or_proposed(campaign, unit, disposition, note, decision):
    filing = Filing(unit=unit, campaign=campaign)
    assert rules.disposition_valid(filing, disposition, note) == decision


def incident(unit, campaign):
    return IncidentReport.objects.create(unit=unit, kind="environment", description="泄漏", campaign=campaign,
                                         occurred_on=dt.date(2025, 5, 1), reported_by=factories.province_user())


def proposal(unit, campaign):
    return AdjustmentProposal.objects.create(campaign=campaign, unit=unit, outcome="keep", reason="保留")


def test_disposition_valid_an_incident_of_this_unit_in_this_campaign(campaign, unit):
    filing = Filing(unit=unit, campaign=campaign)
    earlier = Campaign.objects.create(year=campaign.year - 1, filing_opens=dt.date(2020, 1, 1),
                                      filing_due=dt.date(2020, 2, 1), city_review_due=dt.date(2020, 3, 1),
                                      province_report_due=dt.date(2020, 4, 1))
    incident(unit, earlier)
    incident(unit, None)
    incident(factories.UnitFactory(), campaign)
    proposal(unit, campaign)
    assert rules.disposition_valid(filing, Disposition.INCIDENT, "") == NO_INCIDENT
    incident(unit, campaign)
    assert rules.disposition_valid(filing, Disposition.INCIDENT, "") == ALLOWED


def test_disposition_valid_a_proposal_for_this_unit_in_this_campaign(campaign, unit):
    filing = Filing(unit=unit, campaign=campaign)
    earlier = Campaign.objects.create(year=campaign.year - 1, filing_opens=dt.date(2020, 1, 1),
                                      filing_due=dt.date(2020, 2, 1), city_review_due=dt.date(2020, 3, 1),
                                      province_report_due=dt.date(2020, 4, 1))
    proposal(unit, earlier)
    proposal(factories.UnitFactory(), campaign)
    incident(unit, campaign)
    assert rules.disposition_valid(filing, Disposition.PROPOSAL, "") == NO_PROPOSAL
    proposal(unit, campaign)
    assert rules.disposition_valid(filing, Disposition.PROPOSAL, "") == ALLOWED


# --- the answer to a return ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("state", [FilingState.DRAFT, FilingState.SUBMITTED, FilingState.ACCEPTED])
def test_resubmission_answered_asks_nothing_of_a_filing_that_is_not_returned(unit, state):
    filing = Filing(unit=unit, state=state)
    filing.returned_fingerprint = filing.fingerprint()  # unchanged since an earlier return
    assert rules.resubmission_answered(filing) == ALLOWED


@pytest.fixture
def returned(campaign, unit, people):
    filing = submitted_filing(campaign, unit, people["enterprise"])
    return review_services.return_filing(filing, "能耗数据有误", actor=people["city"])


def test_resubmission_answered_refuses_an_unchanged_unanswered_filing(returned):
    assert rules.resubmission_answered(returned) == UNCHANGED
    returned.return_answer = " \n "
    assert rules.resubmission_answered(returned) == UNCHANGED


def test_resubmission_answered_by_a_change(returned):
    returned.energy_tce += 1
    assert rules.resubmission_answered(returned) == ALLOWED


def test_resubmission_answered_in_words(returned):
    returned.return_answer = "数据已与电费单核对无误"
    assert rules.resubmission_answered(returned) == ALLOWED


def test_resubmission_answered_with_files(returned, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    evidence.attach([SimpleUploadedFile("说明.pdf", PDF)], actor=people["enterprise"], kind=EvidenceKind.RETURN_ANSWER,
                    filing=returned)
    assert rules.resubmission_answered(returned) == ALLOWED


def test_resubmission_answered_of_a_returned_filing_without_a_fingerprint(unit):
    assert rules.resubmission_answered(Filing(unit=unit, state=FilingState.RETURNED)) == ALLOWED


# --- the earlier years ----------------------------------------------------------------------------------------------

def test_can_enter_prior_years_with_the_first_draft(campaign, unit):
    assert rules.can_enter_prior_years(Filing.objects.create(campaign=campaign, unit=unit)) == ALLOWED


@pytest.mark.parametrize(("state", "submitted"), [
    (FilingState.SUBMITTED, True), (FilingState.ACCEPTED, True),
    (FilingState.RETURNED, True),   # returned: editable, but it was submitted
    (FilingState.SUBMITTED, False),
    (FilingState.DRAFT, True),
])
def test_can_enter_prior_years_not_once_the_filing_was_submitted(campaign, unit, state, submitted):
    filing = Filing.objects.create(campaign=campaign, unit=unit, state=state,
                                   submitted_at=dt.datetime(2025, 3, 1, tzinfo=dt.UTC) if submitted else None)
    assert rules.can_enter_prior_years(filing) == PRIOR_ONCE


@pytest.mark.parametrize(("earlier_state", "decision"), [
    (FilingState.DRAFT, ALLOWED),
    (FilingState.SUBMITTED, FILED_BEFORE),
    (FilingState.RETURNED, FILED_BEFORE),
    (FilingState.ACCEPTED, FILED_BEFORE),
])
def test_can_enter_prior_years_not_after_an_earlier_filing(campaign, unit, earlier_state, decision):
    earlier = Campaign.objects.create(year=campaign.year - 1, filing_opens=dt.date(2020, 1, 1),
                                      filing_due=dt.date(2020, 2, 1), city_review_due=dt.date(2020, 3, 1),
                                      province_report_due=dt.date(2020, 4, 1))
    Filing.objects.create(campaign=earlier, unit=unit, state=earlier_state)
    Filing.objects.create(campaign=campaign, unit=factories.UnitFactory(), state=FilingState.ACCEPTED)
    assert rules.can_enter_prior_years(Filing.objects.create(campaign=campaign, unit=unit)) == decision


# --- in Chinese, the portal's language ---------------------------------------------------------------------------

def test_the_reasons_are_said_in_chinese(unit):
    with translation.override("zh-hans"):
        assert rules.note_given(NON_COMPLIANT, "", "") == Decision(False, "请说明该指标不达标的原因。")
        assert rules.can_attach_evidence(None, EvidenceKind.FILING) == Decision(False, "此处不能上传文件。")
        assert rules.decidable(proposal_in(unit, ProposalState.DRAFT)) == Decision(
            False, "天河测试绿色工厂有限公司：该调整意见状态为“草稿”，现在不能审核。")
        assert rules.within_district_deadline(campaign_due(dt.date(2025, 3, 20)), beijing(2025, 3, 21)) == Decision(
            False, "区县初审截止日期（2025-03-20）已过，现在报送将标记为逾期。")
