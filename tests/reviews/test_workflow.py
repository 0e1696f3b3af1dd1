"""reviews/workflow.py: the one function of the reviews app that moves a filing, a proposal or a city package.

Each move asks the record's machine first (a refused move writes nothing and leaves no audit record), saves only
the state and the fields the caller names, and writes exactly one audit record per record moved. The batched
moves (transition_many, create_many) run a fixed number of queries however many records they move.
"""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation

from reviews import workflow
from reviews.enums import FilingState, Outcome, PackageState, ProposalState
from reviews.models import AdjustmentProposal, CityPackage, Filing, OutgoingMail, Transition
from reviews.workflow import ReviewError
from tests import factories
from tests.reviews.review_helpers import open_campaign

pytestmark = pytest.mark.django_db

LONG_AGO = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def campaign(db):
    return open_campaign()


@pytest.fixture
def actor(db):
    return factories.city_user("广州市", "gz")


def filing(campaign, state=FilingState.SUBMITTED, **fields) -> Filing:
    """A saved filing in `state`, last updated long ago (so that a save of `updated_at` shows)."""
    made = Filing.objects.create(campaign=campaign, unit=factories.UnitFactory(), state=state,
                                 product_name="电路板", **fields)
    Filing.objects.filter(pk=made.pk).update(updated_at=LONG_AGO)
    return Filing.objects.get(pk=made.pk)


def package(campaign, actor, *, late=False) -> CityPackage:
    return CityPackage.objects.create(campaign=campaign, city=factories.city("广州市"), submitted_at=timezone.now(),
                                      submitted_by=actor, is_late=late, note="首次报送")


def trail(obj) -> list[tuple]:
    """The record's audit rows, oldest first: (action, from, to, actor id, comment)."""
    rows = Transition.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
    return list(rows.order_by("id").values_list("action", "from_state", "to_state", "actor_id", "comment"))


def stored(obj, *names):
    return tuple(type(obj).objects.filter(pk=obj.pk).values_list(*names).get())


# --- state_of and check ----------------------------------------------------------------------------------------

def test_state_of_an_unsaved_record_is_none(campaign, actor):
    assert workflow.state_of(Filing(state=FilingState.SUBMITTED)) is None
    assert workflow.state_of(CityPackage(is_late=True)) is None


def test_state_of_a_saved_record_and_of_a_package_on_time_or_late(campaign, actor):
    assert workflow.state_of(filing(campaign, FilingState.RETURNED)) == FilingState.RETURNED
    assert workflow.state_of(package(campaign, actor)) == PackageState.ON_TIME
    CityPackage.objects.all().delete()
    assert workflow.state_of(package(campaign, actor, late=True)) == PackageState.LATE


def test_check_names_the_state_after_the_move(campaign):
    submitted = filing(campaign)
    assert workflow.check(submitted, "accept") == FilingState.ACCEPTED
    assert workflow.check(submitted, "check") == FilingState.SUBMITTED  # a same-state action
    assert workflow.check(Filing(), "create") == FilingState.DRAFT


def test_check_refuses_with_the_reason_as_a_review_error(campaign):
    with translation.override("zh-hans"), pytest.raises(ReviewError) as refused:
        workflow.check(filing(campaign, FilingState.DRAFT), "accept")
    assert str(refused.value) == "当前状态为“草稿”，不能执行“已通过”。"
    assert refused.value.__suppress_context__  # the machine's own exception is not chained into the traceback


# --- transition ------------------------------------------------------------------------------------------------

def test_transition_moves_saves_and_writes_the_audit_record(campaign, actor):
    submitted = filing(campaign)
    record = workflow.transition(submitted, "accept", actor=actor, comment="全部达标")
    assert (record.content_type.model_class(), record.object_id) == (Filing, submitted.pk)
    assert trail(submitted) == [("accept", "submitted", "accepted", actor.pk, "全部达标")]
    assert record.pk == Transition.objects.get().pk
    state, updated_at = stored(submitted, "state", "updated_at")
    assert state == submitted.state == FilingState.ACCEPTED
    assert updated_at > LONG_AGO


def test_transition_saves_the_state_and_the_named_fields_only(campaign, actor, django_assert_num_queries):
    submitted = filing(campaign)
    submitted.return_reason = "请补充能耗数据"
    submitted.product_name = "未保存的改动"
    with django_assert_num_queries(2):  # one UPDATE, one audit INSERT
        workflow.transition(submitted, "return", actor=actor, fields=("return_reason",))
    assert stored(submitted, "state", "return_reason", "product_name") == (
        FilingState.RETURNED, "请补充能耗数据", "电路板")


