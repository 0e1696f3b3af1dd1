"""What a code's token asserts (signatures.claims_of): every claim, the issue day taken in Beijing time."""

import base64
import datetime as dt

import pytest

from greencode.models import GreenCode
from greencode.services import signatures
from tests import factories

pytestmark = pytest.mark.django_db


def test_claims_of_a_code_name_every_field_and_the_beijing_issue_day():
    unit = factories.UnitFactory(name="广州绿色工厂有限公司")
    code = GreenCode(unit=unit, number="GD-2025-NABCDEFGHJK7", grade="A", year=2025,
                     issued_at=dt.datetime(2025, 3, 31, 16, 30, tzinfo=dt.UTC),  # 00:30 on 1 April in Beijing
                     valid_until=dt.date(2026, 4, 30))

    assert signatures.claims_of(code) == {
        "n": "GD-2025-NABCDEFGHJK7", "e": "广州绿色工厂有限公司", "c": unit.masked_credit_code, "g": "A", "y": 2025,
        "i": "2025-04-01", "u": "2026-04-30"}


def test_a_tokens_claims_are_compact_utf8_json(settings, tmp_path):
    settings.GREENCODE_SIGNING_KEY_DIR = str(tmp_path)
    claims = {"n": "GD-2025-NABCDEFGHJK7", "e": "广州绿色工厂有限公司"}

    payload = signatures.sign_claims(claims).split(".")[1]

    assert base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)) == (
        '{"n":"GD-2025-NABCDEFGHJK7","e":"广州绿色工厂有限公司"}'.encode())  # not \\u escapes: a smaller QR
