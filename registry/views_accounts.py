"""Log-in (with the per-user-name throttle of registry/accounts.py) and self-service password change."""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from . import accounts


class ThrottledAuthenticationForm(AuthenticationForm):
    def clean(self):
        username = self.cleaned_data.get("username") or ""
        wait = accounts.wait_seconds(username, self.request) if username else 0
        # A pair (user name, address) that django-axes has locked gets axes' lockout page, not the wait.
        if wait and not AxesProxyHandler.is_locked(self.request, {"username": username}):
            raise forms.ValidationError(
                _("There were too many failed log-ins for this user name. Wait %(seconds)d seconds and try again; "
                  "a browser you have logged in with before does not have to wait.") % {"seconds": wait},
                code="throttled")
        return super().clean()


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        accounts.remember_device(self.request, response, form.get_user().get_username())
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Any logged-in person changes their own password; the settings' password validators apply."""

    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed."))
        return response
