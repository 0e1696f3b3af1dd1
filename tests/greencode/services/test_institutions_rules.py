"""greencode/services/institutions.py at its edges: a second revocation is refused with its reason, a revocation
is audited exactly (who, which key, its label), a malformed key is refused before any query, a use is logged with
each field cut to its column (0 items and no address by default), bulk verification answers a number as never
tampered and sends malformed input to no query, and a code's grade history lists its events by time,
each with its label, showing a reason only for revocations and reinstatements."""

import datetime as dt

import pytest

from greencode.models import GreenCodeEvent
from greencode.services import codes, institutions
from reviews import audit
from tests import factories
from tests.greencode.code_helpers import current_code
from tests.greencode.institution_helpers import institution_with_key

pytestmark = pytest.mark.django_db


def test_revoke_key_a_second_time_is_refused_with_the_reason():
    province, _institution, key, _raw = institution_with_key()
    institutions.revoke_key(province, key)
    with pytest.raises(institutions.InstitutionError) as refused:
        institutions.revoke_key(province, key)
    assert str(refused.value) == "此密钥已经撤销。"


def test_revoke_key_is_audited_with_its_actor_prefix_and_label():
    province, institution, key, _raw = institution_with_key()
    revoked = institutions.revoke_key(province, key)
    key.refresh_from_db()
    assert (key.revoked_at, key.revoked_by) == (revoked.revoked_at, province)
    assert list(audit.history(institution).filter(action="api_key_revoked")
                .values_list("actor", "from_state", "to_state", "comment")) == [
        (province.pk, key.prefix, "", "信贷系统")]


def test_bulk_verify_a_number_is_answered_as_given_and_never_tampered(make_factory):
    _user, code = current_code(make_factory)
    asked = f"  {code.number.lower()} "
    assert institutions.bulk_verify(numbers=[asked], tokens=[]) == [{
        "query": asked, "kind": "number", "status": "valid", "tampered": False, "number": code.number,
        "name": code.unit.name, "credit_code": code.unit.masked_credit_code, "grade": code.grade,
        "year": code.year, "valid_until": code.valid_until.isoformat(), "revoked_at": None}]


def test_bulk_verify_malformed_numbers_and_tokens_cost_no_query(django_assert_num_queries):
    unknown = {"status": "unknown", "number": None, "name": None, "credit_code": None, "grade": None,
               "year": None, "valid_until": None, "revoked_at": None}
    numbers = ["GD-2024-N23456789ABY", "junk", ""]  # check character X, not Y; not a number; nothing
    with django_assert_num_queries(0):
        results = institutions.bulk_verify(numbers=numbers, tokens=["forged:token"])
    assert results == [
        {"query": "GD-2024-N23456789ABY", "kind": "number", "tampered": False, **unknown},
        {"query": "junk", "kind": "number", "tampered": False, **unknown},
        {"query": "", "kind": "number", "tampered": False, **unknown},
        {"query": "forged:token", "kind": "token", "tampered": True, **unknown},
    ]


def test_grade_history_lists_events_by_time_with_labels_and_only_revocation_reasons(make_factory):
    _user, code = current_code(make_factory)
    issued = GreenCodeEvent.objects.get(code=code)
    later, sooner = issued.at + dt.timedelta(days=2), issued.at + dt.timedelta(days=1)
    # written in this order, the later regrade first: the history goes by time, not by insertion
    GreenCodeEvent.objects.create(code=code, action="regrade", from_state="issued", to_state="issued",
                                  from_grade="A+", to_grade="A", reason="新一轮评价", at=later)
    GreenCodeEvent.objects.create(code=code, action="revoke", from_state="issued", to_state="revoked",
                                  from_grade="A+", to_grade="A+", reason="发生重大事故", at=sooner)
    history = institutions.grade_history(code.number)
    assert [(e["at"], e["action"], e["label"], e["from_state"], e["to_state"], e["from_grade"], e["to_grade"],
             e["reason"]) for e in history["events"]] == [
        (issued.at.isoformat(), "issue", "已发放", "", "issued", "", code.grade, ""),
        (sooner.isoformat(), "revoke", "已撤销", "issued", "revoked", "A+", "A+", "发生重大事故"),
        (later.isoformat(), "regrade", "新一轮评价调整了等级", "issued", "issued", "A+", "A", ""),
    ]


