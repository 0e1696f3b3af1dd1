"""The Celery app. Without CELERY_BROKER_URL the settings make every task run in-process (eagerly)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "greenmfg.settings")

app = Celery("greenmfg")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="greenmfg.ping")
def ping() -> str:
    """Answers "pong"; the health check and the worker tests use it to prove a worker is consuming."""
    return "pong"
