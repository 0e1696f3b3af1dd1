from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GreencodeConfig(AppConfig):
    name = "greencode"
    verbose_name = _("Green code")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.backends.signals import connection_created

        from . import receivers  # noqa: F401  (connects the signal receivers)
        from .sqlite import add_string_agg

        connection_created.connect(add_string_agg, dispatch_uid="greencode.string_agg")