def test_grade_history_shows_the_reinstatements_reason(make_factory):
    _user, code = current_code(make_factory)
    province, _institution, _key, _raw = institution_with_key()
    codes.revoke_unit_codes(code.unit_id, reason="incident")
    codes.reinstate_code(province, code, reason="事故报告有误")
    assert [(e["action"], e["label"], e["reason"]) for e in institutions.grade_history(code.number)["events"]] == [
        ("issue", "已发放", ""), ("revoke", "已撤销", "发生重大事故（已上报）"),
        ("reinstate", "省厅已恢复", "事故报告有误")]


def test_find_key_a_malformed_key_is_refused_without_a_query(django_assert_num_queries):
    _province, _institution, key, raw = institution_with_key()
    secret = raw.split("_", 2)[2]
    malformed = ["gdk", f"gdk_{key.prefix}", f"xyz_{key.prefix}_{secret}", f"gdk_{key.prefix}x_{secret}", "", None]
    with django_assert_num_queries(0):
        assert [institutions.find_key(m) for m in malformed] == [None] * 6


def test_log_use_cuts_each_field_to_its_column():
    _province, _institution, key, _raw = institution_with_key()
    use = institutions.log_use(key, method="PROPFINDX", path="/" + "p" * 300, outcome="o" * 21, items=2,
                               address="1" * 64 + "2")
    use.refresh_from_db()
    assert (use.method, use.path, use.outcome, use.items, use.address) == (
        "PROPFIND", "/" + "p" * 299, "o" * 20, 2, "1" * 64)


def test_log_use_without_items_or_address_records_0_and_empty():
    _province, _institution, key, _raw = institution_with_key()
    use = institutions.log_use(key, method="GET", path="/api/v1/verify", outcome="ok")
    use.refresh_from_db()
    assert (use.key, use.method, use.path, use.outcome, use.items, use.address) == (
        key, "GET", "/api/v1/verify", "ok", 0, "")


def test_register_institution_stores_each_field_stripped_and_audits_the_name():
    province = factories.province_user()
    institution = institutions.register_institution(province, name=" 某银行 ", kind="buyer",
                                                    credit_code=" 91440101MA5ABCDE1X ", contact=" 张三 ")
    institution.refresh_from_db()
    assert (institution.name, institution.kind, institution.credit_code, institution.contact,
            institution.registered_by) == ("某银行", "buyer", "91440101MA5ABCDE1X", "张三", province)
    assert list(audit.history(institution).values_list("action", "actor", "comment")) == [
        ("institution_registered", province.pk, "某银行")]


def test_register_institution_without_credit_code_or_contact_stores_them_empty():
    institution = institutions.register_institution(factories.province_user(), name="某银行", kind="bank")
    institution.refresh_from_db()
    assert (institution.credit_code, institution.contact) == ("", "")


def test_issue_key_draws_an_8_hex_prefix_stores_the_label_and_audits_it():
    province = factories.province_user()
    institution = institutions.register_institution(province, name="某银行", kind="bank")
    key, raw = institutions.issue_key(province, institution, label=" 信贷系统 ")
    key.refresh_from_db()
    assert (len(key.prefix), set(key.prefix) <= set("0123456789abcdef"), raw.split("_", 2)[1], key.label) == (
        8, True, key.prefix, "信贷系统")
    assert list(audit.history(institution).filter(action="api_key_issued")
                .values_list("actor", "from_state", "to_state", "comment")) == [(province.pk, "", key.prefix, "信贷系统")]


def test_issue_key_without_a_label_stores_it_empty():
    province = factories.province_user()
    institution = institutions.register_institution(province, name="某银行", kind="bank")
    key, _raw = institutions.issue_key(province, institution)
    key.refresh_from_db()
    assert key.label == ""
