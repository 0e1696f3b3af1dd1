from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GreencodeConfig(AppConfig):
    name = "greencode"
    verbose_name = _("Green code")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks, receivers  # noqa: F401  (registers the system checks, connects the receivers)
