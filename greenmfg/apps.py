from django.apps import AppConfig


class GreenmfgConfig(AppConfig):
    """The project itself, installed only for its system checks (greenmfg/checks.py); it has no models."""

    name = "greenmfg"
    verbose_name = "greenmfg"

    def ready(self):
        from . import checks  # noqa: F401  (registers the checks)