def test_transition_refused_saves_nothing_and_writes_no_audit_record(campaign, actor):
    accepted = filing(campaign, FilingState.ACCEPTED)
    accepted.return_reason = "不应保存"
    with translation.override("zh-hans"), pytest.raises(ReviewError) as refused:
        workflow.transition(accepted, "submit", actor=actor, fields=("return_reason",))
    assert str(refused.value) == "当前状态为“已通过”，不能执行“已提交”。"
    assert accepted.state == FilingState.ACCEPTED
    assert stored(accepted, "state", "return_reason", "updated_at") == (FilingState.ACCEPTED, "", LONG_AGO)
    assert Transition.objects.count() == 0


def test_transition_inserts_a_new_record_entering_its_machine(campaign, actor):
    new = Filing(campaign=campaign, unit=factories.UnitFactory(), state=FilingState.ACCEPTED)
    workflow.transition(new, "create", actor=actor)
    assert stored(new, "state") == (FilingState.DRAFT,)
    assert trail(new) == [("create", "", "draft", actor.pk, "")]


def test_transition_refuses_a_new_record_a_move_that_needs_one(campaign, actor):
    new = Filing(campaign=campaign, unit=factories.UnitFactory())
    with translation.override("zh-hans"), pytest.raises(ReviewError, match="^当前状态为“尚未创建”，不能执行“已提交”。$"):
        workflow.transition(new, "submit", actor=actor)
    assert (new.pk, Filing.objects.count(), Transition.objects.count()) == (None, 0, 0)


def test_transition_of_a_proposal_saves_its_state_and_updated_at(campaign, actor):
    proposal = AdjustmentProposal.objects.create(campaign=campaign, unit=factories.UnitFactory(), outcome=Outcome.KEEP,
                                                 state=ProposalState.DISTRICT_SUBMITTED)
    AdjustmentProposal.objects.filter(pk=proposal.pk).update(updated_at=LONG_AGO)
    proposal.reason = "未保存"
    workflow.transition(proposal, "city_confirm", actor=actor, comment="同意区县意见")
    state, reason, updated_at = stored(proposal, "state", "reason", "updated_at")
    assert (state, reason) == (ProposalState.DRAFT, "")
    assert updated_at > LONG_AGO
    assert trail(proposal) == [("city_confirm", "district_submitted", "draft", actor.pk, "同意区县意见")]


def test_transition_of_a_new_package_stores_late_as_its_state(campaign, actor):
    new = CityPackage(campaign=campaign, city=factories.city("广州市"), submitted_at=timezone.now(), submitted_by=actor)
    workflow.transition(new, "submit_late", actor=actor, comment="3 条调整意见")
    assert stored(new, "is_late") == (True,)
    assert trail(new) == [("submit_late", "", "late", actor.pk, "3 条调整意见")]


def test_transition_of_a_saved_package_saves_the_named_fields_only(campaign, actor, django_assert_num_queries):
    saved = package(campaign, actor, late=True)
    saved.note = "补报"
    saved.open_items = "未保存"
    workflow.transition(saved, "resubmit", actor=actor, fields=("note",))
    assert stored(saved, "is_late", "note", "open_items") == (True, "补报", "")
    saved.note = "不保存"
    with django_assert_num_queries(1):  # a package has no state column: no field named, nothing but the audit row
        workflow.transition(saved, "resubmit", actor=actor)
    assert stored(saved, "note") == ("补报",)
    assert trail(saved) == [("resubmit", "late", "late", actor.pk, "")] * 2


def test_the_workflow_queues_nothing_after_commit(campaign, actor, django_capture_on_commit_callbacks):
    """Mail and signals are the services' (reviews.notify, reviews.signals); a move itself sends nothing."""
    first, second, third = filing(campaign), filing(campaign), filing(campaign)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        workflow.transition(first, "accept", actor=actor)
        workflow.transition_many([second, third], "return", actor=actor)
        workflow.record(first, "assessment_planned", actor=actor)
        workflow.create_many([Filing(campaign=campaign, unit=factories.UnitFactory())], "create", actor=actor)
    assert (callbacks, OutgoingMail.objects.count()) == ([], 0)


# --- transition_many -----------------------------------------------------------------------------------------

