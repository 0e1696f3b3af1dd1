"""Project-level pages: the landing page, error pages and the health check. No business rules here."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache


def landing(request):
    if request.user.is_authenticated:
        return redirect("home")
    return render(request, "landing.html")


def favicon(request):
    """Browsers and bots ask for /favicon.ico whatever the page says: send them to the static icon."""
    return redirect(static("favicon.ico"), permanent=True)


def forbidden(request, exception=None):
    """403 with the rule's reason when a named rule gave one (greenmfg.rules.require)."""
    reason = str(exception) if exception is not None and str(exception) else ""
    return render(request, "403.html", {"reason": reason}, status=403)


def not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)


def _broker_state() -> str:
    if not settings.CELERY_BROKER_URL:
        return "in-process"
    from .celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception:  # any failure to reach the broker is reported, not raised
        return "unreachable"


@never_cache
def healthz(request):
    """Database and broker state, for load balancers and monitoring. 200 when usable, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:  # reported, not raised
        database = "unreachable"
    broker = _broker_state()
    healthy = database == "ok" and broker in {"ok", "in-process"}
    return JsonResponse({"database": database, "broker": broker, "status": "ok" if healthy else "degraded"},
                        status=200 if healthy else 503)
