"""reviews/services/bulk.py rule by rule: what a bulk decision records when no comment is given, every refusal
with its reason, what one MIIT document records without a note, the city's "keep" candidates in city then name
order, and the queries a mixed selection costs."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from registry import access
from registry.enums import MembershipScope
from registry.models import Membership
from reviews.enums import MiitOutcome, Outcome, ProposalState
from reviews.models import AdjustmentProposal, Filing, MiitDecision, MiitDocument, Transition
from reviews.services import bulk
from reviews.workflow import ReviewError, create_many
from tests import factories
from tests.reviews.review_helpers import accepted_filing, open_campaign

pytestmark = pytest.mark.django_db
DOC = {"number": "工信厅节函〔2024〕189号", "decided_on": dt.date(2024, 6, 20), "title": "关于绿色制造名单动态调整的通知"}


def _proposals(campaign, n: int, state=ProposalState.SUBMITTED, outcome=Outcome.KEEP):
    units = [factories.UnitFactory() for _i in range(n)]
    made = create_many([AdjustmentProposal(campaign=campaign, unit=u, outcome=outcome, reason="x",
                                           remove_reason="other" if outcome == Outcome.REMOVE else "")
                        for u in units], "propose", actor=None)
    AdjustmentProposal.objects.filter(pk__in=[p.pk for p in made]).update(state=state)
    return AdjustmentProposal.objects.filter(pk__in=[p.pk for p in made]).order_by("pk")


def _audit(proposals, action):
    return sorted(Transition.objects.filter(action=action, object_id__in=[p.pk for p in proposals]).values_list(
        "object_id", "from_state", "to_state", "actor", "comment"))


# --- decide_bulk ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [{}, {"comment": None}], ids=["no comment", "comment None"])
def test_decide_bulk_approve_without_a_comment_records_an_empty_one(province, kwargs):
    proposals = _proposals(open_campaign(), 2)
    bulk.decide_bulk(proposals, "approve", actor=province, **kwargs)
    assert set(proposals.values_list("state", "decided_by", "decision_comment")) == {
        (ProposalState.APPROVED, province.pk, "")}
    assert _audit(proposals, "approve") == [
        (p.pk, ProposalState.SUBMITTED, ProposalState.APPROVED, province.pk, "") for p in proposals]


@pytest.mark.parametrize(("action", "comment", "message"), [
    ("delete", "", "请选择“同意”或“退回”。"),
    ("return", None, "请填写退回地市的原因。"),
    ("return", " \n ", "请填写退回地市的原因。"),
])
def test_decide_bulk_refusals_say_why(province, action, comment, message):
    proposals = _proposals(open_campaign(), 1)
    with translation.override("zh-hans"), pytest.raises(ReviewError) as exc:
        bulk.decide_bulk(proposals, action, actor=province, comment=comment)
    assert str(exc.value) == message
    assert list(proposals.values_list("state", flat=True)) == [ProposalState.SUBMITTED]
    assert not Transition.objects.filter(action__in=["approve", "return"]).exists()


@pytest.mark.parametrize("n", [1, 3])
def test_decide_bulk_reports_skipped_proposals_in_a_constant_number_of_queries(province, django_assert_num_queries,
                                                                               n):
    campaign = open_campaign()
    decidable = _proposals(campaign, 1)
    drafts = _proposals(campaign, n, state=ProposalState.DRAFT)
    selection = AdjustmentProposal.objects.filter(campaign=campaign).order_by("pk")
    access.roles_of(province)
    ContentType.objects.get_for_model(AdjustmentProposal)
    # savepoint, select for update (with the units, for the skipped ones' names), update, insert audit, release
    with django_assert_num_queries(5):
        report = bulk.decide_bulk(selection, "approve", actor=province)
    assert [p.pk for p in report.done] == [decidable.get().pk]
    assert len(report.skipped) == n
    assert report.skipped[0].startswith(drafts[0].unit.name)


# --- record_miit_document ------------------------------------------------------------------------------------

def test_miit_document_without_a_note_records_an_empty_note(province):
    proposals = _proposals(open_campaign(), 2, state=ProposalState.APPROVED)
    document, _report = bulk.record_miit_document(proposals, outcome=MiitOutcome.NOT_CONFIRMED, actor=province, **DOC)
    assert sorted(MiitDecision.objects.values_list("proposal", "outcome", "decided_on", "document", "source", "note",
                                                   "recorded_by")) == [
        (p.pk, MiitOutcome.NOT_CONFIRMED, DOC["decided_on"], DOC["number"], document.pk, "", province.pk)
        for p in proposals]


@pytest.mark.parametrize(("values", "message"), [
    ({"outcome": "maybe"}, "请选择工信部的决定。"),
    ({"number": None}, "请填写文件的文号、日期和标题。"),
    ({"title": None}, "请填写文件的文号、日期和标题。"),
    ({"decided_on": None}, "请填写文件的文号、日期和标题。"),
    ({"decided_on": dt.date.today() + dt.timedelta(days=2)}, "工信部决定日期不能晚于今天。"),
])
def test_miit_document_refusals_say_why(province, values, message):
    proposals = _proposals(open_campaign(), 1, state=ProposalState.APPROVED)
    arguments = {"outcome": MiitOutcome.CONFIRMED, **DOC, **values}
    with translation.override("zh-hans"), pytest.raises(ReviewError) as exc:
        bulk.record_miit_document(proposals, actor=province, **arguments)
    assert str(exc.value) == message
    assert not MiitDocument.objects.exists() and not MiitDecision.objects.exists()


@pytest.mark.parametrize("n", [1, 3])
def test_miit_document_for_confirmed_removals_reads_each_proposals_unit_and_campaign_with_it(
        province, django_assert_num_queries, n):
    campaign = open_campaign()
    skipped = _proposals(campaign, 1)  # not approved: named in the report
    proposals = _proposals(campaign, n, state=ProposalState.APPROVED, outcome=Outcome.REMOVE)
    selection = AdjustmentProposal.objects.filter(campaign=campaign)
    access.roles_of(province)
    ContentType.objects.get_for_model(AdjustmentProposal)
    # 8 for the document (tests/reviews/test_bulk.py), then 14 for each unit removed from the registry; no query
    # for a proposal's unit, its city or its campaign
    with django_assert_num_queries(8 + 14 * n):
        _document, report = bulk.record_miit_document(selection, outcome=MiitOutcome.CONFIRMED, actor=province, **DOC)
    assert sorted(p.pk for p in report.done) == [p.pk for p in proposals]
    assert report.skipped == [f"{skipped.get().unit.name}：只有省厅已同意的意见才能登记工信部决定。"]


# --- the city's "keep" ----------------------------------------------------------------------------------------

def _two_city_reviewer():
    reviewer = factories.city_user("广州市", "gz_sz")
    Membership.objects.create(user=reviewer, scope=MembershipScope.CITY, city=factories.city("深圳市"))
    return reviewer


def test_keep_candidates_are_ordered_by_city_then_unit_name(gz_reviewer):
    campaign = open_campaign()
    reviewer = _two_city_reviewer()
    # made in an order that is neither the cities' order (广州 before 深圳) nor the names' order
    made = [("深圳市", "甲"), ("广州市", "乙"), ("广州市", "丙"), ("深圳市", "丁")]
    filings = {}
    for city, name in made:
        unit = factories.UnitFactory(city=factories.city(city), name=f"{name}绿色工厂")
        filings[name] = accepted_filing(campaign, unit, reviewer)
    names = sorted(name for _city, name in made)  # 丁 丙 乙 甲 by code point
    assert names == ["丁", "丙", "乙", "甲"]
    expected = [filings[n] for n in ("丙", "乙", "丁", "甲")]  # 广州: 丙 乙; 深圳: 丁 甲
    assert list(bulk.keep_candidates(campaign, reviewer)) == expected


def test_keep_candidates_come_with_their_units_and_cities(gz_reviewer, django_assert_num_queries):
    campaign = open_campaign()
    for _i in range(3):
        accepted_filing(campaign, factories.UnitFactory(), gz_reviewer)
    access.roles_of(gz_reviewer)
    with django_assert_num_queries(1):
        rows = [(f.unit.name, f.unit.city.name) for f in bulk.keep_candidates(campaign, gz_reviewer)]
    assert [city for _name, city in rows] == ["广州市"] * 3
    assert Filing.objects.count() == 3


def test_propose_keep_many_refuses_anyone_but_a_city_bureau_and_says_why(province, gz_unit, gz_reviewer):
    campaign = open_campaign()
    accepted_filing(campaign, gz_unit, gz_reviewer)
    with translation.override("zh-hans"), pytest.raises(ReviewError) as exc:
        bulk.propose_keep_many(campaign, [gz_unit.pk], actor=province)
    assert str(exc.value) == "只有市工信局可以为本市单位提出调整意见。"
    assert not AdjustmentProposal.objects.exists()
