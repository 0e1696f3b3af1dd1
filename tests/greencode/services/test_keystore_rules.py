"""The key store's rules one by one: the published manifest's exact form, key names and dates, what rotation keeps,
which key signs, the lock, and every refusal with the operator's message."""

import datetime as dt
import fcntl
import json
import re
import shutil
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from greencode.services import keystore
from greencode.services.keystore import KeyStore, PublicKey

X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"  # a valid Ed25519 public key (RFC 8032 test 1)
BEIJING_SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")


def manifest(directory: Path, *keys: dict) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "keys.json").write_text(json.dumps({"keys": list(keys)}), encoding="utf-8")


def entry(kid, **fields):
    return {"kid": kid, "x": X, "valid_from": "2025-01-01T00:00:00+08:00", **fields}


def private_pem(directory: Path, kid: str, key=None) -> Ed25519PrivateKey:
    key = key or Ed25519PrivateKey.generate()
    (directory / f"{kid}.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return key


# ---------------------------------------------------------------- the published form


def test_b64url_is_url_safe_and_unpadded():
    assert keystore.b64url(b"\xfb\xff") == "-_8"
    assert keystore.b64url(b"\x00" * 32) == "A" * 43
    assert keystore.b64url(b"\x00\x00\x17") == "AAAX"  # only the padding is stripped, never a last letter


def test_public_key_status_revoked_beats_retired_beats_current():
    assert PublicKey("k", X, "2025-01-01").status == "current"
    assert PublicKey("k", X, "2025-01-01", valid_until="2025-06-01").status == "retired"
    assert PublicKey("k", X, "2025-01-01", revoked_at="2025-06-01").status == "revoked"
    assert PublicKey("k", X, "2025-01-01", valid_until="2025-06-01", revoked_at="2025-07-01").status == "revoked"


def test_public_key_manifest_entry_names_the_algorithm_and_every_date():
    key = PublicKey("gd-1", X, "2025-01-01T00:00:00+08:00", "2025-06-01T00:00:00+08:00", None)

    assert key.as_manifest() == {"kid": "gd-1", "alg": "EdDSA", "crv": "Ed25519", "x": X,
                                 "valid_from": "2025-01-01T00:00:00+08:00",
                                 "valid_until": "2025-06-01T00:00:00+08:00", "revoked_at": None}


def test_public_key_decodes_its_unpadded_x_and_prints_a_spki_pem():
    private = Ed25519PrivateKey.generate()
    raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key = PublicKey("k", keystore.b64url(raw), "2025-01-01")

    key.public_key().verify(private.sign(b"message"), b"message")  # raises when the key is another
    pem = key.pem()
    assert pem.startswith("-----BEGIN PUBLIC KEY-----\n") and pem.endswith("-----END PUBLIC KEY-----\n")
    assert serialization.load_pem_public_key(pem.encode()).public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw) == raw


def test_manifest_file_is_indented_json_with_a_final_newline_and_no_temporary_file_left(tmp_path):
    store = KeyStore(tmp_path)
    store.signing_key()
    new, _ = store.rotate()

    text = (tmp_path / "keys.json").read_text(encoding="utf-8")
    keys = store.public_keys()
    assert text == json.dumps({"keys": [k.as_manifest() for k in keys]}, indent=2) + "\n"
    assert text.startswith('{\n  "keys": [\n    {\n      "kid": ')
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [".lock", "keys.json", *(f"{k.kid}.pem" for k in keys)])
    assert keys[-1] == new


def test_new_key_is_named_after_the_beijing_day_with_six_hex_digits_and_dated_to_the_second(tmp_path):
    before = timezone.localdate()
    kid, _ = KeyStore(tmp_path).signing_key()
    after = timezone.localdate()

    assert re.fullmatch(r"gd-(\d{8})-[0-9a-f]{6}", kid)
    assert kid[3:11] in {f"{before:%Y%m%d}", f"{after:%Y%m%d}"}
    (key,) = KeyStore(tmp_path).public_keys()
    assert BEIJING_SECONDS.match(key.valid_from), key.valid_from
    assert dt.datetime.fromisoformat(key.valid_from).date() in {before, after}


# ---------------------------------------------------------------- reading


def test_public_keys_of_a_directory_without_a_manifest_is_empty(tmp_path):
    assert KeyStore(tmp_path / "absent").public_keys() == []


def test_public_keys_reads_a_manifest_without_keys_and_entries_without_end_dates(tmp_path):
    (tmp_path / "keys.json").write_text("{}", encoding="utf-8")
    assert KeyStore(tmp_path).public_keys() == []

    manifest(tmp_path / "b", entry("gd-a"), entry("gd-b", valid_until="2025-06-01", revoked_at="2025-07-01"))
    assert KeyStore(tmp_path / "b").public_keys() == [
        PublicKey("gd-a", X, "2025-01-01T00:00:00+08:00", None, None),
        PublicKey("gd-b", X, "2025-01-01T00:00:00+08:00", "2025-06-01", "2025-07-01")]


