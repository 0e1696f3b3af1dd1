"""Each core rule at its boundary and on each side of it, tested in the service that owns it (finding 8)."""

import datetime as dt
import io
import math
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone
from openpyxl import load_workbook

from greencode import tasks
from greencode.enums import PeerLevel, RunStatus
from greencode.models import CohortState, ScoreRun
from greencode.services import queue, scoring
from registry import creditcode
from registry.xlsx import FORMULA_PREFIXES, Sheet, write_workbook
from reviews import checks
from reviews.enums import FilingState, FlagKind
from reviews.models import Campaign, Filing
from reviews.services import review as review_services
from tests import factories
from tests.greencode.conftest import YEAR
from tests.reviews.review_helpers import all_compliant, open_campaign, submitted_filing

pytestmark = pytest.mark.django_db
UTC = dt.UTC


# --- the filing's state machine: each action from each state ------------------------------------------------

def _filing_in(state, campaign, unit):
    filing = submitted_filing(campaign, unit)
    Filing.objects.filter(pk=filing.pk).update(state=state)
    filing.refresh_from_db()
    return filing


ACTIONS = {
    "return": lambda f, who: review_services.return_filing(f, "请补充数据", actor=who),
    "accept": lambda f, who: review_services.accept_filing(f, actor=who),
    "check": lambda f, who: review_services.record_checks(f, all_compliant(f), actor=who),
}
ALLOWED_FROM = {"return": {FilingState.SUBMITTED}, "accept": {FilingState.SUBMITTED},
                "check": {FilingState.SUBMITTED}}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("state", [FilingState.DRAFT, FilingState.SUBMITTED, FilingState.RETURNED,
                                   FilingState.ACCEPTED])
def test_boundaries_filing_action_from_each_state(action, state, gz_unit, gz_reviewer):
    campaign = open_campaign()
    filing = _filing_in(state, campaign, gz_unit)
    if action == "accept" and state == FilingState.SUBMITTED:
        review_services.record_checks(filing, all_compliant(filing), actor=gz_reviewer)
    if state in ALLOWED_FROM[action]:
        ACTIONS[action](filing, gz_reviewer)
    else:
        with pytest.raises(review_services.ReviewError):
            ACTIONS[action](filing, gz_reviewer)
        assert Filing.objects.get(pk=filing.pk).state == state


def test_boundaries_a_returned_filing_cannot_be_accepted(gz_unit, gz_reviewer):
    campaign = open_campaign()
    filing = submitted_filing(campaign, gz_unit)
    review_services.record_checks(filing, all_compliant(filing), actor=gz_reviewer)
    review_services.return_filing(filing, "单位换算有误", actor=gz_reviewer)
    with pytest.raises(review_services.ReviewError):
        review_services.accept_filing(filing, actor=gz_reviewer)
    assert Filing.objects.get(pk=filing.pk).state == FilingState.RETURNED


# --- completeness: output value above zero ------------------------------------------------------------------

@pytest.mark.parametrize(("value", "refused"), [(Decimal(0), True), (Decimal("0.0001"), False), (Decimal(-1), True)])
def test_boundaries_factory_output_value_must_be_above_zero(value, refused, gz_unit):
    filing = Filing(unit=gz_unit, months_reported=12, output_value=value, energy_tce=Decimal(1), co2_t=Decimal(1),
                    water_withdrawn_m3=Decimal(1), land_area_m2=Decimal(1))
    fields = {p.field for p in checks.completeness(filing)}
    assert ("output_value" in fields) is refused


# --- year on year: ±50 % --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "flagged"), [
    (Decimal("50"), False), (Decimal("49.99"), True), (Decimal("150"), False), (Decimal("150.01"), True),
    (Decimal("100"), False),
])
def test_boundaries_year_on_year_change_of_fifty_percent(value, flagged, gz_unit):
    filing = Filing(unit=gz_unit)
    filing.unit_id = gz_unit.pk
    context = checks.FlagContext(previous={gz_unit.pk: {"energy_per_output": Decimal(100)}}, peers={})
    findings = checks.statistical_findings(filing, {"energy_per_output": value}, context)
    assert [f.kind for f in findings] == ([FlagKind.YEAR_ON_YEAR] if flagged else [])


# --- robust z: enough peers, and |z| > 3.5 -----------------------------------------------------------------

