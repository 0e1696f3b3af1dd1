"""Demo green codes: after the reviews demo, score the national cohorts and the provincial pilot of the two
finished demo campaigns (the year before last and last year), and let the demo enterprises apply for their codes
when the codes were new. Last year's codes are valid until a month after this year's filing deadline (still ahead:
see reviews.demo), so they verify as valid today; the older ones as expired. This year's campaign is still
filing and is not scored. With no reviews demo yet, it scores whatever accepted filings of past years exist."""

import datetime as dt
from types import SimpleNamespace

from django.db.models import Q
from django.utils import timezone

from registry import access
from registry.models import Unit
from reviews.demo import demo_years
from reviews.models import Campaign

from .models import GreenCode
from .services import codes, scoring

DEMO_APPLICANTS = ("ent_gz1", "ent_gz2", "ent_sz1", "ent_fs1")


def seed(*, stdout, factories: int = 0, **_options) -> None:
    this_year = demo_years()[2]
    years = sorted(Campaign.objects.filter(year__lt=this_year, filings__state="accepted")
                   .values_list("year", flat=True).distinct())
    if not years:
        stdout.write("greencode: no accepted filings to score yet")
        return
    for year in years:
        for level in ("national", "provincial"):
            if scoring.latest_run(year, level) is None:
                result = scoring.run_cohort(year, level, trigger="demo")
                stdout.write("greencode: " + result.summary())
    issued = 0
    applicants = Unit.objects.filter(Q(memberships__user__username__in=DEMO_APPLICANTS)
                                     | Q(enterprise__memberships__user__username__in=DEMO_APPLICANTS)).distinct()
    for m in [SimpleNamespace(user=user, unit=unit) for user, unit in access.acting_members(applicants)
              if user.username in DEMO_APPLICANTS]:
        for year in years:
            if GreenCode.objects.filter(unit=m.unit, year=year).exists():
                continue
            campaign = Campaign.objects.get(year=year)
            # applied for when the code was new: after the province's report date of its campaign
            applied = timezone.make_aware(dt.datetime.combine(campaign.province_report_due, dt.time(10)))
            try:
                codes.apply_for_code(m.user, m.unit, year, now=min(applied, timezone.now()))
                issued += 1
            except codes.CodeError as exc:
                stdout.write(f"greencode: {m.user.username} {year}: {exc}")
    stdout.write(f"greencode: {issued} demo codes issued")
