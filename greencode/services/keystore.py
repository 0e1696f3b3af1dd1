"""The province's green-code signing keys: where they live, the first one, rotation.

Why Ed25519 (and not SM2): the key is used through `cryptography` (PyCA), a maintained library on OpenSSL with
constant-time signing, and Ed25519 is a registered JOSE algorithm (EdDSA, RFC 8037): a bank or a buyer
checks a code with any JOSE library or with `openssl pkeyutl`, from the published keys alone. SM2 (GB/T
32918) is not in `cryptography`; the Python SM2 packages are a pure-Python implementation (gmssl, last
release 2023, not constant-time) or thin bindings to a C library that Debian does not ship, and SM2 has no
registered JOSE name, so outside verifiers would need our code. The token header and the published key set
both name the algorithm, so an SM2 key can be added beside Ed25519 later without breaking printed codes.

Why a directory of files (and not a database table): the private key stays out of the database, its dumps,
replicas and the reporting copies many people read; it does not depend on SECRET_KEY (which Django lets
operators rotate), so rotating the secret cannot lose the province's key; an operator can install a key made
on an offline machine or mount the directory from a secret store; and no migration is needed. The cost: all
app servers must see the same directory, and it must be backed up — keys.json holds the public keys that
every printed code needs to verify. Production therefore has to name the directory explicitly (deploy check).

Layout of GREENCODE_SIGNING_KEY_DIR (created 0700 on first use):
    keys.json       public: every key ever used (kid, algorithm, public key, valid from/until, revoked)
    <kid>.pem       private: PKCS#8, mode 0600, encrypted when GREENCODE_SIGNING_KEY_PASSPHRASE is set
    .lock           serialises key creation and rotation between processes
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

ALGORITHM = "EdDSA"  # the JOSE name of Ed25519 signatures (RFC 8037)
CURVE = "Ed25519"
MANIFEST = "keys.json"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class PublicKey:
    kid: str
    x: str  # the raw 32-byte public key, base64url without padding (the JWK member "x")
    valid_from: str
    valid_until: str | None = None  # when it stopped signing (rotation); None while it is the current key
    revoked_at: str | None = None  # set when it was withdrawn (compromised): nothing it signed is trusted

    @property
    def status(self) -> str:
        if self.revoked_at:
            return "revoked"
        return "retired" if self.valid_until else "current"

    def as_manifest(self) -> dict:
        return {"kid": self.kid, "alg": ALGORITHM, "crv": CURVE, "x": self.x, "valid_from": self.valid_from,
                "valid_until": self.valid_until, "revoked_at": self.revoked_at}

    def public_key(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(self.x + "=" * (-len(self.x) % 4)))

    def pem(self) -> str:
        return self.public_key().public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


class KeyStore:
    """The keys in one directory. Readers never lock: keys.json is replaced atomically."""

    def __init__(self, directory: str | os.PathLike, passphrase: str = ""):
        if not str(directory):
            raise ImproperlyConfigured("GREENCODE_SIGNING_KEY_DIR is not set: the green-code signing keys need a "
                                       "directory (see the README, section Green-code certificate, QR and keys).")
        self.directory = Path(directory)
        self.passphrase = passphrase.encode() if passphrase else None

    @property
    def manifest_path(self) -> Path:
        return self.directory / MANIFEST

    # ---------------------------------------------------------------- reading

    def public_keys(self) -> list[PublicKey]:
        """Every key in keys.json, oldest first (empty when there is none yet). Parsed again only when the
        file was replaced (a rotation in another process shows at once)."""
        try:
            stat = self.manifest_path.stat()
        except FileNotFoundError:
            return []
        stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        cached = _manifests.get(self.manifest_path)
        if cached is None or cached[0] != stamp:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            keys = [PublicKey(kid=k["kid"], x=k["x"], valid_from=k["valid_from"], valid_until=k.get("valid_until"),
                              revoked_at=k.get("revoked_at")) for k in data.get("keys", [])]
            cached = _manifests[self.manifest_path] = (stamp, keys)
        return list(cached[1])

    def signing_key(self) -> tuple[str, Ed25519PrivateKey]:
        """The current key (kid, private key); the first one is made on first use."""
        current = _current(self.public_keys())
        if current is None:
            with self._locked():
                current = _current(self.public_keys())
                if current is None:
                    if self.public_keys():  # every key retired or revoked by hand: do not quietly start a new one
                        raise ImproperlyConfigured(f"No current green-code signing key in {self.directory}; "
                                                   "run `manage.py rotate_signing_key`.")
                    current = self._add_key([])
        return current.kid, self._private(current.kid)

    def _private(self, kid: str) -> Ed25519PrivateKey:
        path = self.directory / f"{kid}.pem"
        if path in _private_keys:  # a key file is written once (O_EXCL) and never changed
            return _private_keys[path]
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ImproperlyConfigured(f"The private key {path} of the current green-code signing key is missing; "
                                       "restore it from the backup, or run `manage.py rotate_signing_key`.")
        try:
            key = serialization.load_pem_private_key(data, password=self.passphrase)
        except (TypeError, ValueError):  # encrypted without a passphrase given, the wrong one, or not a key
            raise ImproperlyConfigured(f"Cannot read the green-code signing key {path}: check "
                                       "GREENCODE_SIGNING_KEY_PASSPHRASE.")
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured(f"{path} is not an Ed25519 private key.")
        _private_keys[path] = key
        return key

    # ---------------------------------------------------------------- changing

    def rotate(self, *, revoke_previous: bool = False) -> tuple[PublicKey, list[PublicKey]]:
        """A new current key; the previous one stops signing but stays published, so every code it signed
        still verifies — unless `revoke_previous` (the key leaked): then nothing it signed is trusted.
        Returns the new key and the keys that were current before."""
        with self._locked():
            keys = self.public_keys()
            now = _now()
            previous = [k for k in keys if k.status == "current"]
            keys = [PublicKey(k.kid, k.x, k.valid_from, now if k.status == "current" else k.valid_until,
                              (now if revoke_previous and k.status == "current" else k.revoked_at)) for k in keys]
            new = self._add_key(keys)
            return new, previous

    def _add_key(self, keys: list[PublicKey]) -> PublicKey:
        """Write a new private key, then keys.json naming it current (the caller holds the lock)."""
        private = Ed25519PrivateKey.generate()
        kid = f"gd-{timezone.localdate():%Y%m%d}-{secrets.token_hex(3)}"
        encryption = (serialization.BestAvailableEncryption(self.passphrase) if self.passphrase
                      else serialization.NoEncryption())
        pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
        fd = os.open(self.directory / f"{kid}.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
            f.flush()
            os.fsync(f.fileno())
        raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        key = PublicKey(kid=kid, x=b64url(raw), valid_from=_now())
        self._write_manifest([*keys, key])
        return key

    def _write_manifest(self, keys: list[PublicKey]) -> None:
        tmp = self.directory / f".{MANIFEST}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps({"keys": [k.as_manifest() for k in keys]}, ensure_ascii=False, indent=2) + "\n",
                       encoding="utf-8")
        os.replace(tmp, self.manifest_path)
        _manifests.pop(self.manifest_path, None)

    @contextmanager
    def _locked(self):
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        with open(self.directory / ".lock", "a") as lock:  # flock: one holder across processes and threads
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


# Per process: parsed keys.json by path (with the file's identity), and loaded private keys by path.
_manifests: dict[Path, tuple[tuple, list[PublicKey]]] = {}
_private_keys: dict[Path, Ed25519PrivateKey] = {}


def _current(keys: list[PublicKey]) -> PublicKey | None:
    return next((k for k in reversed(keys) if k.status == "current"), None)


def _now() -> str:
    return timezone.localtime().isoformat(timespec="seconds")


def store() -> KeyStore:
    """The configured key store."""
    return KeyStore(settings.GREENCODE_SIGNING_KEY_DIR, settings.GREENCODE_SIGNING_KEY_PASSPHRASE)
