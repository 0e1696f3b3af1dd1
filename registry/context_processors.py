from django.conf import settings

from .access import roles_of


def roles(request):
    return {"user_roles": roles_of(getattr(request, "user", None)), "PORTAL_NAME": settings.PORTAL_NAME}
