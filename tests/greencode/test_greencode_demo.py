"""seed_demo's green codes: last year's verify as valid today, from the QR link a newcomer scans."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from greencode.enums import CodeStatus
from greencode.models import GreenCode
from greencode.services import codes, scoring, signatures
from reviews.demo import demo_years

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("seed_demo", stdout=io.StringIO())


def test_greencode_demo_several_enterprises_hold_a_valid_code_of_last_year(seeded):
    first, last, this_year = demo_years()
    valid = [c for c in GreenCode.objects.filter(year=last).select_related("unit")
             if codes.status_of(c) == CodeStatus.VALID]
    holders = {m.user.username for c in valid for m in c.unit.enterprise.memberships.select_related("user")}
    assert {"ent_gz1", "ent_gz2", "ent_sz1", "ent_fs1"} <= holders
    # Valid until a month after this year's filing deadline, which is still ahead.
    assert {c.valid_until for c in valid} == {scoring.valid_until(last)}
    assert scoring.valid_until(last) > timezone.localdate()
    # The year before last's codes have expired; this year's campaign is still filing and has no run.
    assert {codes.status_of(c) for c in GreenCode.objects.filter(year=first)} == {CodeStatus.EXPIRED}
    assert scoring.latest_run(this_year, "national") is None


def test_greencode_demo_code_verifies_as_valid_from_its_qr_link(client, seeded):
    code = GreenCode.objects.filter(year=demo_years()[1], unit__enterprise__memberships__user__username="ent_sz1").get()
    page = client.get(reverse("greencode:verify_token", args=[signatures.sign(code)]))
    assert page.status_code == 200
    assert page.context["result"].status == CodeStatus.VALID
    assert page.context["result"].code == code
