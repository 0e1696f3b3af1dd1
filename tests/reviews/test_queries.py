"""reviews/queries.py: one definition of each domain term, each at its edges.

Each test builds records on both sides of a term's edge (every state, another campaign, another city, a removed
unit) and compares the whole result set, so a dropped filter or a flipped condition changes the set.
tests/reviews/test_domain_terms.py shows that the dashboards agree with these terms; this file pins the terms.
"""

import datetime as dt

import pytest
from django.db.models import OuterRef
from django.utils import translation

from registry.enums import UnitStatus
from reviews import audit, queries
from reviews.enums import (
    CheckVerdict,
    ComplianceItem,
    ComplianceResult,
    ComplianceSource,
    EvidenceKind,
    FilingState,
    FlagKind,
    FlagVerdict,
    IncidentKind,
    Outcome,
    ProposalState,
)
from reviews.models import (
    AdjustmentProposal,
    ComplianceCheck,
    DataFlag,
    EvidenceFile,
    Filing,
    IncidentReport,
    IndicatorCheck,
    OnSiteAssessment,
)
from tests import factories
from tests.reviews.review_helpers import open_campaign

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 3, 1)


@pytest.fixture
def campaign(db):
    return open_campaign()


@pytest.fixture
def other_campaign(campaign):
    """The year before: its records never count in `campaign`."""
    return open_campaign(campaign.year - 1)


@pytest.fixture
def guangzhou(db):
    return factories.city("广州市")


@pytest.fixture
def shenzhen(db):
    return factories.city("深圳市")


def unit(city_name="广州市", **kwargs):
    return factories.UnitFactory(city=factories.city(city_name), **kwargs)


def filing(campaign, state=FilingState.SUBMITTED, on=None, **fields):
    """A filing of `campaign` in `state` (the state set directly: these tests are about reading it)."""
    return Filing.objects.create(campaign=campaign, unit=on or unit(), state=state, **fields)


def proposal(campaign, state=ProposalState.DRAFT, on=None):
    return AdjustmentProposal.objects.create(campaign=campaign, unit=on or unit(), outcome=Outcome.KEEP, state=state)


def check(filing, verdict, code="energy_per_output"):
    return IndicatorCheck.objects.create(filing=filing, code=code, verdict=verdict,
                                         checked_by=factories.city_user("广州市"))


def assessment(filing, conclusion="", completed_on=None):
    return OnSiteAssessment.objects.create(filing=filing, planned_date=TODAY, team="评估组", conclusion=conclusion,
                                           completed_on=completed_on, created_by=factories.city_user("广州市"))


def flag(filing, verdict=FlagVerdict.PENDING, code="energy_per_output"):
    return DataFlag.objects.create(filing=filing, code=code, kind=FlagKind.YEAR_ON_YEAR, value=1, verdict=verdict)