def test_public_keys_sees_a_manifest_edited_in_place(tmp_path):
    store = KeyStore(tmp_path)
    manifest(tmp_path, entry("gd-a"))
    assert [k.kid for k in store.public_keys()] == ["gd-a"]

    manifest(tmp_path, entry("gd-a", valid_until="2025-06-01T00:00:00+08:00"), entry("gd-b"))

    assert [(k.kid, k.status) for k in store.public_keys()] == [("gd-a", "retired"), ("gd-b", "current")]


def test_public_keys_returns_a_copy_the_caller_may_change(tmp_path):
    store = KeyStore(tmp_path)
    store.signing_key()
    store.public_keys().clear()

    assert len(store.public_keys()) == 1


def test_the_newest_current_key_signs_when_a_hand_edit_left_two(tmp_path):
    manifest(tmp_path, entry("gd-old"), entry("gd-new"))
    private_pem(tmp_path, "gd-old")
    new = private_pem(tmp_path, "gd-new")

    kid, private = KeyStore(tmp_path).signing_key()

    assert kid == "gd-new" and private.private_bytes_raw() == new.private_bytes_raw()


def test_a_current_key_after_retired_ones_signs_without_making_another(tmp_path):
    manifest(tmp_path, entry("gd-1", valid_until="2025-03-01T00:00:00+08:00"), entry("gd-2"),
             entry("gd-3", valid_until="2025-02-01T00:00:00+08:00", revoked_at="2025-02-01T00:00:00+08:00"))
    private_pem(tmp_path, "gd-2")

    assert KeyStore(tmp_path).signing_key()[0] == "gd-2"
    assert [p.name for p in tmp_path.glob("*.pem")] == ["gd-2.pem"]


def test_every_key_retired_by_hand_is_an_error_and_no_key_is_made(tmp_path):
    manifest(tmp_path, entry("gd-1", valid_until="2025-03-01T00:00:00+08:00"),
             entry("gd-2", revoked_at="2025-04-01T00:00:00+08:00"))

    with pytest.raises(ImproperlyConfigured, match=r"^No current green-code signing key in .*; run `manage.py rotate_signing_key`\.$"):
        KeyStore(tmp_path).signing_key()
    assert list(tmp_path.glob("*.pem")) == []
    assert [k.kid for k in KeyStore(tmp_path).public_keys()] == ["gd-1", "gd-2"]


def test_a_private_key_is_read_once_per_process(tmp_path):
    store = KeyStore(tmp_path)
    kid, first = store.signing_key()
    (tmp_path / f"{kid}.pem").unlink()

    assert store.signing_key() == (kid, first)


def test_an_encrypted_key_is_read_back_with_its_passphrase(tmp_path):
    kid, made = KeyStore(tmp_path / "a", passphrase="correct horse").signing_key()
    shutil.copytree(tmp_path / "a", tmp_path / "b")  # another path: not in this process's cache

    read_kid, read = KeyStore(tmp_path / "b", passphrase="correct horse").signing_key()

    assert read_kid == kid and read.private_bytes_raw() == made.private_bytes_raw()
    shutil.copytree(tmp_path / "a", tmp_path / "c")
    with pytest.raises(ImproperlyConfigured, match="GREENCODE_SIGNING_KEY_PASSPHRASE"):
        KeyStore(tmp_path / "c").signing_key()  # encrypted, but no passphrase given


def test_an_empty_passphrase_writes_the_key_unencrypted(tmp_path):
    kid, _ = KeyStore(tmp_path, passphrase="").signing_key()

    assert (tmp_path / f"{kid}.pem").read_text().startswith("-----BEGIN PRIVATE KEY-----\n")


def test_a_passphrase_given_for_an_unencrypted_key_is_a_clear_error(tmp_path):
    manifest(tmp_path, entry("gd-plain"))
    private_pem(tmp_path, "gd-plain")

    with pytest.raises(ImproperlyConfigured, match=r"^Cannot read the green-code signing key .*gd-plain\.pem: check GREENCODE_SIGNING_KEY_PASSPHRASE\.$"):
        KeyStore(tmp_path, passphrase="unneeded").signing_key()


def test_a_private_key_of_another_kind_is_refused(tmp_path):
    manifest(tmp_path, entry("gd-ec"))
    (tmp_path / "gd-ec.pem").write_bytes(ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))

    with pytest.raises(ImproperlyConfigured, match=r"gd-ec\.pem is not an Ed25519 private key"):
        KeyStore(tmp_path).signing_key()


def test_a_file_that_is_not_a_key_is_a_clear_error(tmp_path):
    manifest(tmp_path, entry("gd-junk"))
    (tmp_path / "gd-junk.pem").write_text("not a key\n")

    with pytest.raises(ImproperlyConfigured, match="Cannot read the green-code signing key"):
        KeyStore(tmp_path).signing_key()


