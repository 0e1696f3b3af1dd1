"""manage.py rotate_signing_key: new codes get the new key, printed ones keep verifying, unless revoked."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from greencode.services import codes, keystore, signatures

from ...code_helpers import current_code

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_keys(settings, tmp_path):
    settings.GREENCODE_SIGNING_KEY_DIR = str(tmp_path / "keys")


def _rotate(*args) -> str:
    out = io.StringIO()
    call_command("rotate_signing_key", *args, stdout=out)
    return out.getvalue()


def test_rotate_signing_key_keeps_earlier_codes_verifying(make_factory, client):
    _user, code = current_code(make_factory)
    printed = codes.sign(code)
    old = signatures.kid_of(printed)

    out = _rotate()

    new = keystore.store().signing_key()[0]
    assert out.splitlines() == [
        f"新的签名密钥：{new}（自 {keystore.store().public_keys()[-1].valid_from} 起签发）。",
        f"上一个密钥 {old} 不再签发，但继续公布：它签发的绿码照常可以核验。"]
    assert signatures.kid_of(codes.sign(code)) == new != old
    assert codes.unsign(printed) == code.number
    published = signatures.keys_from_keyset(client.get(reverse("greencode_keys")).json())
    assert signatures.check(printed, published).ok
    assert client.get(reverse("greencode:verify_token", args=[printed])).context["result"].status == "valid"


def test_rotate_signing_key_revoking_the_previous_key_distrusts_what_it_signed(make_factory, client):
    _user, code = current_code(make_factory)
    printed = codes.sign(code)

    out = _rotate("--revoke-previous")

    assert f"上一个密钥 {signatures.kid_of(printed)} 已撤销" in out
    assert codes.unsign(printed) is None
    assert client.get(reverse("greencode:verify_token", args=[printed])).context["result"].tampered is True
    assert client.get(reverse("greencode:verify"), {"number": code.number}).context["result"].status == "valid"


def test_rotate_signing_key_on_a_fresh_portal_makes_the_first_key():
    out = _rotate()

    (key,) = keystore.store().public_keys()
    assert out.splitlines() == [f"新的签名密钥：{key.kid}（自 {key.valid_from} 起签发）。"]