def test_transition_many_moves_each_record_with_the_values_and_a_version(campaign, actor):
    versions = (1, 3, 5)
    moving = [filing(campaign, version=v) for v in versions]
    bystander = filing(campaign)
    moving[0].product_name = "未保存的改动"
    submitted_at = timezone.now() - dt.timedelta(hours=1)
    workflow.transition_many(moving, "accept", actor=actor, comment="批量通过", values={"submitted_at": submitted_at},
                             bump_version=True)
    rows = Transition.objects.order_by("object_id")
    at = rows[0].at
    assert [stored(f, "state", "version", "submitted_at", "updated_at", "product_name") for f in moving] == [
        (FilingState.ACCEPTED, v + 1, submitted_at, at, "电路板") for v in versions]
    assert [(f.state, f.version, f.submitted_at, f.updated_at) for f in moving] == [
        (FilingState.ACCEPTED, v + 1, submitted_at, at) for v in versions]
    assert list(rows.values_list("content_type", "object_id", "action", "from_state", "to_state", "actor", "comment",
                                 "at")) == [
        (ContentType.objects.get_for_model(Filing).pk, f.pk, "accept", "submitted", "accepted", actor.pk, "批量通过",
         at) for f in sorted(moving, key=lambda f: f.pk)]
    assert stored(bystander, "state", "version", "updated_at") == (FilingState.SUBMITTED, 1, LONG_AGO)


def test_transition_many_without_a_version_bump_keeps_the_versions(campaign, actor):
    moving = [filing(campaign, version=2), filing(campaign, version=7)]
    workflow.transition_many(moving, "return", actor=actor)
    assert [stored(f, "state", "version") for f in moving] == [(FilingState.RETURNED, 2), (FilingState.RETURNED, 7)]
    assert [f.version for f in moving] == [2, 7]
    assert [trail(f) for f in moving] == [[("return", "submitted", "returned", actor.pk, "")]] * 2


@pytest.mark.parametrize("n", [1, 3])
def test_transition_many_runs_one_update_and_one_insert(campaign, actor, django_assert_num_queries, n):
    moving = [filing(campaign) for _ in range(n)]
    with django_assert_num_queries(2):
        workflow.transition_many(moving, "accept", actor=actor, values={"accepted_at": timezone.now()},
                                 bump_version=True)
    assert Transition.objects.count() == n


def test_transition_many_refuses_every_record_when_one_may_not_move(campaign, actor, django_assert_num_queries):
    moving = [filing(campaign), filing(campaign, FilingState.ACCEPTED), filing(campaign)]
    with (translation.override("zh-hans"), django_assert_num_queries(0),
          pytest.raises(ReviewError, match="^当前状态为“已通过”，不能执行“已通过”。$")):
        workflow.transition_many(moving, "accept", actor=actor, values={"return_reason": "x"}, bump_version=True)
    assert [f.state for f in moving] == ["submitted", "accepted", "submitted"]
    assert [stored(f, "state", "version", "return_reason", "updated_at") for f in moving] == [
        ("submitted", 1, "", LONG_AGO), ("accepted", 1, "", LONG_AGO), ("submitted", 1, "", LONG_AGO)]
    assert Transition.objects.count() == 0


def test_transition_many_refuses_a_move_the_machine_does_not_know(campaign, actor):
    moving = [filing(campaign)]
    with pytest.raises(ValueError, match="^filing has no move 'fly'$"):
        workflow.transition_many(moving, "fly", actor=actor)
    assert (stored(moving[0], "state"), Transition.objects.count()) == (("submitted",), 0)


def test_transition_many_same_state_action_keeps_each_records_own_state(campaign, actor):
    moving = [filing(campaign), filing(campaign, FilingState.ACCEPTED)]
    workflow.transition_many(moving, "assessment_planned", actor=actor, comment="现场评估")
    assert [stored(f, "state") for f in moving] == [("submitted",), ("accepted",)]
    assert [f.state for f in moving] == ["submitted", "accepted"]
    assert [stored(f, "updated_at")[0] > LONG_AGO for f in moving] == [True, True]
    assert [trail(f) for f in moving] == [[("assessment_planned", "submitted", "submitted", actor.pk, "现场评估")],
                                          [("assessment_planned", "accepted", "accepted", actor.pk, "现场评估")]]


def test_transition_many_of_packages_that_have_no_state_column(campaign, actor):
    on_time = package(campaign, actor)
    late = CityPackage.objects.create(campaign=open_campaign(campaign.year - 1), city=factories.city("广州市"),
                                      submitted_at=timezone.now(), submitted_by=actor, is_late=True)
    workflow.transition_many([on_time, late], "resubmit", actor=actor, values={"note": "补报"})
    assert [stored(p, "is_late", "note") for p in (on_time, late)] == [(False, "补报"), (True, "补报")]
    assert [trail(p) for p in (on_time, late)] == [[("resubmit", "on_time", "on_time", actor.pk, "")],
                                                  [("resubmit", "late", "late", actor.pk, "")]]


