from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from greencode import views_documents as greencode_documents
from greencode.api import api as greencode_api
from registry import views as registry_views
from registry import views_accounts

from . import views

admin.site.site_header = _("Guangdong Green Manufacturing Portal · administration")
admin.site.site_title = _("Green Manufacturing Portal")

urlpatterns = [
    path("", views.landing, name="landing"),
    path("home/", registry_views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    # The province's public keys for green-code signatures (RFC 8615 well-known location).
    path(".well-known/greencode-keys.json", greencode_documents.public_keys, name="greencode_keys"),
    path("accounts/login/", views_accounts.LoginView.as_view(), name="login"),
    path("accounts/password/", views_accounts.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("registry.urls")),
    path("reviews/", include("reviews.urls")),
    path("code/", include("greencode.urls")),
    # The institutions' API (API keys): bulk verification, grade history, scorecards with consent.
    path("api/v1/", greencode_api.urls),
]

handler403 = "greenmfg.views.forbidden"
handler404 = "greenmfg.views.not_found"
handler500 = "greenmfg.views.server_error"
