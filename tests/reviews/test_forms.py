"""The review forms: every note box in the indicator and flag tables has its own accessible name."""

import pytest
from django.utils import translation

from reviews.forms import FlagVerdictsForm, IndicatorChecksForm
from reviews.indicators import key_indicators
from reviews.models import DataFlag
from reviews.services.context import filing_context
from tests import factories

from .review_helpers import open_campaign, submitted_filing

pytestmark = pytest.mark.django_db


def test_note_boxes_are_named_after_their_indicator():
    filing = submitted_filing(open_campaign(), factories.UnitFactory())
    indicators = key_indicators(filing.unit.kind)
    first = indicators[0]
    flag = DataFlag.objects.create(filing=filing, code=first.code, kind="year_on_year", value=2, reference=1, score=100)
    with translation.override("zh-hans"):
        checks = IndicatorChecksForm(filing=filing, checks={}, rows=filing_context(filing))
        flags = FlagVerdictsForm(flags=[flag])
        names = [checks.fields[f"note_{i.code}"].widget.attrs["aria-label"] for i in indicators]
        assert names == [f"{i.label}的说明" for i in indicators]
        assert flags.fields[f"note_{flag.pk}"].widget.attrs["aria-label"] == f"{first.label}的说明"
    assert len(set(names)) == len(indicators)
