"""manage.py verify_code: a scanned link checked offline with only the province's published keys."""

import io
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core import signing
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from greencode import links
from greencode.models import GreenCode
from greencode.services import keystore

from ...code_helpers import current_code
from ...conftest import YEAR

pytestmark = pytest.mark.django_db
PORTAL = "https://green.example.gov.cn"


@pytest.fixture(autouse=True)
def _portal(settings):
    settings.PORTAL_BASE_URL = PORTAL


@pytest.fixture
def keys_file(client, tmp_path):
    """The published key set, downloaded the way a bank would save it."""
    path = tmp_path / "greencode-keys.json"
    path.write_bytes(client.get(reverse("greencode_keys")).content)
    return path


def _verify(*args) -> str:
    out = io.StringIO()
    call_command("verify_code", *args, stdout=out)
    return out.getvalue()


def test_verify_code_a_genuine_link_prints_what_the_province_signed(make_factory, keys_file):
    _user, code = current_code(make_factory, name="离线核验绿色工厂有限公司")
    url = links.verification_url(code)
    key = keystore.store().public_keys()[-1]

    out = _verify(url, "--keys", str(keys_file))

    issued = timezone.localtime(code.issued_at).date().isoformat()
    assert out.splitlines() == [
        f"签名真实：由广东省工业和信息化厅以密钥 {key.kid} 签发（Ed25519，{key.valid_from[:10]} 起用）。",
        f"绿码编号: {code.number}",
        "企业: 离线核验绿色工厂有限公司",
        f"统一社会信用代码: {code.unit.masked_credit_code}",
        "等级: A+",
        f"年度: {YEAR}",
        f"发证日期: {issued}",
        f"有效期至: {code.valid_until.isoformat()}",
        f"离线核验只能证明以上内容由省工信厅签发；绿码此后是否被吊销，请在线核验：{PORTAL}/code/verify/?number={code.number}",
    ]


def test_verify_code_accepts_zbarimg_output_and_the_bare_token(make_factory, keys_file):
    _user, code = current_code(make_factory)
    url = links.verification_url(code)
    token = url.rstrip("/").rsplit("/", 1)[1]

    assert f"绿码编号: {code.number}" in _verify(f"QR-Code:{url}", "--keys", str(keys_file))
    assert f"绿码编号: {code.number}" in _verify(token, "--keys", str(keys_file))


def test_verify_code_a_changed_character_is_not_genuine(make_factory, keys_file):
    _user, code = current_code(make_factory)
    url = links.verification_url(code)
    i = url.index("/v/") + 3 + 60  # a character inside the claims
    forged = url[:i] + ("A" if url[i] != "A" else "B") + url[i + 1:]

    with pytest.raises(CommandError, match="不真实：签名不符，链接被改动过或是伪造的。") as exc:
        _verify(forged, "--keys", str(keys_file))
    assert exc.value.returncode == 1


def test_verify_code_a_key_that_is_not_published_is_not_genuine(make_factory, keys_file, settings, tmp_path):
    _user, code = current_code(make_factory)
    settings.GREENCODE_SIGNING_KEY_DIR = str(tmp_path / "forger")
    forged = links.verification_url(code)
    kid = keystore.store().signing_key()[0]

    with pytest.raises(CommandError, match=f"不真实：密钥 {kid} 不在公布的公钥中"):
        _verify(forged, "--keys", str(keys_file))


def test_verify_code_an_old_hmac_link_is_sent_online(make_factory, keys_file):
    _user, code = current_code(make_factory)
    old = f"http://127.0.0.1:8000/code/v/{signing.dumps({'n': code.number}, salt='greencode.verify', compress=True)}/"

    with pytest.raises(CommandError, match="这是旧版核验链接（以平台自身的密钥签名），只能在线核验。") as exc:
        _verify(old, "--keys", str(keys_file))
    assert exc.value.returncode == 2
    assert f"{PORTAL}/code/verify/?number={code.number}" in str(exc.value)


def test_verify_code_warns_when_the_link_points_elsewhere(make_factory, keys_file):
    _user, code = current_code(make_factory)
    elsewhere = links.verification_url(code).replace(PORTAL, "https://green-code-check.example.com")

    out = _verify(elsewhere, "--keys", str(keys_file))

    assert out.splitlines()[0].startswith("签名真实")
    assert (f"注意：该链接指向 https://green-code-check.example.com，而不是发布公钥的平台（{PORTAL}）。"
            in out.splitlines())


def test_verify_code_says_when_the_code_expired_by_its_own_date(make_factory, keys_file):
    _user, code = current_code(make_factory)
    GreenCode.objects.filter(pk=code.pk).update(valid_until="2025-04-15")
    code.refresh_from_db()

    out = _verify(links.verification_url(code), "--keys", str(keys_file))

    assert "按其所载有效期，该绿码已于 2025-04-15 过期。" in out.splitlines()


def test_verify_code_an_unreadable_key_file_is_a_clear_error(tmp_path):
    (tmp_path / "keys.json").write_text("not json")

    with pytest.raises(CommandError, match="无法读取公钥文件"):
        _verify("x.y.z", "--keys", str(tmp_path / "keys.json"))
    (tmp_path / "keys.json").write_text(json.dumps({"keys": []}))
    with pytest.raises(CommandError, match="公钥文件中没有 Ed25519 公钥。"):
        _verify("x.y.z", "--keys", str(tmp_path / "keys.json"))


def test_verify_code_without_keys_file_uses_this_portals_keys(make_factory):
    _user, code = current_code(make_factory)

    assert f"绿码编号: {code.number}" in _verify(links.verification_url(code))


def test_verify_code_in_another_process_with_nothing_but_the_published_keys(make_factory, keys_file, tmp_path):
    """Offline for real: another process, whose own key directory is empty, with no portal address and no
    database of codes, checks the link with the key file alone."""
    _user, code = current_code(make_factory)
    url = links.verification_url(code)
    env = {**os.environ, "GREENCODE_SIGNING_KEY_DIR": str(tmp_path / "empty"), "PORTAL_BASE_URL": "",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'nothing.sqlite3'}"}
    command = [sys.executable, "manage.py", "verify_code", "--keys", str(keys_file)]

    genuine = subprocess.run([*command, url], cwd=django_settings.BASE_DIR, env=env, capture_output=True, text=True)

    assert genuine.returncode == 0, genuine.stderr
    assert f"绿码编号: {code.number}" in genuine.stdout
    assert not (tmp_path / "empty").exists()  # nothing was signed or generated there


def test_verify_code_needs_no_portal_address_to_check_a_signature(make_factory, settings):
    _user, code = current_code(make_factory)
    url = links.verification_url(code)
    settings.PORTAL_BASE_URL = ""

    assert _verify(url).splitlines()[0].startswith("签名真实")
