"""The files of a green code: the A4 PDF certificate, the QR downloads, the published keys, the signed payload of
the JSON API; read the way an outside reader would (pdfinfo, pdftotext, pdftoppm, rsvg-convert, zbarimg)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from greencode import links
from greencode.models import GreenCode
from greencode.services import codes, keystore, signatures
from tests.conftest import login
from tests.factories import city_user, enterprise_user

from .code_helpers import current_code, run, zbarimg
from .conftest import YEAR

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


# ---------------------------------------------------------------- the PDF certificate

def test_certificate_pdf_is_one_a4_page_with_every_item(make_factory, client, tmp_path):
    user, code = current_code(make_factory, n=5, index=1, name=NAME)
    score = code.score

    r, pdf = _download(login(client, user), "greencode:certificate_pdf", code, tmp_path, "pdf")

    assert r["Content-Type"] == "application/pdf"
    assert r["Content-Disposition"] == f'attachment; filename="{code.number}.pdf"'
    info = run("pdfinfo", pdf)
    assert "Pages:           1\n" in info
    assert "Page size:       595.276 x 841.89 pts (A4)" in info
    assert f"Title:           绿码证书 {code.number}" in info and "Author:          广东省工业和信息化厅" in info
    # Compared without white space: pdftotext puts line breaks where the page wraps a line.
    text = "".join(run("pdftotext", pdf, "-").split())
    issued = timezone.localtime(code.issued_at).date().isoformat()
    for item in ("广东省企业绿码证书", NAME, f"统一社会信用代码: {code.unit.credit_code}", f"行业 {code.unit.industry}",
                 f"年度 {YEAR}", f"等级 {score.grade} {YEAR} 年度绿码", f"全省绿色工厂前 {score.position}%",
                 f"行业内前 {score.industry_position}%", f"发证日期 {issued}",
                 f"有效期至 {code.valid_until.isoformat()}", f"绿码编号 {code.number}",
                 f"访问以下地址，输入绿码编号： {PORTAL}/code/verify/ 绿码编号: {code.number}",
                 f"{PORTAL}/.well-known/greencode-keys.json", f"密钥 {signatures.kid_of(signatures.sign(code))}",
                 "签发机关 广东省工业和信息化厅", f"签发日期 {issued}", "评价方法 绿码评价方法 v1",
                 f"{PORTAL}/code/method/", "以在线核验结果为准"):
        assert "".join(item.split()) in text, item
    assert (score.grade, score.position, score.industry_position) == ("A", 40, 40)
    fonts = run("pdffonts", pdf).splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)  # every font embedded (the "emb" column)
    assert any("Noto-Sans-CJK-SC" in line for line in fonts)


def test_certificate_pdf_qr_decodes_to_a_link_that_verifies_offline(make_factory, client, tmp_path):
    user, code = current_code(make_factory, name=NAME)
    _r, pdf = _download(login(client, user), "greencode:certificate_pdf", code, tmp_path, "pdf")

    run("pdftoppm", "-r", "150", "-png", "-singlefile", pdf, tmp_path / "page")

    found = zbarimg(tmp_path / "page.png")
    assert len(found) == 1, found
    url = found[0]
    assert url == links.verification_url(code) and url.startswith(f"{PORTAL}/code/v/")
    keys = signatures.keys_from_keyset(client.get(reverse("greencode_keys")).json())
    assert signatures.check(signatures.token_from_scan(url), keys).claims["e"] == NAME


def _expire(user, code):
    GreenCode.objects.filter(pk=code.pk).update(valid_until=dt.date(2025, 4, 15))
    return "已于 2025-04-15 过期，不能下载证书"


def _revoke(user, code):
    codes.revoke_unit_codes(code.unit_id, reason="removed")
    return f"已于 {timezone.localdate().isoformat()} 被吊销（已移出名单），不能下载证书"


def _withdraw(user, code):
    codes.withdraw_code(user, code)
    return "已由企业撤回，不能下载证书"


@pytest.mark.parametrize("change", [_expire, _revoke, _withdraw], ids=["expired", "revoked", "withdrawn"])
def test_certificate_pdf_is_refused_for_a_code_that_is_not_current(make_factory, client, change):
    user, code = current_code(make_factory)
    message = change(user, code)

    r = login(client, user).get(reverse("greencode:certificate_pdf", args=[code.pk]))

    assert r.status_code == 410 and r["Content-Type"].startswith("text/html")
    assert f"绿码 {code.number} {message}" in r.content.decode()


def test_certificate_pdf_only_for_the_enterprise_and_staff_who_see_the_unit(make_factory, client, gz_reviewer,
                                                                            sz_reviewer, province):
    _user, code = current_code(make_factory, city=city_user("广州市", "gz2").memberships.get().city)
    other = enterprise_user(make_factory({"energy_per_output": 99}))
    url = reverse("greencode:certificate_pdf", args=[code.pk])

    assert client.get(url).status_code == 302
    assert login(client, other).get(url).status_code == 404
    assert login(client, sz_reviewer).get(url).status_code == 404
    assert login(client, gz_reviewer).get(url)["Content-Type"] == "application/pdf"


def test_code_page_and_certificate_page_link_the_pdf_only_while_the_code_is_current(make_factory, client):
    user, code = current_code(make_factory)
    pdf_url = reverse("greencode:certificate_pdf", args=[code.pk])
    login(client, user)

    assert pdf_url in client.get(reverse("greencode:unit_code", args=[code.unit_id]) + f"?year={YEAR}").content.decode()
    assert pdf_url in client.get(reverse("greencode:certificate", args=[code.pk])).content.decode()
    GreenCode.objects.filter(pk=code.pk).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    assert pdf_url not in client.get(reverse("greencode:unit_code", args=[code.unit_id]) + f"?year={YEAR}").content.decode()
    assert pdf_url not in client.get(reverse("greencode:certificate", args=[code.pk])).content.decode()


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