def test_transition_many_of_nothing_does_nothing(actor, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert workflow.transition_many([], "accept", actor=actor) is None


# --- record ------------------------------------------------------------------------------------------------

def test_record_writes_one_audit_row_and_keeps_the_record(campaign, actor, django_assert_num_queries):
    submitted = filing(campaign)
    submitted.product_name = "未保存的改动"
    with django_assert_num_queries(1):
        row = workflow.record(submitted, "check", actor=actor, comment="关键指标已核查")
    assert row.pk == Transition.objects.get().pk
    assert trail(submitted) == [("check", "submitted", "submitted", actor.pk, "关键指标已核查")]
    assert stored(submitted, "state", "product_name", "updated_at") == ("submitted", "电路板", LONG_AGO)


def test_record_of_a_package(campaign, actor):
    late = package(campaign, actor, late=True)
    workflow.record(late, "resubmit", actor=actor)
    assert trail(late) == [("resubmit", "late", "late", actor.pk, "")]


def test_record_refuses_an_action_the_state_does_not_allow(campaign, actor):
    draft = filing(campaign, FilingState.DRAFT)
    with translation.override("zh-hans"), pytest.raises(ReviewError, match="^当前状态为“草稿”，不能执行“已核查关键指标”。$"):
        workflow.record(draft, "check", actor=actor)
    assert Transition.objects.count() == 0


def test_record_refuses_an_action_that_moves_the_state(campaign, actor):
    submitted = filing(campaign)
    with pytest.raises(ValueError, match=r"^accept changes the state; use transition\(\)$"):
        workflow.record(submitted, "accept", actor=actor)
    assert (submitted.state, stored(submitted, "state"), Transition.objects.count()) == ("submitted", ("submitted",), 0)


# --- create_many ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 3])
def test_create_many_inserts_the_records_and_their_audit_rows_in_two_queries(campaign, actor,
                                                                             django_assert_num_queries, n):
    units = factories.UnitFactory.create_batch(n)
    new = [Filing(campaign=campaign, unit=u, state=FilingState.ACCEPTED) for u in units]
    with django_assert_num_queries(2):
        created = workflow.create_many(new, "create", actor=actor, comment="批量导入")
    assert [f.pk is not None for f in created] == [True] * n
    assert set(Filing.objects.values_list("pk", "unit", "state")) == {(f.pk, f.unit_id, "draft") for f in created}
    rows = Transition.objects.order_by("object_id")
    assert list(rows.values_list("content_type", "object_id", "action", "from_state", "to_state", "actor",
                                 "comment")) == [
        (ContentType.objects.get_for_model(Filing).pk, f.pk, "create", "", "draft", actor.pk, "批量导入")
        for f in sorted(created, key=lambda f: f.pk)]
    assert len({r.at for r in rows}) == 1


def test_create_many_enters_proposals_by_the_action_given(campaign, actor):
    created = workflow.create_many([AdjustmentProposal(campaign=campaign, unit=factories.UnitFactory(),
                                                       outcome=Outcome.KEEP) for _ in range(2)],
                                   "district_propose", actor=actor)
    assert list(AdjustmentProposal.objects.values_list("state", flat=True)) == ["district_draft"] * 2
    assert [trail(p) for p in created] == [[("district_propose", "", "district_draft", actor.pk, "")]] * 2


def test_create_many_of_packages_stores_late_as_their_state(campaign, actor):
    def new(city):
        return CityPackage(campaign=campaign, city=factories.city(city), submitted_at=timezone.now(),
                           submitted_by=actor, is_late=False)

    late = workflow.create_many([new("广州市"), new("深圳市")], "submit_late", actor=actor)
    on_time = workflow.create_many([new("珠海市")], "submit", actor=actor)
    assert sorted(CityPackage.objects.values_list("city__name", "is_late")) == sorted(
        [("广州市", True), ("深圳市", True), ("珠海市", False)])
    assert [trail(p) for p in late + on_time] == [[("submit_late", "", "late", actor.pk, "")]] * 2 + [
        [("submit", "", "on_time", actor.pk, "")]]


def test_create_many_refuses_an_action_that_needs_a_record(campaign, actor, django_assert_num_queries):
    new = [Filing(campaign=campaign, unit=u) for u in factories.UnitFactory.create_batch(2)]
    with (translation.override("zh-hans"), django_assert_num_queries(0),
          pytest.raises(ReviewError, match="^当前状态为“尚未创建”，不能执行“已提交”。$")):
        workflow.create_many(new, "submit", actor=actor)
    assert (Filing.objects.count(), Transition.objects.count()) == (0, 0)


def test_create_many_of_nothing_does_nothing(actor, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert workflow.create_many([], "create", actor=actor) == []
