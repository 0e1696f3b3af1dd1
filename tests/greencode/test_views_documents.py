"""The files of a green code: the QR downloads, the published keys, the signed payload of the JSON API; read the
way an outside reader would (rsvg-convert, zbarimg)."""


import pytest
from django.urls import reverse

from greencode import links
from greencode.services import codes, keystore, signatures
from tests.conftest import login

from .code_helpers import current_code, run, zbarimg

pytestmark = pytest.mark.django_db
PORTAL = "https://green.example.gov.cn"
NAME = "广州证书测试绿色工厂有限公司"


@pytest.fixture(autouse=True)
def _portal(settings):
    settings.PORTAL_BASE_URL = PORTAL
    from django.core.cache import cache

    cache.clear()  # the verification API is rate limited per address


def _download(client, name, code, tmp_path, suffix):
    r = client.get(reverse(name, args=[code.pk]))
    assert r.status_code == 200, r.content[:300]
    path = tmp_path / f"download.{suffix}"
    path.write_bytes(r.content)
    return r, path


# ---------------------------------------------------------------- QR downloads

def test_qr_svg_download_is_standalone_and_decodes_to_the_configured_address(make_factory, client, tmp_path):
    user, code = current_code(make_factory)

    r, svg = _download(login(client, user), "greencode:qr", code, tmp_path, "svg")

    assert r["Content-Type"] == "image/svg+xml"
    assert r["Content-Disposition"] == f'attachment; filename="{code.number}.svg"'
    assert b'xmlns="http://www.w3.org/2000/svg"' in r.content and b'fill="#fff"' in r.content
    run("rsvg-convert", "--background-color=none", svg, "-o", tmp_path / "svg.png")
    assert zbarimg(tmp_path / "svg.png") == [links.verification_url(code)]
    assert links.verification_url(code).startswith(f"{PORTAL}/code/v/")


def test_qr_png_download_decodes_to_the_configured_address(make_factory, client, tmp_path):
    user, code = current_code(make_factory)

    r, png = _download(login(client, user), "greencode:qr_png", code, tmp_path, "png")

    assert r["Content-Type"] == "image/png"
    assert r["Content-Disposition"] == f'attachment; filename="{code.number}.png"'
    assert zbarimg(png) == [links.verification_url(code)]


def test_qr_downloads_are_not_served_for_a_withdrawn_code(make_factory, client):
    user, code = current_code(make_factory)
    codes.withdraw_code(user, code)
    login(client, user)

    assert client.get(reverse("greencode:qr", args=[code.pk])).status_code == 404
    assert client.get(reverse("greencode:qr_png", args=[code.pk])).status_code == 404


# ---------------------------------------------------------------- the published keys and the JSON API

def test_public_keys_are_published_at_the_well_known_address(client, settings, tmp_path):
    settings.GREENCODE_SIGNING_KEY_DIR = str(tmp_path)

    r = client.get("/.well-known/greencode-keys.json")

    assert r.status_code == 200 and r["Content-Type"] == "application/json; charset=utf-8"
    assert r["Access-Control-Allow-Origin"] == "*" and r["Cache-Control"] == "public, max-age=3600"
    data = r.json()
    (key,) = data["keys"]
    assert key["kid"] == keystore.store().signing_key()[0] and key["status"] == "current"
    assert (data["portal"], data["verify_page"], data["verify_api"]) == (
        PORTAL, f"{PORTAL}/code/verify/", f"{PORTAL}/code/api/verify")
    assert "PRIVATE" not in r.content.decode()


def test_public_keys_keep_every_earlier_key_after_a_rotation(client, settings, tmp_path):
    settings.GREENCODE_SIGNING_KEY_DIR = str(tmp_path)
    first = keystore.store().signing_key()[0]
    second = keystore.store().rotate()[0].kid
    third = keystore.store().rotate()[0].kid

    keys = client.get(reverse("greencode_keys")).json()["keys"]

    assert [(k["kid"], k["status"]) for k in keys] == [(first, "retired"), (second, "retired"), (third, "current")]


def test_verify_api_carries_the_signed_payload_of_a_valid_code(make_factory, client):
    _user, code = current_code(make_factory)

    data = client.get(reverse("greencode:verify_api"), {"number": code.number}).json()

    assert data["status"] == "valid" and data["signed"]["keys"] == f"{PORTAL}/.well-known/greencode-keys.json"
    keys = signatures.keys_from_keyset(client.get(reverse("greencode_keys")).json())
    assert signatures.check(data["signed"]["token"], keys).claims["n"] == code.number


def test_verify_api_gives_no_signed_payload_for_a_revoked_code(make_factory, client):
    _user, code = current_code(make_factory)
    codes.revoke_unit_codes(code.unit_id, reason="incident")

    data = client.get(reverse("greencode:verify_api"), {"number": code.number}).json()

    assert data["status"] == "revoked" and "signed" not in data
