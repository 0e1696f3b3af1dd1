"""Project-wide middleware."""

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _


class ChineseFirstMiddleware:
    """Serve zh-Hans unless the person chose another language in the portal's language menu.

    Django's LocaleMiddleware would otherwise follow the browser's Accept-Language, and an official whose
    browser happens to be set to English would get an English portal without asking for it. The choice
    made in the menu is kept in the language cookie, which LocaleMiddleware still honours.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class RejectNulMiddleware:
    """Refuse, with a plain 400, any request whose path or parameters contain a NUL character.

    No person types one, PostgreSQL cannot store or compare one, and without this check a crafted query
    string would reach a database query and end in a server error instead of a clear answer.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or self._has_nul(request.GET) or (
            request.method == "POST" and self._has_nul(request.POST)
        ):
            message = _("The request contains an invalid character (NUL). Check what was typed or pasted.")
            if "/api/" in request.path:
                return JsonResponse({"error": message}, status=400, json_dumps_params={"ensure_ascii": False})
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _has_nul(params) -> bool:
        return any("\x00" in key or any("\x00" in value for value in params.getlist(key)) for key in params)
