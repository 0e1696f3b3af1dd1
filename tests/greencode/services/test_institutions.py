"""Institutions and keys: only the province registers and issues, a key is found by its prefix and checked by
its hash, a revoked key is found but not usable, and every step is audited."""

import pytest
from django.core.exceptions import PermissionDenied

from greencode import rules
from greencode.models import ApiKey
from greencode.services import institutions
from reviews import audit
from tests import factories
from tests.greencode.institution_helpers import institution_with_key

pytestmark = pytest.mark.django_db


def test_institutions_only_the_province_registers(gz_reviewer):
    with pytest.raises(PermissionDenied, match="只有省工信厅可以登记机构并发放 API 密钥。"):
        institutions.register_institution(gz_reviewer, name="某银行", kind="bank")


def test_institutions_issue_key_returns_the_key_once_and_stores_its_hash():
    _province, institution, key, raw = institution_with_key()
    stored = ApiKey.objects.get()
    assert raw.startswith(f"gdk_{stored.prefix}_")
    assert len(raw) == len("gdk_") + 8 + 1 + 43
    assert stored.hashed == institutions.digest(raw)
    assert [f.name for f in ApiKey._meta.fields if getattr(stored, f.name) == raw] == []


def test_institutions_find_key_by_the_whole_key_only():
    _province, _institution, key, raw = institution_with_key()
    assert institutions.find_key(raw) == key
    assert institutions.find_key(raw + "x") is None
    assert institutions.find_key(f"gdk_{key.prefix}_") is None
    assert institutions.find_key("") is None
    assert institutions.find_key(None) is None


def test_institutions_revoked_key_is_found_but_not_usable():
    province, institution, key, raw = institution_with_key()
    assert rules.key_usable(key).allowed is True
    institutions.revoke_key(province, key)
    found = institutions.find_key(raw)
    assert (found, rules.key_usable(found).allowed) == (key, False)
    with pytest.raises(institutions.InstitutionError):
        institutions.revoke_key(province, key)
    assert [t.action for t in audit.history(institution)] == [
        "api_key_revoked", "api_key_issued", "institution_registered"]


def test_institutions_an_enterprise_cannot_issue_or_revoke(gz_unit):
    _province, institution, key, _raw = institution_with_key()
    enterprise = factories.enterprise_user(gz_unit)
    with pytest.raises(PermissionDenied):
        institutions.issue_key(enterprise, institution)
    with pytest.raises(PermissionDenied):
        institutions.revoke_key(enterprise, key)


def test_institutions_log_use_records_and_marks_the_key_used():
    _province, _institution, key, _raw = institution_with_key()
    use = institutions.log_use(key, method="POST", path="/api/v1/verify", outcome="ok", items=3, address="10.1.1.1")
    key.refresh_from_db()
    assert (use.key, use.items, use.outcome, use.address, key.last_used_at) == (
        key, 3, "ok", "10.1.1.1", use.at)
