"""Every verification address comes from PORTAL_BASE_URL, never from the request's Host header."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from greencode import links
from tests.conftest import login

from .code_helpers import current_code


@pytest.mark.django_db
def test_links_verification_url_is_built_from_the_setting_not_the_request_host(make_factory, client, settings):
    settings.PORTAL_BASE_URL = "https://green.example.gov.cn/"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "intranet-proxy.local"]
    user, code = current_code(make_factory)

    r = login(client, user).get(reverse("greencode:unit_code", args=[code.unit_id]), HTTP_HOST="intranet-proxy.local")

    assert r.context["verify_url"].startswith("https://green.example.gov.cn/code/v/")
    assert r.context["verify_url"] == links.verification_url(code)
    assert "intranet-proxy.local" not in r.content.decode()
    r = client.get(reverse("greencode:certificate", args=[code.pk]), HTTP_HOST="intranet-proxy.local")
    assert r.context["verify_url"].startswith("https://green.example.gov.cn/code/v/")


def test_links_addresses_of_the_verify_page_api_and_keys(settings):
    settings.PORTAL_BASE_URL = "https://green.example.gov.cn"

    assert links.verify_page_url() == "https://green.example.gov.cn/code/verify/"
    assert links.verify_number_url("GD-2024-N0000001") == "https://green.example.gov.cn/code/verify/?number=GD-2024-N0000001"
    assert links.verify_api_url() == "https://green.example.gov.cn/code/api/verify"
    assert links.keys_url() == "https://green.example.gov.cn/.well-known/greencode-keys.json"


@pytest.mark.parametrize(("base", "message"), [
    ("", "not set"),
    ("green.example.gov.cn", "is not an absolute http(s) address"),
    ("ftp://green.example.gov.cn", "is not an absolute http(s) address"),
    ("https://green.example.gov.cn/portal", "origin only"),
    ("https://green.example.gov.cn/?a=1", "origin only"),
    ("https://user:pw@green.example.gov.cn", "origin only"),
])
def test_links_an_unusable_base_url_is_a_configuration_error(settings, base, message):
    settings.PORTAL_BASE_URL = base

    with pytest.raises(ImproperlyConfigured, match="PORTAL_BASE_URL: .*" + message.replace("(", r"\(").replace(")", r"\)")):
        links.portal_base_url()


@pytest.mark.parametrize("base", ["http://127.0.0.1:8000", "https://green.example.gov.cn", "https://green.example.gov.cn/",
                                  "http://[::1]:8000"])
def test_links_a_bare_origin_is_accepted(settings, base):
    settings.PORTAL_BASE_URL = base

    assert links.portal_base_url() == base.rstrip("/")
