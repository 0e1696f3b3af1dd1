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


@pytest.mark.parametrize("media, bucket, ids", [
    ("inside", False, ["greenmfg.W003"]),   # the default MEDIA_ROOT: the checkout's media/
    ("outside", False, []),                 # DJANGO_MEDIA_ROOT set to a backed-up directory
    ("inside", True, []),                   # an S3-compatible bucket shared by every app host
])
def test_checks_production_says_where_evidence_files_would_go(settings, tmp_path, media, bucket, ids):
    from greenmfg.settings import evidence_storage

    settings.PRODUCTION = True
    settings.MEDIA_ROOT = settings.BASE_DIR / "media" if media == "inside" else tmp_path
    settings.STORAGES = {**settings.STORAGES,
                         "evidence": evidence_storage({"EVIDENCE_S3_BUCKET": "evidence"} if bucket else {})}
    assert [w.id for w in checks.evidence_storage_in_production(None)] == ids


def test_checks_evidence_storage_outside_production_is_fine(settings):
    settings.PRODUCTION = False
    assert checks.evidence_storage_in_production(None) == []
