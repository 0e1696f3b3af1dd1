import pytest
from django.conf import settings

from greenmfg.celery import app, ping


def test_celery_runs_in_process_without_a_broker():
    if settings.CELERY_BROKER_URL:
        pytest.skip("a broker is configured; the real-worker test covers this run")
    assert settings.CELERY_TASK_ALWAYS_EAGER is True  # what the embedded default configures
    assert ping.delay().get(timeout=5) == "pong"


@pytest.mark.worker
def test_celery_real_worker_consumes_from_the_broker():
    from celery.contrib.testing.worker import start_worker

    assert app.conf.task_always_eager is False
    app.conf.result_backend = settings.CELERY_BROKER_URL
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, queues=[settings.CELERY_TASK_DEFAULT_QUEUE]):
            assert ping.delay().get(timeout=20) == "pong"
    finally:
        app.conf.result_backend = None
