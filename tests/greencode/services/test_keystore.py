"""The province's signing keys: made on first use, private files kept private, rotation keeps old keys published."""

import json
import os
import stat
import subprocess
import sys
import threading

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from greencode.services.keystore import KeyStore


def test_keystore_first_use_makes_one_current_key_readable_only_by_the_owner(tmp_path):
    store = KeyStore(tmp_path / "keys")

    kid, private = store.signing_key()

    keys = store.public_keys()
    assert [(k.kid, k.status, k.valid_until, k.revoked_at) for k in keys] == [(kid, "current", None, None)]
    assert isinstance(private, Ed25519PrivateKey)
    assert stat.S_IMODE(os.stat(tmp_path / "keys").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(tmp_path / "keys" / f"{kid}.pem").st_mode) == 0o600
    manifest = json.loads((tmp_path / "keys" / "keys.json").read_text())
    assert [sorted(k) for k in manifest["keys"]] == [["alg", "crv", "kid", "revoked_at", "valid_from", "valid_until", "x"]]
    assert manifest["keys"][0]["alg"] == "EdDSA" and manifest["keys"][0]["crv"] == "Ed25519"
    assert "PRIVATE" not in (tmp_path / "keys" / "keys.json").read_text()


def test_keystore_later_calls_sign_with_the_same_key(tmp_path):
    store = KeyStore(tmp_path)
    first = store.signing_key()[0]

    assert KeyStore(tmp_path).signing_key()[0] == first
    assert len(store.public_keys()) == 1


def test_keystore_many_threads_at_first_use_make_exactly_one_key(tmp_path):
    kids, errors = [], []

    def first_use():
        try:
            kids.append(KeyStore(tmp_path).signing_key()[0])
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert len(set(kids)) == 1 and len(kids) == 8
    assert len(KeyStore(tmp_path).public_keys()) == 1
    assert len(list(tmp_path.glob("*.pem"))) == 1


def test_keystore_rotate_signs_with_a_new_key_and_keeps_the_old_one_published(tmp_path):
    store = KeyStore(tmp_path)
    old = store.signing_key()[0]

    new, previous = store.rotate()

    assert [k.kid for k in previous] == [old]
    assert store.signing_key()[0] == new.kid != old
    keys = {k.kid: k for k in store.public_keys()}
    assert (keys[old].status, keys[new.kid].status) == ("retired", "current")
    assert keys[old].valid_until == new.valid_from and keys[old].revoked_at is None


def test_keystore_rotate_revoking_the_previous_key_marks_it_revoked(tmp_path):
    store = KeyStore(tmp_path)
    old = store.signing_key()[0]

    new, _previous = store.rotate(revoke_previous=True)

    keys = {k.kid: k for k in store.public_keys()}
    assert keys[old].status == "revoked" and keys[old].revoked_at == new.valid_from
    assert keys[new.kid].status == "current"


def test_keystore_a_rotation_by_another_process_is_seen_at_once(tmp_path):
    store = KeyStore(tmp_path)
    old = store.signing_key()[0]
    env = {**os.environ, "GREENCODE_SIGNING_KEY_DIR": str(tmp_path)}

    result = subprocess.run([sys.executable, "manage.py", "rotate_signing_key"], cwd=settings.BASE_DIR, env=env,
                            capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    kid = store.signing_key()[0]
    assert kid != old and f"新的签名密钥：{kid}" in result.stdout


def test_keystore_passphrase_encrypts_the_private_key(tmp_path):
    kid = KeyStore(tmp_path, passphrase="correct horse battery").signing_key()[0]
    pem = (tmp_path / f"{kid}.pem").read_text()

    assert pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")


def test_keystore_wrong_passphrase_is_a_clear_error(tmp_path):
    (tmp_path / "gd-1.pem").write_bytes(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n")
    (tmp_path / "keys.json").write_text(json.dumps({"keys": [
        {"kid": "gd-1", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "valid_from": "2025-01-01T00:00:00+08:00"}]}))

    with pytest.raises(ImproperlyConfigured, match="GREENCODE_SIGNING_KEY_PASSPHRASE"):
        KeyStore(tmp_path, passphrase="wrong").signing_key()


def test_keystore_missing_private_key_of_the_current_key_is_a_clear_error(tmp_path):
    (tmp_path / "keys.json").write_text(json.dumps({"keys": [
        {"kid": "gd-lost", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo", "valid_from": "2025-01-01T00:00:00+08:00"}]}))

    with pytest.raises(ImproperlyConfigured, match=r"gd-lost\.pem of the current green-code signing key is missing; "
                                                 r"restore it from the backup, or run `manage\.py rotate_signing_key`\.$"):
        KeyStore(tmp_path).signing_key()
    assert list(tmp_path.glob("*.pem")) == []  # no new key is made behind the operator's back


def test_keystore_without_a_directory_setting_is_a_clear_error():
    with pytest.raises(ImproperlyConfigured, match=r"^GREENCODE_SIGNING_KEY_DIR is not set: the green-code signing keys need a directory"):
        KeyStore("")