def pks(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


# --- the states behind "filed" and "proposed" ----------------------------------------------------------------

def test_proposed_means_sent_to_the_province_at_least_once():
    assert queries.PROPOSED_STATES == (ProposalState.SUBMITTED, ProposalState.APPROVED, ProposalState.RETURNED)
    assert queries.PROPOSED == "proposed"


def test_filed_filings_are_the_campaigns_submitted_returned_and_accepted_ones(campaign, other_campaign):
    by_state = {state: filing(campaign, state) for state in FilingState.values}
    filing(other_campaign, FilingState.SUBMITTED)
    assert pks(queries.filed_filings(campaign)) == {
        by_state["submitted"].pk, by_state["returned"].pk, by_state["accepted"].pk}


# --- not filed -----------------------------------------------------------------------------------------------

@pytest.fixture
def filing_situations(campaign, other_campaign):
    """Units on each side of "not filed": none, filed only last year, filed, removed; one of them in Shenzhen."""
    units = {
        "none": unit(),
        "filed_last_year": unit(),
        "filed": unit(),
        "removed": unit(status=UnitStatus.REMOVED),
        "shenzhen_none": unit("深圳市"),
    }
    filing(other_campaign, FilingState.ACCEPTED, on=units["filed_last_year"])
    filing(campaign, FilingState.RETURNED, on=units["filed"])
    return {name: u.pk for name, u in units.items()}


def test_not_filed_units_of_every_city_are_listed_units_without_a_filing_of_this_campaign(campaign,
                                                                                           filing_situations):
    units = filing_situations
    assert pks(queries.not_filed_units(campaign)) == {units["none"], units["filed_last_year"], units["shenzhen_none"]}


def test_not_filed_units_of_some_cities_leave_the_other_cities_out(campaign, filing_situations, guangzhou, shenzhen):
    units = filing_situations
    assert pks(queries.not_filed_units(campaign, cities=[guangzhou])) == {units["none"], units["filed_last_year"]}
    assert pks(queries.not_filed_units(campaign, cities=[shenzhen])) == {units["shenzhen_none"]}
    assert pks(queries.not_filed_units(campaign, cities=[])) == set()


# --- needs assessment, assessment completed, blocked by assessment --------------------------------------------

def test_completed_assessments_have_both_a_conclusion_and_a_completion_date(campaign):
    f = filing(campaign)
    assessment(f)  # planned
    assessment(f, conclusion="meets")  # concluded, no date
    assessment(f, completed_on=TODAY)  # dated, no conclusion
    done = assessment(f, conclusion="fails", completed_on=TODAY)
    assert pks(queries.completed_assessments()) == {done.pk}


@pytest.fixture
def assessment_situations(campaign):
    """One filing in each assessment situation."""
    filings = {
        "compliant": filing(campaign),
        "unchecked": filing(campaign),
        "non_compliant": filing(campaign),
        "planned": filing(campaign),
        "concluded_undated": filing(campaign),
        "completed": filing(campaign),
        "compliant_and_assessed": filing(campaign),
    }
    check(filings["compliant"], CheckVerdict.COMPLIANT)
    check(filings["compliant_and_assessed"], CheckVerdict.COMPLIANT)
    assessment(filings["compliant_and_assessed"], conclusion="meets", completed_on=TODAY)
    for name in ("non_compliant", "planned", "concluded_undated", "completed"):
        check(filings[name], CheckVerdict.COMPLIANT, code="water_per_output")
        check(filings[name], CheckVerdict.NON_COMPLIANT)
    assessment(filings["planned"])
    assessment(filings["concluded_undated"], conclusion="rectify")
    assessment(filings["completed"], conclusion="fails", completed_on=TODAY)
    return filings


NEEDS = {"non_compliant", "planned", "concluded_undated", "completed"}
COMPLETED = {"completed", "compliant_and_assessed"}
BLOCKED = {"non_compliant", "planned", "concluded_undated"}


def _names(filings, queryset) -> set[str]:
    by_pk = {f.pk: name for name, f in filings.items()}
    return {by_pk[pk] for pk in pks(queryset)}


def test_the_terms_as_filters_on_filings(assessment_situations):
    filings = assessment_situations
    assert _names(filings, Filing.objects.filter(queries.needs_assessment_q())) == NEEDS
    assert _names(filings, Filing.objects.filter(queries.assessment_completed_q())) == COMPLETED
    assert _names(filings, Filing.objects.filter(queries.blocked_by_assessment_q())) == BLOCKED
    assert _names(filings, Filing.objects.exclude(queries.blocked_by_assessment_q())) == set(filings) - BLOCKED


def test_the_terms_for_one_filing(assessment_situations):
    filings = assessment_situations
    assert {name for name, f in filings.items() if queries.needs_assessment(f)} == NEEDS
    assert {name for name, f in filings.items() if queries.assessment_completed(f)} == COMPLETED
    assert {name for name, f in filings.items() if queries.blocked_by_assessment(f)} == BLOCKED
    assert queries.blocked_by_assessment(None) is False


def test_the_terms_as_filters_on_records_that_point_at_a_filing(assessment_situations):
    """With `filing_ref`, the terms filter any queryset that points at a filing: here data flags."""
    filings = assessment_situations
    names = list(filings)
    # Flags made in a rotated order, so that no flag's own id is its filing's id.
    flags = {name: flag(filings[name]) for name in names[1:] + names[:1]}
    assert all(f.pk != f.filing_id for f in flags.values())
    ref = OuterRef("filing")

    def named(q):
        return {name for name, f in flags.items() if f.pk in pks(DataFlag.objects.filter(q))}

    assert named(queries.needs_assessment_q(ref)) == NEEDS
    assert named(queries.assessment_completed_q(ref)) == COMPLETED
    assert named(queries.blocked_by_assessment_q(ref)) == BLOCKED


def test_another_filings_completed_assessment_does_not_unblock(campaign):
    blocked = filing(campaign)
    check(blocked, CheckVerdict.NON_COMPLIANT)
    assessment(filing(campaign), conclusion="meets", completed_on=TODAY)
    assert (queries.needs_assessment(blocked), queries.assessment_completed(blocked),
            queries.blocked_by_assessment(blocked)) == (True, False, True)


# --- the city's proposals: pending package, with the district, awaiting the city -----------------------------

@pytest.fixture
def proposals_in_every_state(campaign, other_campaign):
    """A Guangzhou proposal in each state; a Shenzhen draft; last year's proposals in each state."""
    mine = {state: proposal(campaign, state) for state in ProposalState.values}
    shenzhen_draft = proposal(campaign, on=unit("深圳市"))
    for state in ProposalState.values:
        proposal(other_campaign, state)
    return mine, shenzhen_draft


def test_pending_package_is_the_citys_draft_and_returned_proposals_of_the_campaign(campaign, guangzhou, shenzhen,
                                                                                   proposals_in_every_state):
    mine, shenzhen_draft = proposals_in_every_state
    assert pks(queries.pending_package(campaign, guangzhou)) == {mine["draft"].pk, mine["returned"].pk}
    assert pks(queries.pending_package(campaign, shenzhen)) == {shenzhen_draft.pk}


def test_with_the_district_are_the_district_drafts_and_those_the_city_returned(campaign, proposals_in_every_state):
    mine, _ = proposals_in_every_state
    assert pks(queries.with_the_district(campaign)) == {mine["district_draft"].pk, mine["district_returned"].pk}


def test_awaiting_the_citys_confirmation_are_those_the_district_sent(campaign, proposals_in_every_state):
    mine, _ = proposals_in_every_state
    assert pks(queries.awaiting_city_confirmation(campaign)) == {mine["district_submitted"].pk}


# --- unreviewed, without a proposal, pending flag -------------------------------------------------------------

def test_unreviewed_filings_are_the_submitted_ones_of_the_campaign(campaign, other_campaign, guangzhou, shenzhen):
    by_state = {state: filing(campaign, state) for state in FilingState.values}
    shenzhen_submitted = filing(campaign, on=unit("深圳市"))
    filing(other_campaign, FilingState.SUBMITTED)
    assert pks(queries.unreviewed_filings(campaign)) == {by_state["submitted"].pk, shenzhen_submitted.pk}
    assert pks(queries.unreviewed_filings(campaign, [guangzhou])) == {by_state["submitted"].pk}
    assert pks(queries.unreviewed_filings(campaign, [shenzhen])) == {shenzhen_submitted.pk}


def test_units_without_a_proposal_of_this_campaign(campaign, other_campaign, guangzhou, shenzhen):
    units = {"none": unit(), "draft": unit(), "approved": unit(), "last_year_only": unit(),
             "removed": unit(status=UnitStatus.REMOVED), "shenzhen_none": unit("深圳市")}
    proposal(campaign, ProposalState.DRAFT, on=units["draft"])
    proposal(campaign, ProposalState.APPROVED, on=units["approved"])
    proposal(other_campaign, ProposalState.APPROVED, on=units["last_year_only"])
    expected = {units["none"].pk, units["last_year_only"].pk}
    assert pks(queries.units_without_proposal(campaign)) == expected | {units["shenzhen_none"].pk}
    assert pks(queries.units_without_proposal(campaign, [guangzhou])) == expected
    assert pks(queries.units_without_proposal(campaign, [shenzhen])) == {units["shenzhen_none"].pk}


def test_pending_flag_filings_are_filed_filings_with_a_flag_not_yet_judged(campaign, other_campaign, guangzhou,
                                                                           shenzhen):
    filings = {
        "pending": filing(campaign),
        "confirmed": filing(campaign),
        "rejected": filing(campaign),
        "one_of_two_judged": filing(campaign),
        "no_flag": filing(campaign),
        "draft_pending": filing(campaign, FilingState.DRAFT),
        "returned_pending": filing(campaign, FilingState.RETURNED),
        "accepted_pending": filing(campaign, FilingState.ACCEPTED),
        "last_year_pending": filing(other_campaign),
        "shenzhen_pending": filing(campaign, on=unit("深圳市")),
    }
    for name, f in filings.items():
        if name in ("confirmed", "rejected"):
            flag(f, name)
        elif name != "no_flag":
            flag(f)
    flag(filings["one_of_two_judged"], FlagVerdict.CONFIRMED, code="water_per_output")
    expected = {"pending", "one_of_two_judged", "returned_pending", "accepted_pending"}
    assert _names(filings, queries.pending_flag_filings(campaign)) == expected | {"shenzhen_pending"}
    assert _names(filings, queries.pending_flag_filings(campaign, [guangzhou])) == expected
    assert _names(filings, queries.pending_flag_filings(campaign, [shenzhen])) == {"shenzhen_pending"}


# --- reviews through districts -----------------------------------------------------------------------------------

def test_a_city_reviews_through_districts_only_in_the_campaign_it_chose(campaign, other_campaign, guangzhou,
                                                                         shenzhen):
    campaign.district_cities.add(guangzhou)
    other_campaign.district_cities.add(shenzhen)
    assert (queries.reviews_through_districts(campaign, guangzhou),
            queries.reviews_through_districts(campaign, shenzhen),
            queries.reviews_through_districts(other_campaign, guangzhou),
            queries.reviews_through_districts(other_campaign, shenzhen)) == (True, False, False, True)


def test_district_review_filter_matches_the_filings_city_and_campaign(campaign, other_campaign, guangzhou, shenzhen):
    campaign.district_cities.add(guangzhou)
    other_campaign.district_cities.add(shenzhen)
    gz, sz = unit(), unit("深圳市")
    gz_now, sz_now = filing(campaign, on=gz), filing(campaign, on=sz)
    gz_before, sz_before = filing(other_campaign, on=gz), filing(other_campaign, on=sz)
    assert pks(Filing.objects.filter(queries.district_review_q())) == {gz_now.pk, sz_before.pk}
    assert pks(Filing.objects.exclude(queries.district_review_q())) == {sz_now.pk, gz_before.pk}


# --- accepted without findings -------------------------------------------------------------------------------

def test_declared_changes_that_are_findings():
    assert queries.DECLARED_CHANGES == ("had_accident", "penalised", "relocated", "production_stopped",
                                        "name_changed")


def test_accepted_without_findings_leaves_out_each_kind_of_finding(campaign, other_campaign):
    reporter = factories.city_user("广州市")

    def accepted(**fields):
        f = filing(campaign, FilingState.ACCEPTED, **fields)
        check(f, CheckVerdict.COMPLIANT)
        return f

    clean = {
        "clean": accepted(),
        "minor_change": accepted(scope_changed=True, address_changed=True, restructured=True),
        "flag_confirmed": accepted(),
        "incident_last_year": accepted(),
        "incident_without_campaign": accepted(),
        "proposal_last_year": accepted(),
    }
    found = {name: accepted(**{name: True}) for name in queries.DECLARED_CHANGES}
    found.update({
        "non_compliant": accepted(),
        "flag_pending": accepted(),
        "flag_rejected": accepted(),
        "incident": accepted(),
        "proposal": accepted(),
        "removed": accepted(on=unit(status=UnitStatus.REMOVED)),
        "submitted": filing(campaign, FilingState.SUBMITTED),
        "returned": filing(campaign, FilingState.RETURNED),
        "last_year": filing(other_campaign, FilingState.ACCEPTED),
    })
    check(found["non_compliant"], CheckVerdict.NON_COMPLIANT, code="water_per_output")
    flag(clean["flag_confirmed"], FlagVerdict.CONFIRMED)
    flag(found["flag_pending"], FlagVerdict.PENDING)
    flag(found["flag_rejected"], FlagVerdict.REJECTED)
    for f, in_campaign in ((found["incident"], campaign), (clean["incident_last_year"], other_campaign),
                           (clean["incident_without_campaign"], None)):
        IncidentReport.objects.create(unit=f.unit, campaign=in_campaign, kind=IncidentKind.SAFETY, occurred_on=TODAY,
                                      description="事故", reported_by=reporter)
    proposal(campaign, on=found["proposal"].unit)
    proposal(other_campaign, ProposalState.APPROVED, on=clean["proposal_last_year"].unit)
    everything = {**clean, **found}
    assert _names(everything, queries.accepted_without_findings(campaign)) == set(clean)


# --- declared findings -----------------------------------------------------------------------------------------

def _verification(filing, item, result):
    return ComplianceCheck.objects.create(filing=filing, item=item, source=ComplianceSource.CREDIT_CHINA,
                                          checked_on=TODAY, result=result, checked_by=factories.city_user("广州市"))


def test_declared_findings_of_a_filing_with_nothing_declared_or_found(campaign):
    f = filing(campaign)
    _verification(f, ComplianceItem.ABNORMAL_LIST, ComplianceResult.CLEAR)
    assert queries.declared_findings(f) == []


def test_declared_findings_name_the_accident_and_the_penalty_once(campaign):
    f = filing(campaign, had_accident=True, penalised=True, relocated=True, name_changed=True)
    with translation.override("zh-hans"):
        assert queries.declared_findings(f) == ["发生安全、质量或环境事故", "受到行政处罚"]



def test_declared_findings_go_on_past_the_penalty_named_among_the_changes(campaign):
    f = filing(campaign, penalised=True, no_discharge_permit=True, rectification_open=True)
    with translation.override("zh-hans"):
        assert queries.declared_findings(f) == ["受到行政处罚", "排污许可证", "节能监察整改"]

def test_declared_findings_name_each_compliance_answer_in_order(campaign):
    f = filing(campaign, on_abnormal_list=True, seriously_dishonest=True, judgment_defaulter=True,
               no_discharge_permit=True, rectification_open=True)
    with translation.override("zh-hans"):
        assert queries.declared_findings(f) == ["经营异常名录", "严重失信主体名单", "失信被执行人", "排污许可证",
                                                "节能监察整改"]


def test_declared_findings_name_what_the_citys_verification_found(campaign, django_assert_num_queries):
    f = filing(campaign, judgment_defaulter=True)
    _verification(f, ComplianceItem.PENALTIES, ComplianceResult.FOUND)
    _verification(f, ComplianceItem.DISCHARGE_PERMIT, ComplianceResult.FOUND)
    _verification(f, ComplianceItem.ABNORMAL_LIST, ComplianceResult.CLEAR)
    _verification(f, ComplianceItem.JUDGMENT_DEFAULTER, ComplianceResult.FOUND)
    with translation.override("zh-hans"), django_assert_num_queries(1):
        assert queries.declared_findings(f) == ["失信被执行人", "行政处罚", "排污许可证"]


def test_declared_findings_read_the_verifications_given_instead_of_the_database(campaign, django_assert_num_queries):
    f = filing(campaign)
    found = _verification(f, ComplianceItem.RECTIFICATION, ComplianceResult.FOUND)
    with translation.override("zh-hans"), django_assert_num_queries(0):
        assert queries.declared_findings(f, verifications=[]) == []
        assert queries.declared_findings(f, verifications=[found]) == ["节能监察整改"]


# --- return rounds and the answer's files ----------------------------------------------------------------------

def test_return_round_counts_the_filings_own_returns(campaign):
    f, other = filing(campaign), filing(campaign)
    reviewer = factories.city_user("广州市")
    assert queries.return_round(f) == 0
    for action in ("submit", "check", "return", "submit", "accept"):
        audit.record(f, action, actor=reviewer)
    audit.record(other, "return", actor=reviewer)
    audit.record(other, "return", actor=reviewer)
    assert (queries.return_round(f), queries.return_round(other)) == (1, 2)


def _answer_file(f, kind=EvidenceKind.RETURN_ANSWER, target="1", on=None):
    return EvidenceFile.objects.create(campaign=f.campaign, unit=f.unit, filing=on or f, kind=kind, target=target,
                                       file="evidence/answer.pdf", name="答复.pdf", content_type="application/pdf",
                                       size=10, sha256="0" * 64, uploaded_by=factories.enterprise_user(f.unit))


def test_answered_with_files_needs_an_answer_file_of_the_latest_return(campaign):
    f, other = filing(campaign, FilingState.RETURNED), filing(campaign, FilingState.RETURNED)
    reviewer = factories.city_user("广州市")
    audit.record(f, "return", actor=reviewer)
    audit.record(other, "return", actor=reviewer)
    _answer_file(f, target="0")
    _answer_file(f, kind=EvidenceKind.CHANGE, target="1")
    _answer_file(other, target="1")
    assert (queries.answered_with_files(f), queries.answered_with_files(other)) == (False, True)
    _answer_file(f, target="1")
    assert queries.answered_with_files(f) is True
    audit.record(f, "return", actor=reviewer)  # returned again: the first answer's files do not answer this one
    assert queries.answered_with_files(f) is False


def test_answered_with_files_is_false_for_a_filing_never_returned(campaign):
    f = filing(campaign)
    _answer_file(f, target="1")
    assert queries.answered_with_files(f) is False  # never returned: round 0, and no answer is due
