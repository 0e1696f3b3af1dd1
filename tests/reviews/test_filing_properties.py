"""Property-based: arbitrary input to the filing form and the registry import never gives a 500 and
never saves half of anything."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.importer import HEADERS, import_units
from registry.models import Unit
from reviews.forms_filing import data_fields
from reviews.models import Campaign, Filing
from tests import factories
from tests.conftest import login
from tests.registry.xlsx_files import upload

pytestmark = pytest.mark.django_db

FIELDS = data_fields("factory")
junk = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=30),
    st.integers(min_value=-10**25, max_value=10**25).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", " ", "1e400", "-0", "NaN", "Infinity", "１２３", "1,000", "0x1F", "=1+1", "12.123456789"]),
)


@pytest.fixture
def setup(db):
    campaign = Campaign.objects.create(year=2024, filing_opens=dt.date(2024, 1, 15), filing_due=dt.date(2024, 3, 10),
                                       city_review_due=dt.date(2024, 3, 31), province_report_due=dt.date(2024, 4, 15))
    unit = factories.UnitFactory()
    return campaign, unit, factories.enterprise_user(unit)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.dictionaries(st.sampled_from(FIELDS), junk, max_size=8), action=st.sampled_from(["save", "submit"]))
def test_filing_form_arbitrary_values_never_500_and_never_half_save(client, setup, values, action):
    campaign, unit, user = setup
    login(client, user)
    Filing.objects.all().delete()
    response = client.post(reverse("reviews:filing_edit", args=[2024, unit.pk]),
                           {"version": "1", "action": action, **values})
    assert response.status_code in (200, 302)
    filing = Filing.objects.filter(unit=unit).first()
    if action == "save" and response.status_code == 200:
        assert filing is None  # refused whole: nothing saved
        return
    if response.status_code == 302:
        # Saved: every number stored is exactly the number posted.
        for name, raw in values.items():
            if name in ("product_name", "product_unit"):
                assert getattr(filing, name) == raw.strip()
            elif raw.strip():
                assert Decimal(getattr(filing, name)) == Decimal(raw.strip())
            else:
                assert getattr(filing, name) is None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.fixed_dictionaries({h: st.one_of(st.none(), junk) for h in HEADERS[:8]}), min_size=1, max_size=4))
def test_import_arbitrary_rows_never_crash_and_save_all_or_nothing(setup, rows):
    before = Unit.objects.count()
    report = import_units(upload(rows), actor=None)
    after = Unit.objects.count()
    if report.ok:
        assert after - before == report.created
    else:
        assert after == before
        assert report.file_error or all(e.message for e in report.errors)
