"""Demo data for the yearly review, placed relative to today (`demo_years`, `deadlines`) so that the demo is alive
whenever it is loaded: the campaign of the year before last with every demo unit's filing accepted; last year's
campaign with filings, checks, assessments, proposals, packages and MIIT decisions in every state, and one
incident; this year's campaign with its filing window open (due in 5 days) and the city deadline near (12 days),
holding drafts, submitted and returned filings. Last year's codes stay valid until a month after this year's
filing deadline, so the demo enterprises show valid green codes.

Mass rows are bulk-created (seed_demo stays fast); the few items that change the registry or send signals go
through the real services, so the unit's history and the audit trail read as they would in real use.
Deterministic for a given day, and idempotent: once demo filings exist, a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from registry import access
from registry.demo import CITY_ACCOUNTS, DEMO_PREFIX, LOAD_PREFIX, demo_unit
from registry.enums import Level, MembershipScope, UnitKind, UnitStatus
from registry.models import City, District, Membership, Unit, User

from .enums import (
    AssessmentConclusion,
    CheckVerdict,
    FilingState,
    FlagKind,
    FlagVerdict,
    IncidentKind,
    MiitOutcome,
    Outcome,
    ProposalState,
    RemoveReason,
)
from .indicators import compute_all, key_indicators
from .models import (
    AdjustmentProposal,
    Campaign,
    CityPackage,
    DataFlag,
    Filing,
    FilingIndicator,
    IndicatorCheck,
    OnSiteAssessment,
    Transition,
)
from .services import incidents as incident_services
from .services import province as province_services
from .synthetic import next_year, totals_for

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
# This year's campaign, in days from today: filing opens, filing due, city review due, province report due.
CURRENT_OFFSETS = (-60, 5, 12, 26)
# The three cities with demo reviewer accounts get hand-made states; the others follow a simple pattern.
GZ, SZ, FS = "广州市", "深圳市", "佛山市"
RETURN_REASON = "单位产值取水量较上年变化过大，请核实并补充说明（演示）"


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


def demo_years(today: dt.date | None = None) -> tuple[int, int, int]:
    """(the year before last, last year, this year): the demo's three campaign years."""
    year = (today or timezone.localdate()).year
    return year - 2, year - 1, year


