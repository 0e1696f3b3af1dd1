"""Project-wide middleware."""


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
