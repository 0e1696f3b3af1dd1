"""Our own deployment checks (greenmfg/checks.py)."""

import pytest

from greenmfg import checks

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/2"}}


@pytest.mark.parametrize("backend", sorted(checks.PER_PROCESS_CACHES))
def test_checks_production_on_a_per_process_cache_is_an_error(settings, backend):
    settings.PRODUCTION = True
    settings.CACHES = {"default": {"BACKEND": backend}}
    assert [e.id for e in checks.shared_cache_in_production(None)] == ["greenmfg.E001"]


def test_checks_production_on_redis_passes(settings):
    settings.PRODUCTION = True
    settings.CACHES = REDIS
    assert checks.shared_cache_in_production(None) == []


def test_checks_a_per_process_cache_outside_production_is_fine(settings):
    settings.PRODUCTION = False
    settings.CACHES = LOCMEM
    assert checks.shared_cache_in_production(None) == []


@pytest.mark.parametrize("proxies, ids", [(0, ["greenmfg.W002"]), (1, [])])
def test_checks_production_says_when_no_proxy_is_trusted(settings, proxies, ids):
    settings.PRODUCTION = True
    settings.TRUSTED_PROXIES = proxies
    assert [w.id for w in checks.trusted_proxies_in_production(None)] == ids
