"""The package check before a city submits its package (reviews.services.review.package_check, submit_package)
and the domain terms it uses (reviews.queries)."""

import pytest
from django.urls import reverse

from reviews import audit, queries
from reviews.enums import FlagKind, FlagVerdict, Outcome, ProposalState
from reviews.models import AdjustmentProposal, CityPackage, DataFlag
from reviews.services import review as review_services
from reviews.services.review import ReviewError
from tests import factories
from tests.conftest import login
from tests.reviews.review_helpers import accepted_filing, open_campaign, submitted_filing


@pytest.fixture
def campaign(db):
    return open_campaign()


@pytest.fixture
def complete_city(campaign, gz_unit, gz_reviewer):
    """广州: one listed unit, filed, accepted, with a proposal: nothing open."""
    accepted_filing(campaign, gz_unit, gz_reviewer)
    review_services.save_proposal(campaign, gz_unit, {"outcome": Outcome.KEEP}, actor=gz_reviewer)
    return gz_unit.city


def test_a_complete_city_has_nothing_open(campaign, complete_city):
    check = review_services.package_check(campaign, complete_city)
    assert (check.ok, check.lines(), check.summary()) == (True, [], "")


def test_each_open_item_is_counted_and_named(campaign, complete_city, gz_reviewer):
    not_filed = factories.UnitFactory(city=complete_city, name="未填报工厂")
    unreviewed = factories.UnitFactory(city=complete_city, name="待审核工厂")
    filing = submitted_filing(campaign, unreviewed)
    DataFlag.objects.create(filing=filing, code="energy_per_output", kind=FlagKind.YEAR_ON_YEAR, value=1)
    check = review_services.package_check(campaign, complete_city)
    assert [(key, n, names) for key, _label, n, _counted, names in check.lines()] == [
        ("unreviewed", 1, ["待审核工厂"]),
        ("not_filed", 1, ["未填报工厂"]),
        ("without_proposal", 2, [not_filed.name, unreviewed.name]),
        ("pending_flags", 1, ["待审核工厂"]),
    ]
    assert check.summary() == "未审核的动态管理表 1 份；未填报的单位 1 家；无调整意见的单位 2 家；有待判定异常数据的动态管理表 1 份"


def test_a_judged_flag_is_no_longer_pending(campaign, gz_unit, gz_reviewer):
    filing = submitted_filing(campaign, gz_unit)
    flag = DataFlag.objects.create(filing=filing, code="energy_per_output", kind=FlagKind.YEAR_ON_YEAR, value=1)
    assert list(queries.pending_flag_filings(campaign, [gz_unit.city])) == [filing]
    review_services.record_flag_verdicts(filing, {flag.pk: (FlagVerdict.CONFIRMED, "")}, actor=gz_reviewer)
    assert list(queries.pending_flag_filings(campaign, [gz_unit.city])) == []


def test_a_draft_proposal_counts_as_opened_for_the_check(campaign, gz_unit, gz_reviewer):
    assert list(queries.units_without_proposal(campaign, [gz_unit.city])) == [gz_unit]
    review_services.save_proposal(campaign, gz_unit, {"outcome": Outcome.KEEP}, actor=gz_reviewer)
    assert list(queries.units_without_proposal(campaign, [gz_unit.city])) == []


def test_another_citys_items_do_not_count(campaign, complete_city, sz_unit):
    assert review_services.package_check(campaign, complete_city).ok


def test_submitting_with_open_items_needs_a_reason(campaign, complete_city, gz_reviewer):
    factories.UnitFactory(city=complete_city, name="未填报工厂")
    with pytest.raises(ReviewError) as exc:
        review_services.submit_package(campaign, complete_city, actor=gz_reviewer, reason="  ")
    assert str(exc.value) == ("报送前检查发现未完成事项（未填报的单位 1 家；无调整意见的单位 1 家）：如仍要报送，请说明理由。")
    assert CityPackage.objects.count() == 0
    assert AdjustmentProposal.objects.get().state == ProposalState.DRAFT


def test_the_reason_and_the_open_items_are_kept_for_the_province(campaign, complete_city, gz_reviewer):
    factories.UnitFactory(city=complete_city, name="未填报工厂")
    package = review_services.submit_package(campaign, complete_city, actor=gz_reviewer, reason="该厂已停产，另行上报")
    package.refresh_from_db()
    assert (package.open_items, package.open_items_reason) == ("未填报的单位 1 家；无调整意见的单位 1 家", "该厂已停产，另行上报")
    comment = audit.history(package).get(action="submit").comment
    assert comment == "1 条调整意见；仍未完成：未填报的单位 1 家；无调整意见的单位 1 家；仍要报送的理由：该厂已停产，另行上报"


def test_a_complete_package_needs_no_reason_and_clears_an_earlier_one(campaign, complete_city, gz_reviewer, gz_unit):
    extra = factories.UnitFactory(city=complete_city, name="未填报工厂")
    review_services.submit_package(campaign, complete_city, actor=gz_reviewer, reason="稍后补报")
    accepted_filing(campaign, extra, gz_reviewer)
    review_services.save_proposal(campaign, extra, {"outcome": Outcome.KEEP}, actor=gz_reviewer)
    package = review_services.submit_package(campaign, complete_city, actor=gz_reviewer)
    package.refresh_from_db()
    assert (package.open_items, package.open_items_reason) == ("", "")


def test_package_page_shows_the_check_and_refuses_without_a_reason(client, campaign, complete_city, gz_reviewer):
    factories.UnitFactory(city=complete_city, name="未填报工厂")
    login(client, gz_reviewer)
    page = client.get(reverse("reviews:package_submit"), {"year": campaign.year})
    assert [(k, n) for k, _label, n, _counted, _names in page.context["check"].lines()] == [("not_filed", 1), ("without_proposal", 1)]
    response = client.post(reverse("reviews:package_submit"), {"year": campaign.year, "city": complete_city.pk,
                                                               "confirm": "on"})
    assert response.status_code == 400
    assert response.context["form"].errors["reason"][0].startswith("报送前检查发现未完成事项")
    assert CityPackage.objects.count() == 0
    response = client.post(reverse("reviews:package_submit"), {"year": campaign.year, "city": complete_city.pk,
                                                               "confirm": "on", "reason": "已停产"})
    assert response.status_code == 302
    assert CityPackage.objects.get().open_items_reason == "已停产"


def test_the_province_dashboard_shows_the_reason(client, campaign, complete_city, gz_reviewer, province):
    factories.UnitFactory(city=complete_city, name="未填报工厂")
    review_services.submit_package(campaign, complete_city, actor=gz_reviewer, reason="已停产")
    login(client, province)
    rows = client.get(reverse("reviews:province_dashboard"), {"year": campaign.year}).context["rows"]
    [row] = [r for r in rows if r.city == complete_city]
    assert (row.package.open_items, row.package.open_items_reason) == ("未填报的单位 1 家；无调整意见的单位 1 家", "已停产")


def test_the_proposal_page_shows_the_province_the_packages_open_items(client, campaign, complete_city, gz_reviewer,
                                                                       gz_unit, province):
    factories.UnitFactory(city=complete_city, name="未填报工厂")
    review_services.submit_package(campaign, complete_city, actor=gz_reviewer, reason="已停产")
    login(client, province)
    proposal = AdjustmentProposal.objects.get(unit=gz_unit)
    response = client.get(reverse("reviews:proposal_detail", args=[proposal.pk]))
    assert response.context["proposal"].package.open_items_reason == "已停产"
    assert 'id="package-open-items"' in response.content.decode()
