"""District first review (reviews.services.districts): scope, the district deadline, the city's confirm and return."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from registry import access
from reviews import rules
from reviews.enums import FilingState, Outcome, ProposalState
from reviews.models import AdjustmentProposal, Campaign, Filing, Transition
from reviews.services import districts
from reviews.services import review as review_services
from reviews.workflow import ReviewError
from tests import factories

from .review_helpers import all_compliant, open_campaign, submitted_filing

pytestmark = pytest.mark.django_db
BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
KEEP = {"outcome": Outcome.KEEP, "reason": "指标达标"}


@pytest.fixture
def campaign(gz_reviewer):
    campaign = open_campaign()
    districts.set_district_review(campaign, factories.city("广州市"), True, actor=gz_reviewer)
    return campaign


@pytest.fixture
def tianhe_unit(db):
    return factories.UnitFactory(city=factories.city("广州市"), district=factories.district("天河区", "广州市"))


@pytest.fixture
def haizhu_unit(db):
    return factories.UnitFactory(city=factories.city("广州市"), district=factories.district("海珠区", "广州市"))


@pytest.fixture
def city_level_unit(db):
    return factories.UnitFactory(city=factories.city("广州市"), district=None)


@pytest.fixture
def tianhe(db):
    return factories.district_user("天河区", "th", "广州市")


def _checked(campaign, unit, reviewer) -> Filing:
    filing = submitted_filing(campaign, unit)
    review_services.record_checks(filing, all_compliant(filing), actor=reviewer)
    return filing


def _sent(campaign, unit, reviewer) -> AdjustmentProposal:
    _checked(campaign, unit, reviewer)
    proposal = districts.save_district_proposal(campaign, unit, KEEP, actor=reviewer)
    assert districts.submit_to_city(campaign, [proposal.pk], actor=reviewer).done == [proposal]
    proposal.refresh_from_db()
    return proposal


# --- scope ------------------------------------------------------------------------------------------------

def test_district_reviewer_sees_only_its_districts_filings(campaign, tianhe, tianhe_unit, haizhu_unit, city_level_unit):
    own = submitted_filing(campaign, tianhe_unit)
    submitted_filing(campaign, haizhu_unit)
    submitted_filing(campaign, city_level_unit)
    assert list(districts.district_filings(tianhe, campaign)) == [own]
    assert list(access.district_units(tianhe)) == [tianhe_unit]


def test_district_reviewer_checks_its_own_districts_unit(campaign, tianhe, tianhe_unit):
    filing = submitted_filing(campaign, tianhe_unit)
    review_services.record_checks(filing, all_compliant(filing), actor=tianhe)
    assert filing.checks.count() == len(all_compliant(filing))
    assert Transition.objects.filter(object_id=filing.pk, action="check", actor=tianhe).count() == 1


@pytest.mark.parametrize("unit_fixture", ["haizhu_unit", "city_level_unit"])
def test_district_reviewer_cannot_check_another_districts_or_a_city_level_unit(request, campaign, tianhe, unit_fixture):
    filing = submitted_filing(campaign, request.getfixturevalue(unit_fixture))
    with pytest.raises(PermissionDenied):
        review_services.record_checks(filing, all_compliant(filing), actor=tianhe)
    assert filing.checks.count() == 0


@pytest.mark.parametrize("unit_fixture", ["haizhu_unit", "city_level_unit"])
def test_district_reviewer_cannot_propose_for_another_districts_or_a_city_level_unit(request, campaign, tianhe,
                                                                                    unit_fixture):
    unit = request.getfixturevalue(unit_fixture)
    with pytest.raises(PermissionDenied):
        districts.save_district_proposal(campaign, unit, KEEP, actor=tianhe)
    assert not AdjustmentProposal.objects.filter(unit=unit).exists()


def test_district_reviewer_cannot_send_another_districts_proposal(campaign, tianhe, haizhu_unit):
    haizhu = factories.district_user("海珠区", "hz", "广州市")
    _checked(campaign, haizhu_unit, haizhu)
    other = districts.save_district_proposal(campaign, haizhu_unit, KEEP, actor=haizhu)
    report = districts.submit_to_city(campaign, [other.pk], actor=tianhe)
    assert report.done == []
    assert report.skipped == [_("Proposal %(pk)s is not one of your district's.") % {"pk": other.pk}]
    other.refresh_from_db()
    assert other.state == ProposalState.DISTRICT_DRAFT


def test_district_reviewer_cannot_act_where_the_city_reviews_alone(tianhe, tianhe_unit):
    campaign = open_campaign()  # 广州 has not chosen to review through districts
    filing = submitted_filing(campaign, tianhe_unit)
    decision = rules.can_district_review(tianhe, tianhe_unit, campaign)
    assert not decision
    assert "广州市" in decision.reason
    with pytest.raises(PermissionDenied):
        review_services.record_checks(filing, all_compliant(filing), actor=tianhe)


def test_district_reviewer_cannot_accept_or_return_the_filing(campaign, tianhe, tianhe_unit):
    filing = _checked(campaign, tianhe_unit, tianhe)
    with pytest.raises(PermissionDenied):
        review_services.accept_filing(filing, actor=tianhe)
    with pytest.raises(PermissionDenied):
        review_services.return_filing(filing, "请核实", actor=tianhe)


# --- the city's choice --------------------------------------------------------------------------------------

def test_set_district_review_is_the_citys_own_choice_and_audited(gz_reviewer):
    campaign = open_campaign()
    sz_reviewer = factories.city_user("深圳市", "sz")
    with pytest.raises(PermissionDenied):
        districts.set_district_review(campaign, factories.city("广州市"), True, actor=sz_reviewer)
    assert districts.set_district_review(campaign, factories.city("广州市"), True, actor=gz_reviewer) is True
    assert districts.set_district_review(campaign, factories.city("广州市"), True, actor=gz_reviewer) is False
    assert list(campaign.district_cities.values_list("name", flat=True)) == ["广州市"]
    entry = Transition.objects.get(action="district_review")
    assert (entry.actor, entry.comment) == (gz_reviewer, f"广州市: {_('through districts')}")


# --- the district deadline ----------------------------------------------------------------------------------

def test_district_deadline_falls_back_to_the_city_deadline():
    campaign = open_campaign()
    assert campaign.district_due == campaign.city_review_due
    campaign.district_review_due = campaign.filing_due
    assert campaign.district_due == campaign.filing_due


@pytest.mark.parametrize("due_offset", [-1, 1])
def test_district_deadline_must_fall_between_filing_and_city_deadlines(due_offset):
    campaign = open_campaign()
    campaign.district_review_due = (campaign.filing_due if due_offset < 0 else campaign.city_review_due) + dt.timedelta(
        days=due_offset)
    with pytest.raises(ValidationError):
        campaign.full_clean()


@pytest.mark.parametrize(("when", "late"), [
    (dt.datetime(2024, 3, 20, 23, 59, tzinfo=BEIJING), False),  # the last minute of the deadline day
    (dt.datetime(2024, 3, 20, 16, 1, tzinfo=dt.UTC), True),  # 00:01 on the next day in Beijing
])
def test_district_work_sent_after_the_district_deadline_is_marked_late(gz_reviewer, tianhe, tianhe_unit, when, late):
    campaign = Campaign.objects.create(year=2024, filing_opens=dt.date(2024, 1, 15), filing_due=dt.date(2024, 3, 10),
                                       district_review_due=dt.date(2024, 3, 20), city_review_due=dt.date(2024, 3, 31),
                                       province_report_due=dt.date(2024, 4, 15))
    districts.set_district_review(campaign, factories.city("广州市"), True, actor=gz_reviewer)
    _checked(campaign, tianhe_unit, tianhe)
    proposal = districts.save_district_proposal(campaign, tianhe_unit, KEEP, actor=tianhe)
    districts.submit_to_city(campaign, [proposal.pk], actor=tianhe, now=when)
    proposal.refresh_from_db()
    assert (proposal.state, proposal.district_late, proposal.district_submitted_at) == (
        ProposalState.DISTRICT_SUBMITTED, late, when)
    assert bool(rules.within_district_deadline(campaign, when)) is not late


# --- sending to the city -----------------------------------------------------------------------------------

def test_district_cannot_send_before_its_indicator_check_is_complete(campaign, tianhe, tianhe_unit):
    filing = submitted_filing(campaign, tianhe_unit)
    proposal = districts.save_district_proposal(campaign, tianhe_unit, KEEP, actor=tianhe)
    report = districts.submit_to_city(campaign, [proposal.pk], actor=tianhe)
    assert report.done == []
    assert report.skipped == [f"{tianhe_unit.name}: {' '.join(review_services.acceptance_problems(filing))}"]
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.DISTRICT_DRAFT


def test_city_cannot_change_a_proposal_the_district_sent(campaign, gz_reviewer, tianhe, tianhe_unit):
    _sent(campaign, tianhe_unit, tianhe)
    with pytest.raises(ReviewError):
        review_services.save_proposal(campaign, tianhe_unit, {"outcome": Outcome.RECTIFY,
                                                              "rectify_due": dt.date(2030, 1, 1)}, actor=gz_reviewer)


def test_district_proposal_is_not_in_the_citys_package_until_confirmed(campaign, gz_reviewer, tianhe, tianhe_unit):
    _sent(campaign, tianhe_unit, tianhe)
    with pytest.raises(ReviewError):
        review_services.submit_package(campaign, factories.city("广州市"), actor=gz_reviewer)


# --- the city confirms or returns ---------------------------------------------------------------------------

def test_city_confirm_accepts_the_filing_and_takes_the_proposal_as_its_draft(campaign, gz_reviewer, tianhe, tianhe_unit):
    proposal = _sent(campaign, tianhe_unit, tianhe)
    report = districts.confirm_district_work(campaign, [proposal.pk], actor=gz_reviewer)
    assert (report.done, report.skipped) == ([proposal], [])
    proposal.refresh_from_db()
    filing = Filing.objects.get(campaign=campaign, unit=tianhe_unit)
    assert (proposal.state, filing.state) == (ProposalState.DRAFT, FilingState.ACCEPTED)
    actions = list(Transition.objects.filter(object_id=proposal.pk, content_type__model="adjustmentproposal")
                   .order_by("id").values_list("action", "actor__username"))
    assert actions == [("district_propose", "th"), ("district_submit", "th"), ("city_confirm", "gz")]
    package = review_services.submit_package(campaign, factories.city("广州市"), actor=gz_reviewer)
    assert list(package.proposals.all()) == [proposal]


def test_city_return_needs_a_reason_then_the_district_corrects_and_resends(campaign, gz_reviewer, tianhe, tianhe_unit):
    proposal = _sent(campaign, tianhe_unit, tianhe)
    with pytest.raises(ReviewError):
        districts.return_district_work(campaign, [proposal.pk], " ", actor=gz_reviewer)
    report = districts.return_district_work(campaign, [proposal.pk], " 请补充说明 ", actor=gz_reviewer)
    assert report.done == [proposal]
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.DISTRICT_RETURNED
    returned = Transition.objects.get(action="city_return", object_id=proposal.pk)
    assert (returned.actor, returned.comment) == (gz_reviewer, "请补充说明")
    districts.save_district_proposal(campaign, tianhe_unit, {**KEEP, "reason": "已补充"}, actor=tianhe)
    assert districts.submit_to_city(campaign, [proposal.pk], actor=tianhe).done == [proposal]
    proposal.refresh_from_db()
    assert (proposal.state, proposal.reason) == (ProposalState.DISTRICT_SUBMITTED, "已补充")


def test_only_the_citys_bureau_confirms_district_work(campaign, tianhe, tianhe_unit):
    proposal = _sent(campaign, tianhe_unit, tianhe)
    sz_reviewer = factories.city_user("深圳市", "sz")
    for actor in (tianhe, sz_reviewer):
        report = districts.confirm_district_work(campaign, [proposal.pk], actor=actor)
        assert (report.done, report.skipped) == ([], [_("Proposal %(pk)s is not one of your city's.") % {"pk": proposal.pk}])
    proposal.refresh_from_db()
    assert proposal.state == ProposalState.DISTRICT_SUBMITTED


def test_city_confirm_skips_work_not_awaiting_it_and_reports_why(campaign, gz_reviewer, tianhe, tianhe_unit, haizhu_unit):
    sent = _sent(campaign, tianhe_unit, tianhe)
    haizhu = factories.district_user("海珠区", "hz", "广州市")
    draft = districts.save_district_proposal(campaign, haizhu_unit, KEEP, actor=haizhu)
    report = districts.confirm_district_work(campaign, [sent.pk, draft.pk], actor=gz_reviewer)
    assert report.done == [sent]
    assert report.skipped == [
        _("%(unit)s: the proposal is “%(state)s”, not awaiting the city's confirmation.")
        % {"unit": haizhu_unit.name, "state": ProposalState.DISTRICT_DRAFT.label}]


def test_district_filings_are_this_campaigns_and_only_where_the_city_reviews_through_districts(campaign, tianhe,
                                                                                              tianhe_unit):
    own = submitted_filing(campaign, tianhe_unit)
    earlier = Campaign.objects.create(year=campaign.year - 1, filing_opens=campaign.filing_opens.replace(
        year=campaign.year - 1), filing_due=campaign.filing_due.replace(year=campaign.year - 1),
        city_review_due=campaign.city_review_due.replace(year=campaign.year - 1),
        province_report_due=campaign.province_report_due.replace(year=campaign.year - 1))
    earlier.district_cities.add(factories.city("广州市"))
    submitted_filing(earlier, tianhe_unit)
    assert list(districts.district_filings(tianhe, campaign)) == [own]
    campaign.district_cities.clear()  # the city reviews alone this year: nothing is the district's
    assert list(districts.district_filings(tianhe, campaign)) == []