def _years_back(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def deadlines(year: int, today: dt.date | None = None) -> tuple[dt.date, dt.date, dt.date, dt.date]:
    """The demo campaign's four dates: this year's around today (CURRENT_OFFSETS), earlier years' a year apart."""
    today = today or timezone.localdate()
    back = today.year - year
    return tuple(_years_back(today + dt.timedelta(days=days), back) for days in CURRENT_OFFSETS)


def _campaign(year: int) -> Campaign:
    opens, due, city_due, province_due = deadlines(year)
    campaign, _created = Campaign.objects.get_or_create(year=year, defaults={
        "title": f"广东省{year}年度绿色制造名单动态管理", "filing_opens": opens, "filing_due": due,
        "city_review_due": city_due, "province_report_due": province_due,
    })
    return campaign


def _reviewers(cities: dict[str, City]) -> dict[int, User]:
    """The demo reviewer of each city; cities without a demo account get one that cannot log in."""
    reviewers = {}
    named = {city_name: username for username, _full, city_name in CITY_ACCOUNTS}
    for city in cities.values():
        username = named.get(city.name, f"reviewer_{city.code}")
        user, created = User.objects.get_or_create(username=username, defaults={"full_name": f"{city.name}工信局审核员（演示）"})
        if created:
            user.set_unusable_password()
            user.save()
            Membership.objects.get_or_create(user=user, scope=MembershipScope.CITY, city=city)
        reviewers[city.pk] = user
    return reviewers


class Builder:
    """Collects rows for bulk creation, with the audit trail that the services would have written."""

    def __init__(self):
        self.filing_ct = ContentType.objects.get_for_model(Filing)
        self.proposal_ct = ContentType.objects.get_for_model(AdjustmentProposal)
        self.transitions: list[Transition] = []

    def log(self, ct, pk, action, actor, when, from_state="", to_state="", comment=""):
        self.transitions.append(Transition(content_type=ct, object_id=pk, action=action, actor=actor, at=when,
                                           from_state=from_state, to_state=to_state, comment=comment))

    def flush(self):
        Transition.objects.bulk_create(self.transitions, batch_size=2000)
        self.transitions = []


def _filings(campaign: Campaign, plan: list[tuple[Unit, str, dict, User | None]]) -> list[Filing]:
    """Bulk-create filings (state and totals given) and their derived indicators."""
    rows = []
    for unit, state, totals, enterprise in plan:
        filing = Filing(campaign=campaign, unit=unit, state=state, updated_by=enterprise, **totals)
        if state != FilingState.DRAFT:
            filing.submitted_at = at(campaign.filing_due - dt.timedelta(days=10 + unit.pk % 30))
        rows.append(filing)
    created = Filing.objects.bulk_create(rows, batch_size=1000)
    if any(f.pk is None for f in created):
        by_unit = dict(Filing.objects.filter(campaign=campaign).values_list("unit_id", "pk"))
        for f in created:
            f.pk = by_unit[f.unit_id]
    # Tens of thousands of three-column rows: a plain executemany is several times faster than bulk_create.
    rows = [(filing.pk, code, value) for filing in created
            for code, value in compute_all(filing.unit.kind, filing.totals()).items()]
    table = connection.ops.quote_name(FilingIndicator._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} (filing_id, code, value) VALUES (%s, %s, %s)", rows)  # noqa: S608
    return created


def _checks(filing: Filing, reviewer: User, non_compliant: str | None = None) -> list[IndicatorCheck]:
    checks = []
    for indicator in key_indicators(filing.unit.kind):
        bad = indicator.code == non_compliant
        checks.append(IndicatorCheck(
            filing=filing, code=indicator.code, checked_by=reviewer,
            verdict=CheckVerdict.NON_COMPLIANT if bad else CheckVerdict.COMPLIANT,
            note="高于行业基准值，需现场核实（演示）" if bad else "",
        ))
    return checks


def seed_all_accepted(campaign: Campaign, units: list[Unit], rng: random.Random, reviewers, b: Builder) -> dict[int, dict]:
    totals = {u.pk: totals_for(u.kind, rng, u.industry.code if u.industry_id else None) for u in units}
    filings = _filings(campaign, [(u, FilingState.ACCEPTED, totals[u.pk], None) for u in units])
    accepted_at = at(campaign.city_review_due - dt.timedelta(days=5))
    Filing.objects.filter(pk__in=[f.pk for f in filings]).update(accepted_at=accepted_at)
    for f in filings:
        reviewer = reviewers[f.unit.city_id]
        b.log(b.filing_ct, f.pk, "submit", None, f.submitted_at, FilingState.DRAFT, FilingState.SUBMITTED)
        b.log(b.filing_ct, f.pk, "accept", reviewer, accepted_at, FilingState.SUBMITTED, FilingState.ACCEPTED)
    return totals


def seed_removals(campaign: Campaign, province: User, reviewers, b: Builder) -> int:
    """The units the registry lists as removed: their approved proposals and MIIT's confirmations."""
    removed = list(Unit.objects.filter(status=UnitStatus.REMOVED, name__startswith=DEMO_PREFIX).order_by("pk"))
    submitted, decided = at(campaign.city_review_due - dt.timedelta(days=2)), at(campaign.province_report_due, 15)
    proposals = AdjustmentProposal.objects.bulk_create([
        AdjustmentProposal(campaign=campaign, unit=u, outcome=Outcome.REMOVE, remove_reason=RemoveReason.FAILED_INDICATORS,
                           reason=u.status_reason, state=ProposalState.APPROVED, submitted_at=submitted,
                           decided_by=province, decided_at=decided, decision_comment="同意",
                           created_by=reviewers[u.city_id])
        for u in removed
    ])
    for p in proposals:
        b.log(b.proposal_ct, p.pk, "propose", p.created_by, submitted - dt.timedelta(days=5), to_state=ProposalState.DRAFT)
        b.log(b.proposal_ct, p.pk, "submit", p.created_by, submitted, ProposalState.DRAFT, ProposalState.SUBMITTED)
        b.log(b.proposal_ct, p.pk, "approve", province, decided, ProposalState.SUBMITTED, ProposalState.APPROVED, "同意")
    b.flush()
    for p in proposals:
        province_services.record_miit_decision(p, outcome=MiitOutcome.CONFIRMED, decided_on=campaign.province_report_due + dt.timedelta(days=61),
                                               actor=province, document=f"工信厅节函〔{campaign.year}〕156号（演示）")
    return len(proposals)


DISTRICT_DAYS_AFTER_FILING = 4  # the demo's district deadline: four days after the filing deadline
DISTRICT = "天河区"  # the district of the demo district reviewer th_reviewer (registry.demo.DISTRICT_ACCOUNTS)


def _district_units(campaign: Campaign, city: City, units: list[Unit], special: dict) -> list[Unit]:
    """The city reviews through districts in the campaign; four units of the demo district get the district's
    first review in each of its states."""
    campaign.district_review_due = campaign.filing_due + dt.timedelta(days=DISTRICT_DAYS_AFTER_FILING)
    campaign.save(update_fields=["district_review_due"])
    campaign.district_cities.add(city)
    district = District.objects.get(city=city, name=DISTRICT)
    return [u for u in units if u.district_id == district.pk and u.pk not in special][:4]


def seed_district(campaign: Campaign, filings: list[Filing], b: Builder) -> None:
    """天河区's first review: one sent to the city (awaiting its confirmation), one the city returned, one the
    district still drafts, one not yet checked."""
    reviewer = User.objects.get(username="th_reviewer")
    city_reviewer = User.objects.get(username=CITY_ACCOUNTS[0][0])
    due = campaign.district_review_due
    sent, returned = at(due - dt.timedelta(days=2)), at(due - dt.timedelta(days=1))
    states = [ProposalState.DISTRICT_SUBMITTED, ProposalState.DISTRICT_RETURNED, ProposalState.DISTRICT_DRAFT]
    checks, proposals = [], []
    for filing, state in zip(filings, states, strict=False):
        checks.extend(_checks(filing, reviewer))
        b.log(b.filing_ct, filing.pk, "check", reviewer, sent - dt.timedelta(days=3), filing.state, filing.state)
        proposals.append(AdjustmentProposal(
            campaign=campaign, unit=filing.unit, outcome=Outcome.KEEP, state=state, created_by=reviewer,
            reason="区级初审：关键指标均符合要求（演示）",
            district_submitted_at=sent if state != ProposalState.DISTRICT_DRAFT else None))
    IndicatorCheck.objects.bulk_create(checks)
    AdjustmentProposal.objects.bulk_create(proposals)
    if any(p.pk is None for p in proposals):
        ids = dict(AdjustmentProposal.objects.filter(campaign=campaign).values_list("unit_id", "pk"))
        for p in proposals:
            p.pk = ids[p.unit_id]
    for p in proposals:
        b.log(b.proposal_ct, p.pk, "district_propose", reviewer, sent - dt.timedelta(days=2),
              to_state=ProposalState.DISTRICT_DRAFT, comment=p.reason)
        if p.state != ProposalState.DISTRICT_DRAFT:
            b.log(b.proposal_ct, p.pk, "district_submit", reviewer, sent, ProposalState.DISTRICT_DRAFT,
                  ProposalState.DISTRICT_SUBMITTED)
        if p.state == ProposalState.DISTRICT_RETURNED:
            b.log(b.proposal_ct, p.pk, "city_return", city_reviewer, returned, ProposalState.DISTRICT_SUBMITTED,
                  ProposalState.DISTRICT_RETURNED, "请补充说明单位产值取水量的变化原因（演示）")
    b.flush()


def _acting() -> dict[int, User]:
    """Who acts for each demo unit (an enterprise account acts for every unit of its legal entity)."""
    acting: dict[int, User] = {}
    for user, unit in access.acting_members(Unit.objects.filter(name__startswith=DEMO_PREFIX)):
        acting.setdefault(unit.pk, user)
    return acting


def _enterprise_states_now() -> dict[int, str | None]:
    """This year's filing state of each demo enterprise account's unit: what each account sees on logging in."""
    return {
        demo_unit(GZ, UnitKind.FACTORY, 0).pk: FilingState.RETURNED,  # ent_gz1: correct and resubmit
        demo_unit(GZ, UnitKind.FACTORY, 1).pk: FilingState.DRAFT,  # ent_gz2: finish the draft, due in 5 days
        demo_unit(SZ, UnitKind.FACTORY, 0).pk: FilingState.ACCEPTED,  # ent_sz1: done
        demo_unit(FS, UnitKind.FACTORY, 0).pk: FilingState.SUBMITTED,  # ent_fs1: waits for the city
        demo_unit(FS, UnitKind.PARK, 0).pk: None,  # ent_park: not started
        demo_unit(GZ, UnitKind.SUPPLY_CHAIN, 0).pk: FilingState.SUBMITTED,  # ent_chain
    }


def _state_now(index: int, city_name: str) -> str | None:
    """This year's filing state of the `index`-th demo unit of its city: the filing window is still open."""
    if city_name == GZ:
        cycle = [FilingState.SUBMITTED, FilingState.DRAFT, FilingState.ACCEPTED, None, FilingState.SUBMITTED,
                 FilingState.RETURNED, None, FilingState.SUBMITTED, None, FilingState.ACCEPTED]
    else:
        cycle = [FilingState.SUBMITTED, None, FilingState.ACCEPTED, FilingState.DRAFT, None, FilingState.SUBMITTED]
    return cycle[index % len(cycle)]


def seed_current(campaign: Campaign, states: dict[int, str | None], totals: dict[int, dict], rng: random.Random,
                 reviewers, b: Builder) -> list[Filing]:
    """This year's campaign in its filing window: drafts, filings waiting for the city, a few returned or accepted."""
    units = list(Unit.objects.filter(status=UnitStatus.LISTED, name__startswith=DEMO_PREFIX)
                 .exclude(name__startswith=LOAD_PREFIX).select_related("industry", "city").order_by("pk"))
    acting = _acting()
    per_city: dict[int, int] = {}
    plan = []
    for unit in units:
        index = per_city.get(unit.city_id, 0)
        per_city[unit.city_id] = index + 1
        state = states[unit.pk] if unit.pk in states else _state_now(index, unit.city.name)
        if state is not None:
            plan.append((unit, state, next_year(totals[unit.pk], rng), acting.get(unit.pk)))
    filings = _filings(campaign, plan)
    checks, returned, accepted = [], [], []
    for f in filings:
        reviewer = reviewers[f.unit.city_id]
        if f.state != FilingState.DRAFT:
            b.log(b.filing_ct, f.pk, "submit", f.updated_by, f.submitted_at, FilingState.DRAFT, FilingState.SUBMITTED)
        if f.state == FilingState.RETURNED:
            returned.append(f.pk)
            b.log(b.filing_ct, f.pk, "return", reviewer, f.submitted_at + dt.timedelta(days=3), FilingState.SUBMITTED,
                  FilingState.RETURNED, RETURN_REASON)
        elif f.state == FilingState.ACCEPTED:
            accepted.append(f.pk)
            checks.extend(_checks(f, reviewer))
            b.log(b.filing_ct, f.pk, "check", reviewer, f.submitted_at + dt.timedelta(days=2), f.state, f.state)
            b.log(b.filing_ct, f.pk, "accept", reviewer, f.submitted_at + dt.timedelta(days=3), FilingState.SUBMITTED,
                  FilingState.ACCEPTED)
    Filing.objects.filter(pk__in=returned).update(return_reason=RETURN_REASON)
    for f in filings:
        if f.pk in accepted:
            Filing.objects.filter(pk=f.pk).update(accepted_at=f.submitted_at + dt.timedelta(days=3))
    IndicatorCheck.objects.bulk_create(checks, batch_size=5000)
    b.flush()
    return filings


def _state_for(unit: Unit, index: int, city_name: str) -> str | None:
    """Last year's filing state of the `index`-th demo unit of its city (None: no filing at all)."""
    if city_name == GZ:  # the demo reviewer's own city: plenty to review
        cycle = [FilingState.ACCEPTED, FilingState.SUBMITTED, FilingState.ACCEPTED, FilingState.SUBMITTED,
                 FilingState.ACCEPTED, None, FilingState.RETURNED, FilingState.ACCEPTED, FilingState.DRAFT,
                 FilingState.ACCEPTED]
    else:
        cycle = [FilingState.ACCEPTED] * 7 + [FilingState.SUBMITTED, None, FilingState.DRAFT]
    return cycle[index % len(cycle)]


@transaction.atomic
def seed(*, stdout, factories: int = 0, **_options) -> None:
    if Filing.objects.filter(unit__name__startswith=DEMO_PREFIX).exists():
        stdout.write("reviews: demo campaigns already present")
        return
    rng = random.Random(2024)
    cities = {c.name: c for c in City.objects.all()}
    reviewers = _reviewers(cities)
    province = User.objects.get(username="province")
    units = list(Unit.objects.filter(status=UnitStatus.LISTED, name__startswith=DEMO_PREFIX)
                 .exclude(name__startswith=LOAD_PREFIX).select_related("industry", "city").order_by("pk"))
    b = Builder()
    first_year, last_year, this_year = demo_years()
    c_first, c_last, c_now = _campaign(first_year), _campaign(last_year), _campaign(this_year)
    totals_first = seed_all_accepted(c_first, units, rng, reviewers, b)
    seed_removals(c_first, province, reviewers, b)

    # Last year, every demo enterprise account's units were accepted (their codes are valid now).
    states_now = _enterprise_states_now()
    special = {pk: FilingState.ACCEPTED for pk in states_now}
    # 广州 reviewed last year's filings through districts: 天河区's reviewer did part of the first review
    # (see seed_district).
    tianhe = _district_units(c_last, cities[GZ], units, special)
    for unit in tianhe:
        special[unit.pk] = FilingState.SUBMITTED
    acting = _acting()
    per_city: dict[int, int] = {}
    plan = []
    totals_last: dict[int, dict] = {}
    for unit in units:
        index = per_city.get(unit.city_id, 0)
        per_city[unit.city_id] = index + 1
        state = special[unit.pk] if unit.pk in special else _state_for(unit, index, unit.city.name)
        if state is None:
            continue
        totals_last[unit.pk] = next_year(totals_first[unit.pk], rng)
        plan.append((unit, state, totals_last[unit.pk], acting.get(unit.pk)))
    filings = _filings(c_last, plan)
    by_city: dict[str, list[Filing]] = {}
    for f in filings:
        by_city.setdefault(f.unit.city.name, []).append(f)

    # A provincial-level factory of Shenzhen fails its indicators; the province approves its removal.
    doomed = next(f.unit_id for f in filings if f.state == FilingState.ACCEPTED and f.unit.city.name == SZ
                  and f.unit.level == Level.PROVINCIAL and f.unit.kind == UnitKind.FACTORY)
    checks, flags, assessments = [], [], []
    accepted_ids = []
    for f in filings:
        reviewer = reviewers[f.unit.city_id]
        enterprise = f.updated_by
        if f.state != FilingState.DRAFT:
            b.log(b.filing_ct, f.pk, "submit", enterprise, f.submitted_at, FilingState.DRAFT, FilingState.SUBMITTED)
        if f.state == FilingState.RETURNED:
            f.return_reason = RETURN_REASON
            b.log(b.filing_ct, f.pk, "return", reviewer, f.submitted_at + dt.timedelta(days=3), FilingState.SUBMITTED,
                  FilingState.RETURNED, f.return_reason)
        elif f.state == FilingState.ACCEPTED:
            accepted_ids.append(f.pk)
            codes = [i.code for i in key_indicators(f.unit.kind)]
            bad = codes[0] if f.pk % 11 == 0 or f.unit_id == doomed else None
            checks.extend(_checks(f, reviewer, bad))
            b.log(b.filing_ct, f.pk, "check", reviewer, f.submitted_at + dt.timedelta(days=5), f.state, f.state)
            if bad:
                planned = c_last.city_review_due - dt.timedelta(days=20)
                assessments.append(OnSiteAssessment(
                    filing=f, planned_date=planned, team="市工信局、广东省节能中心专家组（演示）",
                    findings="现场核查能源计量器具和台账，单位产值能耗高于行业基准值（演示）",
                    conclusion=AssessmentConclusion.RECTIFY if f.pk % 2 and f.unit_id != doomed else AssessmentConclusion.FAILS,
                    completed_on=planned + dt.timedelta(days=2), created_by=reviewer))
                b.log(b.filing_ct, f.pk, "assessment_completed", reviewer, at(planned + dt.timedelta(days=2)), f.state, f.state)
            b.log(b.filing_ct, f.pk, "accept", reviewer, f.submitted_at + dt.timedelta(days=6), FilingState.SUBMITTED,
                  FilingState.ACCEPTED)
        elif f.state == FilingState.SUBMITTED and f.unit.kind == UnitKind.FACTORY and f.unit not in tianhe:
            first = next(iter(key_indicators(f.unit.kind)))
            value = FilingIndicator.objects.filter(filing=f, code=first.code).values_list("value", flat=True).first()
            if value is not None and f.pk % 3 == 0:
                flags.append(DataFlag(filing=f, code=first.code, kind=FlagKind.YEAR_ON_YEAR, value=value,
                                      reference=value / 2, score=100,
                                      explanation=f"{c_last.data_year}年新增生产线投产，能耗总量上升（演示）", verdict=FlagVerdict.PENDING))
            if f.pk % 4 == 0:  # the review has started: an assessment is planned, not yet done
                checks.extend(_checks(f, reviewer, first.code))
                assessments.append(OnSiteAssessment(
                    filing=f, planned_date=c_last.city_review_due - dt.timedelta(days=3), team="市工信局（演示）",
                    conclusion=AssessmentConclusion.PENDING, created_by=reviewer))
    # A Guangzhou factory declares an accident and a penalty: its review page shows them first and needs the
    # city's disposition before the filing can be accepted.
    declaring = next((f for f in filings if f.state == FilingState.SUBMITTED and f.unit.city.name == GZ
                      and f.unit.kind == UnitKind.FACTORY and f.unit_id not in special and f.pk % 4 and f.pk % 3), None)
    if declaring is not None:
        Filing.objects.filter(pk=declaring.pk).update(
            had_accident=True, penalised=True,
            changes_note="2023年8月车间发生一般火灾事故，无人员伤亡；因此受到区应急管理局行政处罚（演示）")
    for f in filings:
        if f.state == FilingState.RETURNED:
            Filing.objects.filter(pk=f.pk).update(return_reason=f.return_reason)
    Filing.objects.filter(pk__in=accepted_ids).update(accepted_at=at(c_last.city_review_due - dt.timedelta(days=12)))
    IndicatorCheck.objects.bulk_create(checks, batch_size=5000)
    DataFlag.objects.bulk_create(flags)
    OnSiteAssessment.objects.bulk_create(assessments)

    # Proposals: every accepted filing gets one; not-filed units get the default removal.
    proposals = []
    nc_filings = {a.filing_id: a for a in assessments if a.conclusion}
    filed_units = {f.unit_id for f in filings if f.state in (FilingState.SUBMITTED, FilingState.ACCEPTED)}
    for f in filings:
        if f.state != FilingState.ACCEPTED:
            continue
        reviewer = reviewers[f.unit.city_id]
        kwargs = {"outcome": Outcome.KEEP}
        if f.pk in nc_filings:
            if nc_filings[f.pk].conclusion == AssessmentConclusion.RECTIFY:
                kwargs = {"outcome": Outcome.RECTIFY, "rectify_due": c_last.province_report_due + dt.timedelta(days=168),
                          "reason": "单位产值能耗高于基准值，限期整改（演示）"}
            else:
                kwargs = {"outcome": Outcome.REMOVE, "remove_reason": RemoveReason.FAILED_INDICATORS,
                          "reason": "现场评估确认关键指标不达标（演示）"}
        proposals.append(AdjustmentProposal(campaign=c_last, unit=f.unit, created_by=reviewer, **kwargs))
    for unit in units:
        if unit.pk not in filed_units and unit.city.name != GZ:
            proposals.append(AdjustmentProposal(
                campaign=c_last, unit=unit, outcome=Outcome.REMOVE, remove_reason=RemoveReason.NOT_FILED,
                reason=f"截至地市审核截止日期（{c_last.city_review_due}）未提交动态管理表。", is_default=True))
    # Two renames reported in the filings.
    renames = [p for p in proposals if p.outcome == Outcome.KEEP and p.unit.city.name == SZ][1:3]
    for p in renames:
        p.outcome, p.new_name, p.reason = Outcome.RENAME, p.unit.name.replace("有限公司", "股份有限公司"), "企业完成股份制改造，名称变更（演示）"

    packages = {}
    for city in cities.values():
        city_proposals = [p for p in proposals if p.unit.city_id == city.pk]
        if city.name == GZ or not city_proposals:
            continue  # Guangzhou is still working: its proposals stay drafts
        late = city.name == FS
        due = c_last.city_review_due
        submitted = at(due + dt.timedelta(days=2) if late else due - dt.timedelta(days=3 + city.seed_order % 5), 16)
        packages[city.pk] = CityPackage(campaign=c_last, city=city, submitted_at=submitted,
                                        submitted_by=reviewers[city.pk], is_late=late,
                                        note="逾期报送：部分企业补报材料（演示）" if late else "")
    CityPackage.objects.bulk_create(packages.values())
    package_ct = ContentType.objects.get_for_model(CityPackage)
    for package in packages.values():
        b.log(package_ct, package.pk, "submit", package.submitted_by, package.submitted_at,
              to_state="late" if package.is_late else "on_time")
    decided_at = at(c_last.province_report_due - dt.timedelta(days=3), 15)
    for i, p in enumerate(proposals):
        package = packages.get(p.unit.city_id)
        if package is None:
            continue
        p.package, p.submitted_at, p.is_late, p.state = package, package.submitted_at, package.is_late, ProposalState.SUBMITTED
        if p.unit.city.name == FS:
            if i % 3 == 0:
                p.state, p.decided_by, p.decided_at, p.decision_comment = (
                    ProposalState.RETURNED, province, decided_at, "请补充现场评估报告（演示）")
        elif p.unit.city.name != SZ or i % 2 == 0:
            p.state, p.decided_by, p.decided_at, p.decision_comment = ProposalState.APPROVED, province, decided_at, "同意"
    national_removal = next(p for p in proposals if p.outcome == Outcome.REMOVE and p.unit.city.name == SZ
                            and p.unit.level == Level.NATIONAL)
    removal = next(p for p in proposals if p.unit_id == doomed)  # approved; awaits MIIT
    for p in [*renames, removal, national_removal]:
        if p.package is not None:
            p.state, p.decided_by, p.decided_at, p.decision_comment = ProposalState.APPROVED, province, decided_at, "同意"
    AdjustmentProposal.objects.bulk_create(proposals, batch_size=1000)
    if any(p.pk is None for p in proposals):
        ids = dict(AdjustmentProposal.objects.filter(campaign=c_last).values_list("unit_id", "pk"))
        for p in proposals:
            p.pk = ids[p.unit_id]
    for p in proposals:
        b.log(b.proposal_ct, p.pk, "open_default" if p.is_default else "propose", p.created_by,
              at(c_last.city_review_due - dt.timedelta(days=8)), to_state=ProposalState.DRAFT, comment=p.reason)
        if p.submitted_at:
            b.log(b.proposal_ct, p.pk, "submit", p.package.submitted_by, p.submitted_at, ProposalState.DRAFT,
                  ProposalState.SUBMITTED)
        if p.decided_at:
            b.log(b.proposal_ct, p.pk, "approve" if p.state == ProposalState.APPROVED else "return", province,
                  p.decided_at, ProposalState.SUBMITTED, p.state, p.decision_comment)
    b.flush()

    seed_district(c_last, [f for f in filings if f.unit in tianhe], b)

    # MIIT's decisions through the real service: the registry changes, with history.
    # Renames confirmed (the registry changes, with history); a removal MIIT did not confirm; the provincial
    # removal still awaits MIIT. (The demo registry must keep 附件2's counts and its 12 removed units exactly.)
    for p, outcome in [*((r, MiitOutcome.CONFIRMED) for r in renames), (national_removal, MiitOutcome.NOT_CONFIRMED)]:
        province_services.record_miit_decision(p, outcome=outcome, decided_on=c_last.province_report_due + dt.timedelta(days=66),
                                               actor=province, document=f"工信厅节函〔{c_last.year}〕189号（演示）")

    # One incident, reported by Guangzhou's bureau.
    gz_units = [f.unit for f in by_city.get(GZ, []) if f.state == FilingState.ACCEPTED and f.unit.pk not in special]
    if gz_units:
        incident_services.report_incident(gz_units[-1], kind=IncidentKind.ENVIRONMENT, occurred_on=c_last.filing_due - dt.timedelta(days=21),
                                          description="废水处理设施故障导致超标排放，被生态环境部门立案查处（演示）",
                                          actor=reviewers[cities[GZ].pk], campaign=c_last)
    for unit in units:
        totals_last.setdefault(unit.pk, next_year(totals_first[unit.pk], rng))
    current = seed_current(c_now, states_now, totals_last, rng, reviewers, b)
    counts = {state: sum(1 for f in filings if f.state == state) for state in FilingState.values}
    now_counts = {state: sum(1 for f in current if f.state == state) for state in FilingState.values}
    stdout.write(f"reviews: {first_year} campaign with {len(units)} accepted filings; {last_year} campaign with "
                 f"{len(filings)} filings {counts}, {len(proposals)} proposals, {len(packages)} city packages; "
                 f"{this_year} campaign (filing due {c_now.filing_due}) with {len(current)} filings {now_counts}")

