"""Who is on the green-manufacturing lists, and who may act for whom."""

import unicodedata

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .creditcode import validate_credit_code
from .enums import BATCH_CHOICES, HistorySource, IndustryGroup, Level, MembershipScope, UnitKind, UnitStatus


def name_error(name: str) -> str | None:
    """A unit's name is one line of printable text: a control character (newline, tab, …) breaks mail
    headers, exports and the printed certificate."""
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        return str(_("The name may not contain line breaks, tabs or other control characters."))
    return None


def validate_unit_name(name: str) -> None:
    message = name_error(name)
    if message:
        raise ValidationError(message)


class User(AbstractUser):
    """A person. What they may see comes only from their memberships (see registry.access)."""

    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.username


class City(models.Model):
    """One of Guangdong's 21 prefecture-level cities (GB/T 2260 code)."""

    code = models.CharField(_("division code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=20, unique=True)
    name_en = models.CharField(_("English name"), max_length=40, blank=True)
    seed_order = models.PositiveSmallIntegerField(
        _("order in the provincial statistics table"), unique=True,
        help_text=_("The order of the city in 附件2 of 粤工信节能函〔2024〕2号."),
    )

    class Meta:
        ordering = ["seed_order"]
        verbose_name = _("city")
        verbose_name_plural = _("cities")

    def __str__(self):
        return self.name


class Industry(models.Model):
    """A division of GB/T 4754-2017 (manufacturing 13-43, utilities 44-46)."""

    code = models.CharField(_("division code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=60)
    group = models.CharField(_("MIIT industry group"), max_length=20, choices=IndustryGroup.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = _("industry")
        verbose_name_plural = _("industries")

    def __str__(self):
        return f"{self.code} {self.name}"


class Unit(models.Model):
    """A listed unit: a green factory, a green industrial park or a green supply-chain firm."""

    name = models.CharField(_("name"), max_length=200, db_index=True, validators=[validate_unit_name])
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, default=Level.NATIONAL)
    batch = models.PositiveSmallIntegerField(_("batch"), choices=BATCH_CHOICES, null=True, blank=True)
    year_listed = models.PositiveSmallIntegerField(_("year listed"))
    status = models.CharField(_("status"), max_length=20, choices=UnitStatus.choices, default=UnitStatus.LISTED)
    status_date = models.DateField(_("status date"), null=True, blank=True)
    status_reason = models.CharField(_("reason for the status"), max_length=500, blank=True)
    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="units")
    industry = models.ForeignKey(
        Industry, verbose_name=_("industry"), on_delete=models.PROTECT, related_name="units", null=True, blank=True
    )
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["city__seed_order", "name"]
        verbose_name = _("listed unit")
        verbose_name_plural = _("listed units")
        indexes = [
            models.Index(fields=["city", "kind", "status"], name="unit_city_kind_status"),
            models.Index(fields=["kind", "level", "status"], name="unit_kind_level_status"),
            models.Index(fields=["industry", "kind"], name="unit_industry_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=UnitKind.PARK) | Q(industry__isnull=False),
                name="unit_factory_or_firm_has_industry",
                violation_error_message=_("A factory or a supply-chain firm must have an industry."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_listed(self) -> bool:
        return self.status == UnitStatus.LISTED

    @property
    def masked_credit_code(self) -> str:
        """The code with its middle hidden, for public pages: 9144********1234X."""
        return self.credit_code[:4] + "*" * 9 + self.credit_code[-5:]


class UnitHistory(models.Model):
    """One change of one field of a unit: who, when, why, old value, new value. Never edited."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="history")
    field = models.CharField(_("field"), max_length=40)
    old_value = models.CharField(_("old value"), max_length=500, blank=True)
    new_value = models.CharField(_("new value"), max_length=500, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=HistorySource.choices, default=HistorySource.MANUAL)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("changed at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("unit history entry")
        verbose_name_plural = _("unit history")

    def __str__(self):
        return f"{self.unit_id} {self.field}: {self.old_value} → {self.new_value}"

    def _display(self, raw: str) -> str:
        try:
            field = Unit._meta.get_field(self.field)
        except Exception:  # a field that no longer exists keeps its stored value
            return raw
        choices = {str(k): v for k, v in (field.choices or [])}
        return str(choices.get(raw, raw))

    @property
    def old_display(self) -> str:
        return self._display(self.old_value)

    @property
    def new_display(self) -> str:
        return self._display(self.new_value)

    @property
    def field_label(self) -> str:
        try:
            return Unit._meta.get_field(self.field).verbose_name
        except Exception:  # a field that no longer exists keeps its stored name
            return self.field


class Membership(models.Model):
    """Ties a person to the province, to one city bureau, or to one unit. A person may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    scope = models.CharField(_("scope"), max_length=20, choices=MembershipScope.choices)
    city = models.ForeignKey(
        City, verbose_name=_("city"), on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(scope=MembershipScope.PROVINCE, city__isnull=True, unit__isnull=True)
                    | Q(scope=MembershipScope.CITY, city__isnull=False, unit__isnull=True)
                    | Q(scope=MembershipScope.UNIT, city__isnull=True, unit__isnull=False)
                ),
                name="membership_scope_matches_target",
                violation_error_message=_(
                    "A provincial membership names nothing, a city membership names a city, "
                    "and an enterprise membership names a unit."
                ),
            ),
            models.UniqueConstraint(
                fields=["user"], condition=Q(scope=MembershipScope.PROVINCE), name="membership_unique_province"
            ),
            models.UniqueConstraint(
                fields=["user", "city"], condition=Q(scope=MembershipScope.CITY), name="membership_unique_city"
            ),
            models.UniqueConstraint(
                fields=["user", "unit"], condition=Q(scope=MembershipScope.UNIT), name="membership_unique_unit"
            ),
        ]

    def __str__(self):
        target = self.city or self.unit or _("Guangdong Province")
        return f"{self.user} · {self.get_scope_display()} · {target}"
