from django.conf import settings
from django.urls import reverse

from .access import roles_of


def roles(request):
    return {
        "user_roles": roles_of(getattr(request, "user", None)),
        "PORTAL_NAME": settings.PORTAL_NAME,
        "role_home": {role: reverse(name) for role, name in settings.ROLE_HOME_URLS.items()},
    }