def test_boundaries_robust_z_needs_at_least_eight_peers():
    peers = [math.log(v) for v in (10, 11, 12, 13, 14, 15, 16, 17)]
    assert checks.MIN_PEERS_FOR_Z == 8
    assert checks.robust_z(1000, peers) is not None
    assert checks.robust_z(1000, peers[:7]) is None
    assert checks.enough_peers(8) and not checks.enough_peers(7)


def test_boundaries_z_limit_is_strict():
    assert checks.is_outlier(3.5001) and checks.is_outlier(-3.5001)
    assert not checks.is_outlier(3.5) and not checks.is_outlier(-3.5) and not checks.is_outlier(None)


def test_boundaries_flag_context_uses_the_same_peer_threshold(gz_unit):
    """The batch check and robust_z agree: eight values in the industry are enough to flag."""
    campaign = open_campaign()
    filings = []
    for i in range(8):
        unit = factories.UnitFactory()
        value = Decimal(1000) if i == 0 else Decimal(10 + i)
        filings.append((Filing(campaign=campaign, unit=unit), {"energy_per_output": value}))
    context = checks.flag_context(filings)
    key = (gz_unit.industry_id, "factory", "energy_per_output")
    assert context.peers[key][2] == 8
    outlier = checks.statistical_findings(filings[0][0], filings[0][1], context)
    assert [f.kind for f in outlier] == [FlagKind.OUTLIER]
    seven = checks.flag_context(filings[1:])
    assert key not in seven.peers


# --- peer groups: 10 peers in the division is enough ------------------------------------------------------

def test_boundaries_peer_group_exactly_ten_in_the_division():
    counts = [(0, 1, "equipment", 10), (0, 2, "equipment", 9), (0, 3, "equipment", 1)]
    groups = scoring.peer_groups(counts, ["energy_per_output"], set())
    assert groups["1"]["energy_per_output"] == [PeerLevel.DIVISION.value, 10]
    assert groups["2"]["energy_per_output"] == [PeerLevel.GROUP.value, 20]


def test_boundaries_peer_group_widens_to_the_cohort_below_ten_in_the_group():
    counts = [(0, 1, "equipment", 5), (0, 2, "equipment", 4), (0, 3, "consumer", 9)]
    groups = scoring.peer_groups(counts, ["energy_per_output"], set())
    assert groups["1"]["energy_per_output"] == [PeerLevel.COHORT.value, 18]
    assert groups["3"]["energy_per_output"] == [PeerLevel.COHORT.value, 18]


def test_boundaries_scores_follow_the_division_at_exactly_ten(make_factory):
    """In the run itself: ten factories of division 39 are scored among themselves (best: 95 points)."""
    units = [make_factory({"energy_per_output": 10 + i}, industry="39") for i in range(10)]
    [make_factory({"energy_per_output": 1}, industry="36") for _ in range(3)]
    run = scoring.run_cohort(YEAR, "national").run
    best = run.scores.get(unit=units[0])
    assert best.s_energy_per_output == pytest.approx(95.0)
    assert run.peer_groups[str(units[0].industry_id)]["energy_per_output"] == [PeerLevel.DIVISION.value, 10]


def test_boundaries_scores_widen_at_nine(make_factory):
    units = [make_factory({"energy_per_output": 10 + i}, industry="39") for i in range(9)]
    [make_factory({"energy_per_output": 1}, industry="36") for _ in range(3)]
    run = scoring.run_cohort(YEAR, "national").run
    best = run.scores.get(unit=units[0])
    # division 39 alone is thin and its group (electronics) holds no more: the whole cohort of 12, 3 better
    assert run.peer_groups[str(units[0].industry_id)]["energy_per_output"] == [PeerLevel.COHORT.value, 12]
    assert best.s_energy_per_output == pytest.approx(100 * (8 + 0.5) / 12)


# --- grades at the cut ranks ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("n", "expected"), [(20, (1, 8)), (21, (2, 9)), (1, (1, 1)), (40, (2, 16))])
def test_boundaries_cut_ranks_round_up(n, expected):
    assert scoring.cut_ranks(n) == expected


# --- deadlines are Beijing dates ---------------------------------------------------------------------------

@pytest.mark.parametrize(("utc", "passed"), [
    (dt.datetime(2024, 3, 31, 15, 59, tzinfo=UTC), False),   # 23:59 on 31 March in Beijing
    (dt.datetime(2024, 3, 31, 16, 0, tzinfo=UTC), True),     # 00:00 on 1 April in Beijing
    (dt.datetime(2024, 3, 31, 16, 1, tzinfo=UTC), True),
    (dt.datetime(2024, 3, 31, 0, 1, tzinfo=UTC), False),     # one minute after midnight UTC: still 31 March
])
def test_boundaries_city_deadline_in_beijing_time(utc, passed):
    assert Campaign.passed(dt.date(2024, 3, 31), utc) is passed


