"""An institution with a key, and a request with that key: what the API tests start from."""

from greencode.services import institutions
from tests import factories


def institution_with_key(name: str = "测试银行", username: str = "inst_prov"):
    """(province user, institution, stored key, the key itself)."""
    province = factories.province_user(username)
    institution = institutions.register_institution(province, name=name, kind="bank")
    key, raw = institutions.issue_key(province, institution, label="信贷系统")
    return province, institution, key, raw
