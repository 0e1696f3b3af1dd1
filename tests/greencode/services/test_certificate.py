"""The certificate document itself: one A4 page in Chinese and in English, even for a long name; a refusal names
the reason."""

import datetime as dt

import pytest
from django.utils import translation

from greencode.services import certificate, codes

from ..code_helpers import current_code, run

pytestmark = pytest.mark.django_db
LONG_NAME = "广东省粤港澳大湾区绿色智能制造新材料科技股份有限公司东莞松山湖高新技术产业开发区第二生产基地分公司"


@pytest.mark.parametrize(("language", "last_line"), [
    ("zh-hans", "（北京时间）生成。"),
    ("en", "(Beijing time)."),
])
def test_certificate_a_long_name_still_fits_one_a4_page(make_factory, tmp_path, language, last_line):
    _user, code = current_code(make_factory, name=LONG_NAME)
    with translation.override(language):
        (tmp_path / "c.pdf").write_bytes(certificate.render_pdf(code))

    assert "Pages:           1\n" in run("pdfinfo", tmp_path / "c.pdf")
    text = run("pdftotext", tmp_path / "c.pdf", "-")
    assert "".join(LONG_NAME.split()) in "".join(text.split())
    assert text.rstrip().endswith(last_line)  # the footer, the last thing on the page, is there


def test_certificate_refusal_is_none_for_a_current_code_and_says_why_otherwise(make_factory):
    user, code = current_code(make_factory)

    assert certificate.refusal(code) is None
    with translation.override("zh-hans"):
        assert certificate.refusal(code, today=code.valid_until) is None  # the last valid day
        expired = certificate.refusal(code, today=code.valid_until + dt.timedelta(days=1))
    assert expired == (f"绿码 {code.number} 已于 {code.valid_until.isoformat()} 过期，不能下载证书。"
                       "新年度绿码生成后，请申领新年度的绿码。")
    code = codes.withdraw_code(user, code)
    with translation.override("zh-hans"):
        assert certificate.refusal(code) == f"绿码 {code.number} 已由企业撤回，不能下载证书。如需证书，请在绿码页面重新申领。"
