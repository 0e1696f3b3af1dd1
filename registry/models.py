"""Who is on the green-manufacturing lists, and who may act for whom."""

import unicodedata

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .creditcode import credit_code_problem
from .enums import (
    BATCH_CHOICES,
    DistrictKind,
    HistorySource,
    IndustryGroup,
    Level,
    ListPurpose,
    MembershipScope,
    UnitKind,
    UnitStatus,
)


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


class District(models.Model):
    """A review area below the city: a county-level division (GB/T 2260, from fixtures/districts.json),
    深汕特别合作区, or an area a city added to review through (a development zone, a town of 中山 or 东莞)."""

    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="districts")
    name = models.CharField(_("name"), max_length=60, validators=[validate_unit_name])
    code = models.CharField(
        _("division code"), max_length=6, blank=True,
        help_text=_("The GB/T 2260 code of a county-level division; empty for an area the city added."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=DistrictKind.choices, default=DistrictKind.REVIEW_AREA)
    division_type = models.CharField(_("type of division"), max_length=10, blank=True)

    class Meta:
        ordering = ["city__seed_order", "kind", "code", "name"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        constraints = [
            models.UniqueConstraint(fields=["city", "name"], name="district_unique_name_in_city"),
            models.UniqueConstraint(fields=["code"], condition=~Q(code=""), name="district_unique_code"),
        ]

    def __str__(self):
        return self.name


class PublishedList(models.Model):
    """One list MIIT published: a batch (第一批 … 第八批) or a year's list (2024年度 …), or a year's removals.

    A unit records the list it came from (Unit.listed_in) and, once removed, the list that removed it."""

    name = models.CharField(_("list"), max_length=20, help_text=_("As MIIT names it: 第八批, 2024年度."))
    purpose = models.CharField(_("purpose"), max_length=10, choices=ListPurpose.choices, default=ListPurpose.LISTING)
    batch = models.PositiveSmallIntegerField(_("batch"), choices=BATCH_CHOICES, null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    notice = models.CharField(_("notice number"), max_length=100, blank=True)
    published_on = models.DateField(_("publication date"), null=True, blank=True)

    class Meta:
        ordering = ["purpose", "year", "batch", "name"]
        verbose_name = _("published list")
        verbose_name_plural = _("published lists")
        constraints = [models.UniqueConstraint(fields=["name", "purpose"], name="published_list_unique_name")]

    def __str__(self):
        if self.purpose == ListPurpose.REMOVAL:
            return f"{self.name}（移出）"
        return self.name


class Enterprise(models.Model):
    """A legal entity (法人). It owns the credit code and holds any number of listed units: its listings on
    several lists, and its branches and plants (分公司, 分厂), which carry its code unless they have one of
    their own. Enterprise accounts belong to it and act for all its units."""

    name = models.CharField(_("name"), max_length=200, db_index=True, validators=[validate_unit_name])
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, null=True, blank=True,
        help_text=_("Empty until known: MIIT's published lists print no code."),
    )
    code_check_waiver = models.CharField(
        _("why a code that fails the check character is kept"), max_length=500, blank=True,
        help_text=_("Only the province records it, for a legal code issued before 2016 that fails the GB 32100 check."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")

    def __str__(self):
        return self.name

    def clean(self):
        if self.credit_code:
            problem = credit_code_problem(self.credit_code)
            if problem and not (problem.kind == "check" and self.code_check_waiver.strip()):
                raise ValidationError({"credit_code": problem.message})


class Unit(models.Model):
    """A listed unit: a green factory, a green industrial park or a green supply-chain firm, on one list.

    It belongs to an enterprise (the legal entity). `credit_code` is a denormalised read, kept by
    registry.services only: the unit's own branch registration code where it has one, else its enterprise's
    code (empty while the enterprise's code is unknown). It is kept so that exports, uploads and searches
    read the code without a join."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="units"
    )
    name = models.CharField(_("name"), max_length=200, db_index=True, validators=[validate_unit_name])
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True, db_index=True)
    branch_code = models.CharField(
        _("own registration code of the branch"), max_length=18, blank=True,
        help_text=_("Only for a branch or plant registered on its own; otherwise it carries its enterprise's code."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, default=Level.NATIONAL)
    listed_in = models.ForeignKey(
        PublishedList, verbose_name=_("list"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="units", limit_choices_to={"purpose": ListPurpose.LISTING},
    )
    batch = models.PositiveSmallIntegerField(_("batch"), choices=BATCH_CHOICES, null=True, blank=True)
    year_listed = models.PositiveSmallIntegerField(_("year listed"))
    evaluator = models.CharField(_("third-party evaluator"), max_length=200, blank=True)
    removed_in = models.ForeignKey(
        PublishedList, verbose_name=_("removed by the list"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="removed_units", limit_choices_to={"purpose": ListPurpose.REMOVAL},
    )
    status = models.CharField(_("status"), max_length=20, choices=UnitStatus.choices, default=UnitStatus.LISTED)
    status_date = models.DateField(_("status date"), null=True, blank=True)
    status_reason = models.CharField(_("reason for the status"), max_length=500, blank=True)
    city = models.ForeignKey(City, verbose_name=_("city"), on_delete=models.PROTECT, related_name="units")
    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="units", null=True, blank=True
    )
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

    def clean(self):
        if self.district_id and self.city_id and self.district.city_id != self.city_id:
            raise ValidationError({"district": _("The district must be one of the unit's city.")})
        if self.listed_in_id and (self.batch, self.year_listed) != (self.listed_in.batch, self.listed_in.year):
            raise ValidationError({"listed_in": _("The batch and the year listed follow the list.")})

    @property
    def is_listed(self) -> bool:
        return self.status == UnitStatus.LISTED

    @property
    def is_branch(self) -> bool:
        """A listed unit under another name than its legal entity's: a branch, a plant (分公司, 分厂)."""
        return self.name != self.enterprise.name

    @property
    def list_label(self) -> str:
        """The list the unit came from, as MIIT names it (第八批, 2024年度), else its batch or ""."""
        if self.listed_in_id:
            return self.listed_in.name
        return str(self.get_batch_display()) if self.batch else ""

    @property
    def masked_credit_code(self) -> str:
        """The code with its middle hidden, for public pages: 9144********1234X."""
        if not self.credit_code:
            return ""
        return self.credit_code[:4] + "*" * 9 + self.credit_code[-5:]


class HistoryEntry(models.Model):
    """One change of one field of a registry record: who, when, why, old value, new value. Never edited.

    The record's model is `subject_model`; its concrete subclasses add the foreign key to it.
    """

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

    subject_model: type[models.Model]

    class Meta:
        abstract = True
        ordering = ["-at", "-id"]

    @property
    def field_label(self) -> str:
        try:
            return self.subject_model._meta.get_field(self.field).verbose_name
        except Exception:  # a field that no longer exists keeps its stored name
            return self.field


class UnitHistory(HistoryEntry):
    """One change of one field of a unit."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="history")
    subject_model = Unit

    class Meta(HistoryEntry.Meta):
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


class EnterpriseHistory(HistoryEntry):
    """One change of an enterprise (its name, its credit code)."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="history"
    )
    subject_model = Enterprise

    class Meta(HistoryEntry.Meta):
        verbose_name = _("enterprise history entry")
        verbose_name_plural = _("enterprise history")

    def __str__(self):
        return f"{self.enterprise_id} {self.field}: {self.old_value} → {self.new_value}"


class Membership(models.Model):
    """Ties a person to the province, to a city bureau, to a district, to an enterprise (the legal entity:
    it acts for all the enterprise's units) or to one listed unit. A person may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    scope = models.CharField(_("scope"), max_length=20, choices=MembershipScope.choices)
    city = models.ForeignKey(
        City, verbose_name=_("city"), on_delete=models.CASCADE, null=True, blank=True, related_name="memberships"
    )
    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="memberships",
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="memberships",
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
                    Q(scope=MembershipScope.PROVINCE, city__isnull=True, district__isnull=True,
                      enterprise__isnull=True, unit__isnull=True)
                    | Q(scope=MembershipScope.CITY, city__isnull=False, district__isnull=True,
                        enterprise__isnull=True, unit__isnull=True)
                    | Q(scope=MembershipScope.DISTRICT, city__isnull=True, district__isnull=False,
                        enterprise__isnull=True, unit__isnull=True)
                    | Q(scope=MembershipScope.ENTERPRISE, city__isnull=True, district__isnull=True,
                        enterprise__isnull=False, unit__isnull=True)
                    | Q(scope=MembershipScope.UNIT, city__isnull=True, district__isnull=True,
                        enterprise__isnull=True, unit__isnull=False)
                ),
                name="membership_scope_matches_target",
                violation_error_message=_(
                    "A provincial membership names nothing; a city, district, enterprise or unit membership names "
                    "exactly that one."
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
            models.UniqueConstraint(
                fields=["user", "district"], condition=Q(scope=MembershipScope.DISTRICT),
                name="membership_unique_district",
            ),
            models.UniqueConstraint(
                fields=["user", "enterprise"], condition=Q(scope=MembershipScope.ENTERPRISE),
                name="membership_unique_enterprise",
            ),
        ]

    def __str__(self):
        target = self.city or self.district or self.enterprise or self.unit or _("Guangdong Province")
        return f"{self.user} · {self.get_scope_display()} · {target}"


class ListImport(models.Model):
    """One upload of a list MIIT published (registry.published_lists): the rows as read, the province's
    decisions on the open rows, and when it was applied. The plan (matched / new / ambiguous / needs a city)
    is worked out afresh from these against the registry as it is, so a stale upload cannot apply old
    guesses."""

    list_name = models.CharField(_("list"), max_length=20)
    purpose = models.CharField(_("purpose"), max_length=10, choices=ListPurpose.choices, default=ListPurpose.LISTING)
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    notice = models.CharField(_("notice number"), max_length=100, blank=True)
    published_on = models.DateField(_("publication date"), null=True, blank=True)
    filename = models.CharField(_("file"), max_length=200, blank=True)
    rows = models.JSONField(_("rows as read"), default=list)
    decisions = models.JSONField(_("decisions on open rows"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("applied by"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import of a published list")
        verbose_name_plural = _("imports of published lists")

    def __str__(self):
        return f"{self.list_name} · {self.get_kind_display()} · {self.filename}"