@pytest.mark.parametrize(("utc", "is_open"), [
    (dt.datetime(2024, 1, 14, 15, 59, tzinfo=UTC), False),  # 23:59 on 14 January in Beijing
    (dt.datetime(2024, 1, 14, 16, 0, tzinfo=UTC), True),    # 00:00 on 15 January in Beijing: the opening day
    (dt.datetime(2024, 1, 15, 15, 59, tzinfo=UTC), True),   # the opening day's last minute
])
def test_boundaries_filing_opens_on_its_day_in_beijing_time(utc, is_open):
    campaign = Campaign(year=2024, filing_opens=dt.date(2024, 1, 15))
    assert campaign.is_filing_open(utc) is is_open


@pytest.mark.parametrize(("utc", "late"), [
    (dt.datetime(2024, 3, 31, 15, 59, tzinfo=UTC), False),  # 23:59 on the deadline day in Beijing
    (dt.datetime(2024, 3, 31, 16, 1, tzinfo=UTC), True),    # one minute after Beijing midnight
])
def test_boundaries_package_is_late_after_beijing_midnight(utc, late, gz_unit, gz_reviewer):
    campaign = Campaign.objects.create(year=2024, filing_opens=dt.date(2024, 1, 15), filing_due=dt.date(2024, 3, 10),
                                       city_review_due=dt.date(2024, 3, 31), province_report_due=dt.date(2024, 4, 15))
    review_services.save_proposal(campaign, gz_unit, {"outcome": "keep"}, actor=gz_reviewer)
    package = review_services.submit_package(campaign, gz_unit.city, actor=gz_reviewer, now=utc, reason="未填报")
    assert package.is_late is late


# --- a planned assessment does not unblock a proposal ------------------------------------------------------

def test_boundaries_planned_assessment_does_not_unblock_a_proposal(gz_unit, gz_reviewer):
    campaign = open_campaign()
    filing = submitted_filing(campaign, gz_unit)
    review_services.record_checks(filing, all_compliant(filing, "energy_per_output"), actor=gz_reviewer)
    assessment = review_services.save_assessment(
        filing, {"planned_date": timezone.localdate(), "team": "评估组"}, actor=gz_reviewer)
    with pytest.raises(review_services.ReviewError):
        review_services.save_proposal(campaign, gz_unit, {"outcome": "keep"}, actor=gz_reviewer)
    review_services.save_assessment(filing, {"conclusion": "meets", "completed_on": timezone.localdate()},
                                    actor=gz_reviewer, assessment=assessment)
    proposal = review_services.save_proposal(campaign, gz_unit, {"outcome": "keep"}, actor=gz_reviewer)
    assert proposal.outcome == "keep"


# --- the sweep: a failed run is not a finished one ----------------------------------------------------------

def test_boundaries_sweep_does_not_count_a_failed_run(make_factory):
    make_factory({"energy_per_output": 10})
    ScoreRun.objects.create(year=YEAR, level="national", status=RunStatus.FAILED, started_at=timezone.now(),
                            finished_at=timezone.now())
    assert queue.due_cohorts() == [(YEAR, "national")]
    scoring.run_cohort(YEAR, "national")
    assert queue.due_cohorts() == []


# --- coalescing: a request during a real run causes exactly one more run ------------------------------------

def test_boundaries_request_during_a_real_run_causes_exactly_one_more(make_factory,
                                                                      django_capture_on_commit_callbacks):
    make_factory({"energy_per_output": 10})
    make_factory({"energy_per_output": 12})
    requested = []

    def request_mid_run(execute, sql, params, many, context):
        if sql.lstrip().startswith("CREATE") and " TABLE gc_elig_" in sql and not requested:
            requested.append(queue.request_rescore(YEAR, "national", reason="accepted during the run"))
        return execute(sql, params, many, context)

    with django_capture_on_commit_callbacks(execute=True):
        queue.request_rescore(YEAR, "national")
    assert ScoreRun.objects.count() == 1  # the first request ran (tasks run in-process here)
    with connection.execute_wrapper(request_mid_run), django_capture_on_commit_callbacks(execute=True):
        CohortState.objects.filter(year=YEAR).update(pending=True)
        tasks.rescore_cohort(YEAR, "national")
    assert requested == [False]  # refused to queue a second task while the run was going
    assert ScoreRun.objects.filter(status=RunStatus.FINISHED).count() == 3  # the run, and exactly one more
    state = CohortState.objects.get()
    assert (state.pending, state.running) == (False, False)


