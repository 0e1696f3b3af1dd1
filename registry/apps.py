from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "registry"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import accounts  # noqa: F401  (connects the log-in throttle's receivers)
