"""Institutions (banks, buyers, government offices) with API keys, the log of every key use, and the
enterprise's time-limited consent to show its scorecard (DESIGN.md "Second round", Institutions).

Imported by greencode.models, so the models belong to the greencode app."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.models import Unit

from .enums import InstitutionKind


class Institution(models.Model):
    """A bank, buyer or government office the province registered; it calls the API with its keys."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=InstitutionKind.choices)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    contact = models.CharField(_("contact person and telephone"), max_length=200, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(_("registered"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    def __str__(self):
        return self.name


class ApiKey(models.Model):
    """One API key of an institution. The key is shown once; only its prefix (to find it) and its SHA-256
    (to check it) are stored. A revoked key stays, so its log stays readable."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="keys")
    label = models.CharField(_("label"), max_length=100, blank=True)
    prefix = models.CharField(_("key prefix"), max_length=16, unique=True)
    hashed = models.CharField(max_length=64)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("issued"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self):
        return f"{self.institution_id} {self.prefix}…"


class ApiKeyUse(models.Model):
    """Every request made with a key, allowed or refused: when, what, how many items, the answer."""

    key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="uses")
    at = models.DateTimeField(_("at"))
    method = models.CharField(max_length=8)
    path = models.CharField(_("address"), max_length=300)
    items = models.PositiveIntegerField(_("items"), default=0)
    outcome = models.CharField(_("outcome"), max_length=20)
    address = models.CharField(_("client address"), max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("API key use")
        verbose_name_plural = _("API key uses")
        indexes = [models.Index(fields=["key", "-at"], name="apikeyuse_key_at")]

    def __str__(self):
        return f"{self.key_id} {self.method} {self.path} {self.outcome}"


class Consent(models.Model):
    """The enterprise lets one institution (or whoever holds a one-time link) see its detailed scorecard until
    `expires_at` (exclusive). Withdrawn at any time; a link works once."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="consents")
    institution = models.ForeignKey(Institution, verbose_name=_("institution"), on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="consents")
    link_prefix = models.CharField(max_length=16, blank=True)
    link_hashed = models.CharField(max_length=64, blank=True)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(_("granted"))
    expires_at = models.DateTimeField(_("expires"))
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    used_at = models.DateTimeField(_("link used"), null=True, blank=True)

    class Meta:
        ordering = ["-granted_at", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            # Exactly one audience: a named institution, or a one-time link.
            models.CheckConstraint(condition=(Q(institution__isnull=False, link_hashed="")
                                              | Q(institution__isnull=True) & ~Q(link_hashed="")),
                                   name="consent_one_audience"),
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("granted_at")),
                                   name="consent_expires_after_grant"),
        ]
        indexes = [models.Index(fields=["institution", "unit"], name="consent_institution_unit")]

    def __str__(self):
        return f"{self.unit_id} → {self.institution_id or 'link'} until {self.expires_at:%Y-%m-%d}"


class ConsentAccess(models.Model):
    """Who looked at the scorecard under a consent, and when: what the enterprise sees."""

    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, related_name="accesses")
    at = models.DateTimeField(_("at"))
    key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    via = models.CharField(_("via"), max_length=10)  # "api" or "link"
    address = models.CharField(_("client address"), max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("scorecard access")
        verbose_name_plural = _("scorecard accesses")

    def __str__(self):
        return f"{self.consent_id} {self.via} {self.at:%Y-%m-%d %H:%M}"
