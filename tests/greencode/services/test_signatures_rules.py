"""greencode/services/signatures.py's legacy_number, pinned: the number an old HMAC token names is read from the
token's first part exactly as Django wrote it (compressed or not), and anything else in that place is None."""

import json

import pytest
from django.core import signing

from greencode.services import signatures

SALT = "greencode.verify"  # what codes.sign used before the province's key
SHORT = "GD-2025-NABCDEFGHJK7"  # Django leaves its payload uncompressed
ZEROS_12 = "GD-2025-N" + "0" * 12  # compressed: 28 base64 characters after the "."
ZEROS_40 = "GD-2025-N" + "0" * 40  # compressed: 30 characters after the "." (a length that needs padding)


def _payload(token: str) -> str:
    return token.split(":", 1)[0]


@pytest.mark.parametrize("number", [SHORT, ZEROS_12, ZEROS_40])
def test_legacy_number_of_a_token_django_wrote_compressed_or_not(number):
    token = signing.dumps({"n": number}, salt=SALT, compress=True)

    assert signatures.legacy_number(token) == number


def test_legacy_number_fixtures_cover_both_payload_forms_and_a_padded_length():
    """The cases above are what they say: an uncompressed payload, and compressed ones whose data after the "."
    is a multiple of 4 long and one that is not (a decoder fed the "." as well would pad it wrongly)."""
    forms = []
    for number in (SHORT, ZEROS_12, ZEROS_40):
        payload = _payload(signing.dumps({"n": number}, salt=SALT, compress=True))
        forms.append((payload.startswith("."), len(payload.lstrip(".")) % 4))

    assert forms == [(False, 2), (True, 0), (True, 2)]


def test_legacy_number_reads_the_payload_before_the_first_colon_only():
    number = SHORT
    payload = _payload(signing.dumps({"n": number}, salt=SALT))

    assert signatures.legacy_number(f"{payload}:ts:sig:more:colons") == number


def test_legacy_number_a_character_before_the_payload_is_not_skipped():
    """Only a leading "." (Django's mark of compression) is taken off; any other leading character makes the
    payload unreadable, and the token names no number."""
    number = SHORT
    payload = _payload(signing.dumps({"n": number}, salt=SALT))

    assert signatures.legacy_number(f"{payload}:ts:sig") == number
    assert signatures.legacy_number(f"X{payload}:ts:sig") is None
    assert signatures.legacy_number(f"XX{payload}:ts:sig") is None


def test_legacy_number_a_compressed_payload_is_decompressed():
    number = ZEROS_40
    token = signing.dumps({"n": number}, salt=SALT, compress=True)
    assert token.startswith(".")

    assert signatures.legacy_number(token) == number
    # the same bytes without the mark are not JSON: nothing is read
    assert signatures.legacy_number(token[1:]) is None


@pytest.mark.parametrize("data", [[SHORT], SHORT, 7, None])
def test_legacy_number_of_a_payload_that_is_not_an_object_is_none(data):
    token = signing.dumps(data, salt=SALT)
    assert json.loads(signing.b64_decode(_payload(token).encode())) == data

    assert signatures.legacy_number(token) is None


@pytest.mark.parametrize("n", [123, None, [SHORT], {"n": SHORT}])
def test_legacy_number_whose_n_is_not_a_string_is_none(n):
    assert signatures.legacy_number(signing.dumps({"n": n}, salt=SALT)) is None


def test_legacy_number_without_n_is_none():
    assert signatures.legacy_number(signing.dumps({"number": SHORT}, salt=SALT)) is None
