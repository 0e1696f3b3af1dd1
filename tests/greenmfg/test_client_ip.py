"""One trusted way to know the client's address (greenmfg/client_ip.py)."""

import pytest
from django.test import RequestFactory

from greenmfg.client_ip import client_ip

rf = RequestFactory()


def ip(remote="10.0.0.1", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(rf.get("/", **meta))


def test_client_ip_without_trusted_proxies_is_remote_addr(settings):
    settings.TRUSTED_PROXIES = 0
    assert ip("203.0.113.7") == "203.0.113.7"


def test_client_ip_a_spoofed_forwarded_header_without_a_trusted_proxy_changes_nothing(settings):
    settings.TRUSTED_PROXIES = 0
    assert ip("203.0.113.7", "198.51.100.1") == "203.0.113.7"
    assert ip("203.0.113.7", "198.51.100.1, 198.51.100.2") == "203.0.113.7"


def test_client_ip_behind_one_proxy_is_the_address_the_proxy_appended(settings):
    settings.TRUSTED_PROXIES = 1
    assert ip("10.0.0.1", "203.0.113.7") == "203.0.113.7"


def test_client_ip_behind_one_proxy_ignores_what_the_client_wrote_further_left(settings):
    settings.TRUSTED_PROXIES = 1
    assert ip("10.0.0.1", "198.51.100.66, 203.0.113.7") == "203.0.113.7"


def test_client_ip_behind_two_proxies_counts_two_from_the_right(settings):
    settings.TRUSTED_PROXIES = 2
    assert ip("10.0.0.2", "198.51.100.66, 203.0.113.7, 10.0.0.1") == "203.0.113.7"


def test_client_ip_with_fewer_addresses_than_proxies_falls_back_to_remote_addr(settings):
    settings.TRUSTED_PROXIES = 2
    assert ip("10.0.0.2", "203.0.113.7") == "10.0.0.2"  # did not come through both proxies
    settings.TRUSTED_PROXIES = 1
    assert ip("203.0.113.9") == "203.0.113.9"  # straight to the app, no header


@pytest.mark.parametrize("junk", ["", "not-an-ip", "203.0.113.7:5555", "²", "1.2.3.4.5", " , "])
def test_client_ip_a_trusted_entry_that_is_not_an_address_falls_back_to_remote_addr(settings, junk):
    settings.TRUSTED_PROXIES = 1
    assert ip("10.0.0.1", junk) == "10.0.0.1"


def test_client_ip_ipv6_is_normalised(settings):
    settings.TRUSTED_PROXIES = 1
    assert ip("10.0.0.1", "2001:DB8::0001") == "2001:db8::1"


def test_client_ip_missing_remote_addr_is_none(settings):
    settings.TRUSTED_PROXIES = 0
    assert client_ip(rf.get("/", REMOTE_ADDR="")) is None
    settings.TRUSTED_PROXIES = 1
    assert client_ip(rf.get("/", REMOTE_ADDR="", HTTP_X_FORWARDED_FOR="203.0.113.7")) == "203.0.113.7"