# --- credit codes: every letter of the alphabet, U and W included -----------------------------------------

@pytest.mark.parametrize("letter", ["U", "W", "X", "Y", "T", "R"])
def test_boundaries_credit_code_letters_u_and_w_are_valid(letter):
    code = creditcode.make_code("440100", letter * 9)
    assert creditcode.credit_code_error(code) is None
    assert letter in code[8:17]


def test_boundaries_credit_code_check_character_can_be_u_or_w():
    found = {}
    for n in range(5000):
        body = f"{n:09d}"
        code = creditcode.make_code("440100", body)
        if code[-1] in "UW":
            found.setdefault(code[-1], code)
    assert set(found) == {"U", "W"}
    for code in found.values():
        assert creditcode.credit_code_error(code) is None
        assert creditcode.credit_code_error(code[:-1] + "0") is not None


# --- export neutralisation: every formula prefix, tab and CR included -------------------------------------

@pytest.mark.parametrize("prefix", FORMULA_PREFIXES)
def test_boundaries_export_neutralises_every_formula_prefix(prefix):
    buffer = io.BytesIO()
    write_workbook(buffer, [Sheet(title="t", headers=["值"], rows=[[f"{prefix}1+1"]])])
    cell = load_workbook(io.BytesIO(buffer.getvalue())).active["A2"]
    assert cell.data_type == "s"
    assert cell.value.startswith("'") or cell.quotePrefix


# --- the proposal's state machine: the province's actions from each state ---------------------------------

@pytest.mark.parametrize("action", ["approve", "return", "miit"])
@pytest.mark.parametrize("state", ["draft", "submitted", "approved", "returned"])
def test_boundaries_proposal_action_from_each_state(action, state, gz_unit, province):
    from reviews.enums import MiitOutcome
    from reviews.models import AdjustmentProposal, MiitDecision
    from reviews.services import province as province_services

    campaign = open_campaign()
    proposal = AdjustmentProposal.objects.create(campaign=campaign, unit=gz_unit, outcome="keep", state=state)
    allowed = {"approve": "submitted", "return": "submitted", "miit": "approved"}[action] == state

    def act():
        if action == "miit":
            return province_services.record_miit_decision(proposal, outcome=MiitOutcome.CONFIRMED,
                                                          decided_on=timezone.localdate(), actor=province)
        return province_services.decide_proposal(proposal.pk, action, actor=province, comment="意见")

    if allowed:
        act()
    else:
        with pytest.raises(review_services.ReviewError):
            act()
        assert AdjustmentProposal.objects.get(pk=proposal.pk).state == state
        assert not MiitDecision.objects.exists()


@pytest.mark.parametrize("state", ["issued", "withdrawn", "revoked"])
def test_boundaries_code_actions_from_each_state(state, make_factory):
    from greencode.enums import CodeState
    from greencode.models import GreenCode
    from greencode.services import codes

    units = [make_factory({"energy_per_output": 10 + i}) for i in range(3)]
    scoring.run_cohort(YEAR, "national")
    user = factories.enterprise_user(units[0])
    province = factories.province_user()
    code = codes.apply_for_code(user, units[0], YEAR)
    GreenCode.objects.filter(pk=code.pk).update(state=state)
    code.refresh_from_db()
    outcomes = {}
    for name, act in (("withdraw", lambda: codes.withdraw_code(user, code)),
                      ("reinstate", lambda: codes.reinstate_code(province, code, reason="核实")),
                      ("apply", lambda: codes.apply_for_code(user, units[0], YEAR))):
        try:
            act()
            outcomes[name] = True
        except (codes.CodeError, PermissionDenied):
            outcomes[name] = False
        GreenCode.objects.filter(pk=code.pk).update(state=state)
        code.refresh_from_db()
    assert outcomes == {
        CodeState.ISSUED: {"withdraw": True, "reinstate": False, "apply": False},
        CodeState.WITHDRAWN: {"withdraw": False, "reinstate": False, "apply": True},
        CodeState.REVOKED: {"withdraw": False, "reinstate": True, "apply": False},
    }[state]
