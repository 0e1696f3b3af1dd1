"""greencode/receivers.py: what greencode does when the registry or the review announces something.

The removal paths themselves (MIIT decision, import, incident) are in tests/registry/test_services.py; here, the
receivers' own part: whose name the revocation is in, its reason, which codes it touches, and that a rename
(registry.signals.unit_renamed, which greencode does not listen to) leaves the code alone.
"""

import datetime as dt

import pytest
from django.utils import timezone, translation

from greencode.enums import CodeState
from greencode.models import GreenCode, GreenCodeEvent, ScoreRun
from registry import services as registry_services
from registry.enums import HistorySource, Level
from reviews.enums import FilingState
from reviews.models import Filing
from reviews.services import incidents
from reviews.signals import filing_accepted
from tests import factories
from tests.reviews.review_helpers import open_campaign

from .conftest import YEAR

pytestmark = pytest.mark.django_db


def code(unit, year=YEAR, state=CodeState.ISSUED) -> GreenCode:
    """A code as the codes service leaves it (its issue is tested in test_codes_service.py)."""
    return GreenCode.objects.create(
        unit=unit, year=year, number=f"GD-{year}-N{unit.pk:07d}", grade="A", state=state, issued_at=timezone.now(),
        valid_until=timezone.localdate() + dt.timedelta(days=100),
        revoked_at=timezone.now() if state == CodeState.REVOKED else None)


def events(unit) -> list[tuple]:
    return sorted(GreenCodeEvent.objects.filter(code__unit=unit).values_list(
        "code__year", "action", "from_state", "to_state", "reason", "actor__username"))


def states(*codes) -> list[str]:
    return [GreenCode.objects.get(pk=c.pk).state for c in codes]


@pytest.fixture
def codes_of_two_units(gz_unit, sz_unit):
    """广州's unit: this year's code issued, last year's withdrawn, the year before's revoked; 深圳's: issued."""
    return {"issued": code(gz_unit), "withdrawn": code(gz_unit, YEAR - 1, CodeState.WITHDRAWN),
            "revoked": code(gz_unit, YEAR - 2, CodeState.REVOKED), "other_unit": code(sz_unit)}


def test_a_removal_revokes_each_live_code_of_the_unit_in_the_removers_name(gz_unit, province, codes_of_two_units):
    codes = codes_of_two_units
    with translation.override("zh-hans"):
        registry_services.remove_unit(gz_unit, actor=province, reason="工信部移出", source=HistorySource.MIIT_DECISION)
    assert states(*codes.values()) == ["revoked", "revoked", "revoked", "issued"]
    assert events(gz_unit) == [
        (YEAR - 1, "revoke", "withdrawn", "revoked", "已移出名单", "prov"),
        (YEAR, "revoke", "issued", "revoked", "已移出名单", "prov"),
    ]
    assert GreenCode.objects.get(pk=codes["issued"].pk).revoked_reason == "已移出名单"
    assert not GreenCodeEvent.objects.filter(code=codes["other_unit"]).exists()


def test_an_incident_revokes_the_units_codes_in_the_reporters_name(gz_unit, gz_reviewer, codes_of_two_units):
    codes = codes_of_two_units
    with translation.override("zh-hans"):
        incidents.report_incident(gz_unit, kind="safety", occurred_on=timezone.localdate(), description="爆炸",
                                  actor=gz_reviewer, campaign=open_campaign())
    assert states(*codes.values()) == ["revoked", "revoked", "revoked", "issued"]
    assert events(gz_unit) == [
        (YEAR - 1, "revoke", "withdrawn", "revoked", "发生重大事故（已上报）", "gz"),
        (YEAR, "revoke", "issued", "revoked", "发生重大事故（已上报）", "gz"),
    ]


def test_a_rename_or_another_change_of_the_unit_keeps_its_codes(gz_unit, province, codes_of_two_units):
    codes = codes_of_two_units
    registry_services.rename_unit(gz_unit, "广州更名绿色工厂有限公司", actor=province, reason="更名",
                                  source=HistorySource.MIIT_DECISION)
    registry_services.update_unit(gz_unit, actor=province, reason="联系人变更", contact_name="王工")
    assert states(*codes.values()) == ["issued", "withdrawn", "revoked", "issued"]
    assert GreenCodeEvent.objects.count() == 0


def test_an_accepted_provincial_factory_rescores_the_provincial_cohort_of_its_campaign_year(
        make_factory, django_capture_on_commit_callbacks):
    units = [make_factory({"energy_per_output": 10 + i}, level=Level.PROVINCIAL) for i in range(3)]
    make_factory({"energy_per_output": 12})  # a national factory of the same year: another cohort
    with django_capture_on_commit_callbacks(execute=True):
        filing_accepted.send(sender=Filing, filing=Filing.objects.get(unit=units[0], state=FilingState.ACCEPTED))
    assert list(ScoreRun.objects.values_list("year", "level", "graded")) == [(YEAR, "provincial", 3)]


def test_an_accepted_supply_chain_filing_rescores_nothing(db, django_capture_on_commit_callbacks):
    chain = factories.UnitFactory(kind="supply_chain")
    filing = Filing.objects.create(campaign=open_campaign(YEAR), unit=chain, state=FilingState.ACCEPTED,
                                   accepted_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        filing_accepted.send(sender=Filing, filing=filing)
    assert (callbacks, ScoreRun.objects.count()) == ([], 0)
