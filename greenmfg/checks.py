"""Deployment checks of our own, run by `manage.py check --deploy`."""

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
    "django.core.cache.backends.filebased.FileBasedCache",
}


@register(Tags.security, Tags.caches, deploy=True)
def shared_cache_in_production(app_configs, **kwargs):
    backend = settings.CACHES["default"]["BACKEND"]
    if getattr(settings, "PRODUCTION", False) and backend in PER_PROCESS_CACHES:
        return [Error(
            f"Production runs on a per-process cache ({backend.rsplit('.', 1)[-1]}): the verification rate limits "
            "and the login throttle would be counted per worker process and per host, so an attacker gets a fresh "
            "budget from every worker.",
            hint="Set REDIS_CACHE_URL (e.g. redis://127.0.0.1:6379/2) so every process and host shares one cache.",
            id="greenmfg.E001",
        )]
    return []


@register(Tags.security, deploy=True)
def trusted_proxies_in_production(app_configs, **kwargs):
    if getattr(settings, "PRODUCTION", False) and settings.TRUSTED_PROXIES <= 0:
        return [Warning(
            "DJANGO_TRUSTED_PROXIES is 0: every request is keyed on REMOTE_ADDR. Behind the documented reverse "
            "proxy that is the proxy's address, so the login lockout and the rate limits would treat all clients "
            "as one.",
            hint="Set DJANGO_TRUSTED_PROXIES to the number of proxies in front of the portal (1 for one nginx), "
                 "or to 0 only if clients connect to gunicorn directly (then silence greenmfg.W002).",
            id="greenmfg.W002",
        )]
    return []


@register(Tags.security, deploy=True)
def evidence_storage_in_production(app_configs, **kwargs):
    """Evidence files must live where the backup finds them: a bucket, or a directory named outside the checkout."""
    backend = settings.STORAGES.get("evidence", {}).get("BACKEND", "")
    media_root = Path(settings.MEDIA_ROOT).resolve()
    inside_checkout = media_root == Path(settings.BASE_DIR).resolve() or Path(settings.BASE_DIR).resolve() in media_root.parents
    if getattr(settings, "PRODUCTION", False) and backend.endswith("FileSystemStorage") and inside_checkout:
        return [Warning(
            f"Evidence files would be stored inside the code checkout ({media_root}), on this host only and outside "
            "the documented backup.",
            hint="Set EVIDENCE_S3_BUCKET (and EVIDENCE_S3_ENDPOINT_URL) so every app host shares one bucket, or, "
                 "with a single app host, DJANGO_MEDIA_ROOT to a backed-up directory such as /var/lib/greenmfg/media.",
            id="greenmfg.W003",
        )]
    return []
