"""Verification rate limits (greencode/ratelimit.py): one budget per client for the page and the API, misses
counted apart and throttled harder, keyed on the trusted client address, held in the shared cache."""

import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.urls import reverse

from greencode import ratelimit
from greencode.services import codes
from tests.greencode.test_views import cohort, issued

pytestmark = pytest.mark.django_db

API = "greencode:verify_api"
PAGE = "greencode:verify"
MISSES = "您的地址查询的编号多次未找到。编号查询已暂停 10 分钟；链接和二维码仍可使用。"
# The budget is per calendar minute: the tests read the limiter's clock at one fixed instant, so that a minute
# that ends between two requests (a slow machine, a subprocess starting) cannot hand out a fresh budget.
NOW = 1_900_000_020.0


@pytest.fixture(autouse=True)
def _fresh_cache(settings, monkeypatch):
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: NOW))
    settings.GREENCODE_VERIFY_RATE = 5
    settings.GREENCODE_VERIFY_MISS_LIMIT = 3
    settings.GREENCODE_VERIFY_MISS_WINDOW = 600
    settings.TRUSTED_PROXIES = 0
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def genuine(make_factory):
    units = cohort(make_factory, 3)
    _user, code = issued(units[0])
    return code


def statuses(client, calls, **meta):
    return [client.get(reverse(name), params, **meta).status_code for name, params in calls]


# --- one budget per client ---------------------------------------------------------------------------------------

def test_ratelimit_exactly_the_budget_is_served_and_one_more_is_refused(client, genuine):
    assert statuses(client, [(API, {"number": genuine.number})] * 6) == [200, 200, 200, 200, 200, 429]


def test_ratelimit_page_and_api_share_one_budget(client, genuine):
    calls = [(API, {"number": genuine.number}), (PAGE, {"number": genuine.number})] * 2 + [(PAGE, {})]
    assert statuses(client, calls) == [200, 200, 200, 200, 200]
    assert statuses(client, [(API, {"number": genuine.number}), (PAGE, {})]) == [429, 429]
    response = client.get(reverse(API), {"number": genuine.number})
    assert response.json() == {"error": "您所在地址的核验请求过于频繁，请一分钟后再试。"}
    assert response["Retry-After"] == "60"


def test_ratelimit_a_spoofed_forwarded_header_without_a_trusted_proxy_gets_no_new_budget(client, genuine):
    calls = [(API, {"number": genuine.number})] * 6
    assert [client.get(reverse(API), {"number": genuine.number}, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code
            for i in range(6)] == [200, 200, 200, 200, 200, 429]
    assert statuses(client, calls[:1]) == [429]


def test_ratelimit_behind_a_trusted_proxy_each_client_has_its_own_budget(client, genuine, settings):
    settings.TRUSTED_PROXIES = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    calls = [(API, {"number": genuine.number})] * 6
    assert statuses(client, calls, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy) == [200] * 5 + [429]
    assert statuses(client, calls[:5], HTTP_X_FORWARDED_FOR="203.0.113.8", **proxy) == [200] * 5
    # what the client itself writes in front of the proxy's entry is not believed
    assert statuses(client, calls[:1], HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.7", **proxy) == [429]


# --- misses ----------------------------------------------------------------------------------------------------

def test_ratelimit_misses_up_to_the_limit_are_answered_then_number_lookups_pause(client, genuine, settings):
    settings.GREENCODE_VERIFY_RATE = 100
    made_up = [f"GD-2099-N{n:07d}" for n in range(1, 5)]
    answers = [client.get(reverse(API), {"number": n}) for n in made_up]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert [r.json().get("status") for r in answers[:3]] == ["unknown"] * 3
    assert answers[3].json() == {"error": MISSES}
    assert answers[3]["Retry-After"] == "600"
    # the pause covers the page too, and real numbers: it is the number look-up that is paused
    page = client.get(reverse(PAGE), {"number": genuine.number})
    assert (page.status_code, page.context["message"]) == (429, MISSES)
    assert [t.name for t in page.templates][:2] == ["429.html", "base.html"]  # the portal's own page, styled
    assert client.get(reverse(API), {"number": genuine.number}).status_code == 429
    # a signed link cannot be guessed, so it still answers
    token = codes.sign(genuine)
    assert client.get(reverse(API), {"token": token}).json()["status"] == "valid"
    assert client.get(reverse("greencode:verify_token", args=[token])).status_code == 200


def test_ratelimit_hits_are_never_counted_as_misses(client, genuine, settings):
    settings.GREENCODE_VERIFY_RATE = 100
    assert statuses(client, [(API, {"number": genuine.number})] * 20) == [200] * 20


def test_ratelimit_misses_are_per_client_behind_a_trusted_proxy(client, genuine, settings):
    settings.GREENCODE_VERIFY_RATE = 100
    settings.TRUSTED_PROXIES = 1
    walker = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.66"}
    bank = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.10"}
    assert statuses(client, [(API, {"number": f"GD-2099-N{n:07d}"}) for n in range(4)], **walker) == [200] * 3 + [429]
    assert statuses(client, [(API, {"number": genuine.number})], **bank) == [200]


def test_ratelimit_the_miss_pause_ends_with_its_window(client, genuine, settings):
    import time

    settings.GREENCODE_VERIFY_RATE = 100
    settings.GREENCODE_VERIFY_MISS_WINDOW = 1
    for n in range(3):
        client.get(reverse(API), {"number": f"GD-2099-N{n:07d}"})
    assert client.get(reverse(API), {"number": genuine.number}).status_code == 429
    time.sleep(1.1)
    assert client.get(reverse(API), {"number": genuine.number}).status_code == 200


# --- shared across processes -------------------------------------------------------------------------------------

REDIS = os.environ.get("TEST_REDIS_CACHE_URL", "redis://127.0.0.1:6379/13")


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping())
    except Exception:
        return False


def test_ratelimit_budget_spent_in_another_process_is_spent_here(client, genuine, settings):
    if not _redis_up():
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"Redis is required at {REDIS}")
        pytest.skip(f"no Redis at {REDIS}")
    prefix = f"rl-test-{os.getpid()}"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS,
                                   "KEY_PREFIX": prefix}}
    from django.core.cache import caches

    caches["default"].clear()
    other = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'greenmfg.settings'; django.setup()\n"
        "from django.conf import settings; from django.test import RequestFactory\n"
        f"settings.CACHES['default']['KEY_PREFIX'] = {prefix!r}\n"
        "import types, greencode.ratelimit as rl\n"
        f"rl.time = types.SimpleNamespace(time=lambda: {NOW!r})\n"
        "from greencode.ratelimit import within_budget\n"
        "print([within_budget(RequestFactory().get('/', REMOTE_ADDR='127.0.0.1')) for _ in range(5)])\n"
    )
    out = subprocess.run([sys.executable, "-c", other], cwd=django_settings.BASE_DIR, capture_output=True, text=True,
                         env={**os.environ, "REDIS_CACHE_URL": REDIS}, check=True)
    assert out.stdout.strip() == "[True, True, True, True, True]"
    assert client.get(reverse(API), {"number": genuine.number}).status_code == 429
    caches["default"].clear()