# ---------------------------------------------------------------- changing


def test_rotation_keeps_every_earlier_date_and_revokes_only_the_key_that_was_current(tmp_path):
    store = KeyStore(tmp_path)
    first = store.signing_key()[0]
    first_from = store.public_keys()[0].valid_from
    second, previous_1 = store.rotate()
    third, previous_2 = store.rotate(revoke_previous=True)
    fourth, previous_3 = store.rotate()

    keys = {k.kid: k for k in store.public_keys()}
    assert [k.kid for k in previous_1] == [first]
    assert [k.kid for k in previous_2] == [second.kid] and previous_2[0].status == "current"
    assert [k.kid for k in previous_3] == [third.kid]
    assert list(keys) == [first, second.kid, third.kid, fourth.kid]
    assert (keys[first].valid_until, keys[first].revoked_at) == (second.valid_from, None)
    assert (keys[second.kid].valid_until, keys[second.kid].revoked_at) == (third.valid_from, third.valid_from)
    assert (keys[third.kid].valid_until, keys[third.kid].revoked_at) == (fourth.valid_from, None)
    assert [k.status for k in keys.values()] == ["retired", "revoked", "retired", "current"]
    assert [k.valid_from for k in keys.values()] == [first_from, second.valid_from, third.valid_from,
                                                      fourth.valid_from]
    assert store.signing_key()[0] == fourth.kid


def test_rotating_an_empty_store_makes_its_first_key(tmp_path):
    new, previous = KeyStore(tmp_path / "new").rotate()

    assert previous == [] and [k.kid for k in KeyStore(tmp_path / "new").public_keys()] == [new.kid]
    assert BEIJING_SECONDS.match(new.valid_from)


def test_first_use_creates_missing_parent_directories_and_accepts_an_existing_one(tmp_path):
    kid = KeyStore(tmp_path / "var" / "signing-keys").signing_key()[0]
    (tmp_path / "ready").mkdir()

    assert (tmp_path / "var" / "signing-keys" / f"{kid}.pem").exists()
    assert KeyStore(tmp_path / "ready").signing_key()[0]


def test_rotation_waits_for_another_holder_of_the_lock(tmp_path):
    store = KeyStore(tmp_path)
    store.signing_key()
    done = threading.Event()
    worker = threading.Thread(target=lambda: (store.rotate(), done.set()))

    with open(tmp_path / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_SH)  # a reader's share: an exclusive lock must wait for it
        worker.start()
        assert not done.wait(0.5)
        fcntl.flock(lock, fcntl.LOCK_UN)
    worker.join(10)

    assert done.is_set() and len(store.public_keys()) == 2


def test_store_is_the_configured_directory_and_passphrase(settings):
    settings.GREENCODE_SIGNING_KEY_PASSPHRASE = "from settings"

    configured = keystore.store()

    assert configured.directory == Path(settings.GREENCODE_SIGNING_KEY_DIR)
    assert configured.passphrase == b"from settings"
    assert KeyStore("/x", passphrase="").passphrase is None



def test_rotation_dates_only_the_key_that_was_current(tmp_path):
    manifest(tmp_path, entry("gd-1", valid_until="2025-03-01T00:00:00+08:00"),
             entry("gd-2", valid_until="2025-04-01T00:00:00+08:00", revoked_at="2025-04-01T00:00:00+08:00"),
             entry("gd-3"))
    private_pem(tmp_path, "gd-3")

    new, previous = KeyStore(tmp_path).rotate()

    assert [k.kid for k in previous] == ["gd-3"]
    assert [(k.kid, k.valid_until, k.revoked_at) for k in KeyStore(tmp_path).public_keys()] == [
        ("gd-1", "2025-03-01T00:00:00+08:00", None),
        ("gd-2", "2025-04-01T00:00:00+08:00", "2025-04-01T00:00:00+08:00"),
        ("gd-3", new.valid_from, None),
        (new.kid, None, None),
    ]


def test_two_first_uses_waiting_on_the_lock_make_one_key_and_both_sign_with_it(tmp_path):
    kids, errors = [], []

    def first_use():
        try:
            kids.append(KeyStore(tmp_path).signing_key()[0])
        except Exception as exc:  # reported below
            errors.append(exc)

    tmp_path.mkdir(exist_ok=True)
    with open(tmp_path / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_SH)  # both find no key, then queue on the lock
        workers = [threading.Thread(target=first_use) for _ in range(2)]
        for worker in workers:
            worker.start()
        threading.Event().wait(0.5)
        fcntl.flock(lock, fcntl.LOCK_UN)
    for worker in workers:
        worker.join(10)

    assert errors == [] and len(kids) == 2 and kids[0] == kids[1]
    assert len(list(tmp_path.glob("*.pem"))) == 1
