"""Hand-made cohorts: factories with accepted filings whose derived indicators are set directly."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from registry.models import Industry
from reviews.enums import FilingState
from reviews.models import Campaign, Filing, FilingIndicator
from tests import factories

YEAR = dt.date.today().year  # a year whose codes are still valid today (an expired year cannot be applied for)


def campaign(year: int = YEAR) -> Campaign:
    c, _ = Campaign.objects.get_or_create(
        year=year, defaults=dict(filing_opens=dt.date(year, 1, 15), filing_due=dt.date(year, 3, 15),
                                 city_review_due=dt.date(year, 3, 31), province_report_due=dt.date(year, 4, 15)))
    return c


def factory(values: dict | None = None, *, industry: str = "39", state: str = FilingState.ACCEPTED,
            year: int = YEAR, level: str = "national", filed: bool = True, **unit_kwargs):
    """A green factory; with `filed`, a filing of `year` in `state` whose indicators are `values`."""
    unit = factories.UnitFactory(industry=Industry.objects.get(code=industry), level=level, year_listed=2020,
                                 **unit_kwargs)
    if filed:
        filing = Filing.objects.create(
            campaign=campaign(year), unit=unit, state=state,
            accepted_at=timezone.now() if state == FilingState.ACCEPTED else None)
        FilingIndicator.objects.bulk_create(
            FilingIndicator(filing=filing, code=code, value=Decimal(str(v))) for code, v in (values or {}).items())
    return unit


@pytest.fixture
def make_factory(db):
    campaign()
    return factory
