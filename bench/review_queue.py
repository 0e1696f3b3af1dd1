"""The city's review queue: how many actions a reviewer needs per clean filing, and the server time per filing.

    python bench/review_queue.py [--filings 20]

Builds N clean filings (last year's accepted filing, this year's within ±50 % of it) for one city in campaign
years of its own (2091/2092), inside a transaction that is rolled back at the end, and walks the queue as the
review page lets a person do it: open the first filing from the list, then per filing press "Accept and next"
and answer its confirmation. The actions counted per filing are those clicks, plus one click for every verdict
the page does not preset (an indicator without a suggestion) — read from the page itself, not assumed.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenmfg.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from registry.enums import MembershipScope, UnitKind, UnitStatus  # noqa: E402
from registry.models import City, Membership, Unit, User  # noqa: E402
from reviews.indicators import key_indicators  # noqa: E402
from reviews.models import Campaign, Filing  # noqa: E402
from reviews.services import filings as filing_services  # noqa: E402
from reviews.services import review as review_services  # noqa: E402
from reviews.synthetic import factory_totals  # noqa: E402

YEAR = 2092
RADIO = re.compile(r'<input type="radio" name="verdict_(\w+)" value="(\w+)"[^>]*>')


class Rollback(Exception):
    pass


def _campaign(year: int) -> Campaign:
    return Campaign.objects.create(year=year, filing_opens=dt.date(year, 1, 15), filing_due=dt.date(year, 3, 10),
                                   city_review_due=dt.date(year, 3, 31), province_report_due=dt.date(year, 4, 15))


def _build(n: int):
    last, current = _campaign(YEAR - 1), _campaign(YEAR)
    city = City.objects.order_by("seed_order").first()
    reviewer = User.objects.create_user("bench_queue_reviewer", password="Bench@2024pass")
    Membership.objects.create(user=reviewer, scope=MembershipScope.CITY, city=city)
    units = list(Unit.objects.filter(city=city, kind=UnitKind.FACTORY, status=UnitStatus.LISTED)
                 .exclude(industry=None).order_by("name")[:n])
    totals = factory_totals(random.Random(0), None, quality=0)  # the same figures: no outlier, no change
    codes = [i.code for i in key_indicators(UnitKind.FACTORY)]
    for unit in units:
        for campaign in (last, current):
            filing = filing_services.filing_for(campaign, unit, actor=reviewer)
            filing_services.save_filing(filing, totals, actor=reviewer)
            filing_services.submit_filing(filing, actor=reviewer)
        previous = Filing.objects.get(campaign=last, unit=unit)
        reported = previous.indicators.filter(code__in=codes).values_list("code", flat=True)
        review_services.record_checks(previous, {c: ("compliant", "") for c in reported}, actor=reviewer)
        review_services.accept_filing(previous, actor=reviewer)
    return current, reviewer, len(units)


def _form(html: str) -> tuple[dict, int]:
    """The verdicts the page presets, and how many verdicts it leaves for the person to click."""
    data, codes, preset = {}, set(), set()
    for match in RADIO.finditer(html):
        code, value = match.groups()
        codes.add(code)
        if re.search(r"\schecked[\s>]", match.group(0)):
            data[f"verdict_{code}"] = value
            preset.add(code)
    return data, len(codes - preset)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--filings", type=int, default=20)
    args = parser.parse_args()
    call_command("seed_demo", once=True, stdout=io.StringIO())
    setup_test_environment()
    result = {}
    try:
        with transaction.atomic():
            campaign, reviewer, n = _build(args.filings)
            client = Client()
            client.force_login(reviewer)
            actions, seconds = [], []
            queue = review_services.queue(reviewer, campaign)
            current = queue.first()
            opened = 1  # the click on the first filing in the list
            while current is not None:
                started = time.perf_counter()
                page = client.get(reverse("reviews:review_filing", args=[current.pk]))
                data, to_click = _form(page.content.decode())
                response = client.post(reverse("reviews:review_accept_next", args=[current.pk]), data)
                seconds.append(time.perf_counter() - started)
                actions.append(opened + to_click + 2)  # + "Accept and next" and its confirmation
                opened = 0
                current.refresh_from_db()
                if current.state != "accepted":
                    raise SystemExit(f"filing {current.pk} was not accepted ({response.status_code})")
                current = queue.first()
            result = {
                "bench": "review_queue", "filings": n, "actions_per_filing": actions,
                "max_actions": max(actions, default=0), "mean_actions": round(statistics.mean(actions), 2) if actions else 0,
                "median_seconds_per_filing": round(statistics.median(seconds), 4) if seconds else 0,
            }
            raise Rollback
    except Rollback:
        pass
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
