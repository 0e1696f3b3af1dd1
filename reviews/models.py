"""The yearly dynamic-management campaign: filings, the city's review, proposals, decisions, incidents."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.enums import UnitKind
from registry.models import City, Unit

from .enums import (
    AssessmentConclusion,
    CheckVerdict,
    ComplianceItem,
    ComplianceResult,
    ComplianceSource,
    Disposition,
    FilingState,
    FlagKind,
    FlagVerdict,
    IncidentKind,
    MiitOutcome,
    Outcome,
    ProposalState,
    RemoveReason,
)
from .labels import ACTION_LABELS, ALL_STATE_LABELS

User = settings.AUTH_USER_MODEL


class Campaign(models.Model):
    """One year's dynamic management. Deadlines are dates in Beijing time; a deadline day ends at 24:00."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True, validators=[MinValueValidator(2016)])
    title = models.CharField(_("title"), max_length=200, blank=True)
    filing_opens = models.DateField(_("filing opens"))
    filing_due = models.DateField(_("filing due"))
    city_review_due = models.DateField(_("city review due"))
    province_report_due = models.DateField(_("province report due"))
    district_review_due = models.DateField(
        _("district review due"), null=True, blank=True,
        help_text=_("Where a city reviews through districts: the day the districts send their first review to the "
                    "city. Empty: the city review deadline."),
    )
    district_cities = models.ManyToManyField(
        City, verbose_name=_("cities reviewing through districts"), blank=True, related_name="district_campaigns",
        help_text=_("Each city decides for itself; its district reviewers then do the first review."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(filing_opens__lte=models.F("filing_due"))
                & Q(filing_due__lte=models.F("city_review_due"))
                & Q(city_review_due__lte=models.F("province_report_due")),
                name="campaign_deadlines_in_order",
                violation_error_message=_(
                    "The dates must come in order: filing opens, filing due, city review due, province report due."
                ),
            ),
            models.CheckConstraint(
                condition=Q(district_review_due__isnull=True)
                | (Q(filing_due__lte=models.F("district_review_due"))
                   & Q(district_review_due__lte=models.F("city_review_due"))),
                name="campaign_district_deadline_in_order",
                violation_error_message=_("The district review deadline falls between the filing deadline and the "
                                          "city review deadline."),
            ),
        ]

    def __str__(self):
        return self.title or _("%(year)d dynamic management") % {"year": self.year}

    @property
    def data_year(self) -> int:
        """Filings report the year before the campaign (the 2024 campaign collects 2023 data)."""
        return self.year - 1

    @staticmethod
    def passed(deadline: dt.date, now: dt.datetime | None = None) -> bool:
        """True once the deadline day is over in Beijing time."""
        return timezone.localdate(now) > deadline

    @property
    def district_due(self) -> dt.date:
        """The districts' deadline: its own date where set, else the city review deadline."""
        return self.district_review_due or self.city_review_due

    def is_filing_open(self, now=None) -> bool:
        return timezone.localdate(now) >= self.filing_opens

    @classmethod
    def current(cls) -> Campaign | None:
        """The newest campaign that has opened, else the newest one."""
        today = timezone.localdate()
        return cls.objects.filter(filing_opens__lte=today).order_by("-year").first() or cls.objects.first()


def _amount(verbose, unit, **kwargs):
    return models.DecimalField(
        verbose, max_digits=18, decimal_places=4, null=True, blank=True,
        validators=[MinValueValidator(Decimal(0))], help_text=unit, **kwargs,
    )


def _count(verbose, **kwargs):
    return models.PositiveIntegerField(verbose, null=True, blank=True, **kwargs)


class Filing(models.Model):
    """A unit's 动态管理表 for one campaign. The enterprise enters totals; indicators are derived."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="filings")
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="filings")
    state = models.CharField(_("state"), max_length=20, choices=FilingState.choices, default=FilingState.DRAFT,
                             db_index=True)
    version = models.PositiveIntegerField(_("version"), default=1, help_text=_("Raised on every save; a stale form is refused."))
    months_reported = models.PositiveSmallIntegerField(
        _("months reported"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("A filing covers the whole calendar year: 12 months."),
    )

    # Factory totals
    output_value = _amount(_("industrial output value"), "万元")
    product_name = models.CharField(_("main product"), max_length=100, blank=True)
    product_unit = models.CharField(_("unit of the main product"), max_length=20, blank=True, help_text=_("e.g. 吨, 台, 件"))
    product_output = _amount(_("output of the main product"), _("in the product's unit"))
    energy_tce = _amount(_("comprehensive energy consumption"), "tce")
    renewable_energy_tce = _amount(_("renewable energy used"), "tce")
    co2_t = _amount(_("CO₂ emissions"), "tCO₂")
    water_withdrawn_m3 = _amount(_("water withdrawn"), "m³")
    water_reused_m3 = _amount(_("water reused"), "m³")
    raw_material_t = _amount(_("main raw material consumed"), "t")
    green_material_t = _amount(_("green materials used"), "t")
    solid_waste_generated_t = _amount(_("general solid waste generated"), "t")
    solid_waste_utilised_t = _amount(_("general solid waste utilised"), "t")
    pollutant_kg = _amount(_("main pollutants generated"), "kg")
    wastewater_m3 = _amount(_("wastewater generated"), "m³")
    waste_gas_10k_m3 = _amount(_("waste gas generated"), "万m³")
    product_models = _count(_("product models"))
    products_with_footprint = _count(_("product models with a carbon footprint"))
    land_area_m2 = _amount(_("land area"), "m²")
    floor_area_m2 = _amount(_("total floor area"), "m²")
    building_footprint_m2 = _amount(_("building footprint"), "m²")

    # Park totals (energy, CO₂, water, solid waste and renewable energy are shared with factories)
    value_added = _amount(_("industrial value added"), "万元")
    park_enterprises = _count(_("industrial enterprises in the park"))
    park_green_factories = _count(_("green factories in the park"))

    # Supply-chain firm totals
    purchase_total = _amount(_("total purchasing"), "万元")
    green_purchase = _amount(_("green purchasing"), "万元")
    suppliers_total = _count(_("suppliers"))
    suppliers_audited = _count(_("audited or green suppliers"))
    products_sold_t = _amount(_("products sold"), "t")
    products_recovered_t = _amount(_("products recovered"), "t")
    packaging_used_t = _amount(_("packaging used"), "t")
    packaging_recovered_t = _amount(_("packaging recovered"), "t")
    publishes_report = models.BooleanField(_("publishes a green supply-chain report"), null=True, blank=True)

    # Major changes during the year
    name_changed = models.BooleanField(_("the name changed"), default=False)
    new_name = models.CharField(_("new name"), max_length=200, blank=True)
    relocated = models.BooleanField(_("relocated"), default=False)
    production_stopped = models.BooleanField(_("production stopped"), default=False)
    stopped_months = models.PositiveSmallIntegerField(
        _("months stopped"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    had_accident = models.BooleanField(_("safety, quality or environmental accident"), default=False)
    penalised = models.BooleanField(_("administrative penalty"), default=False)
    scope_changed = models.BooleanField(_("the business scope changed"), default=False)
    address_changed = models.BooleanField(_("the production address changed"), default=False)
    boundary_changed = models.BooleanField(_("the organisational boundary changed"), default=False)
    restructured = models.BooleanField(_("merger, acquisition or restructuring"), default=False)
    changes_note = models.TextField(_("details of the changes"), blank=True)

    # Compliance (粤工信节能函〔2024〕37号): the enterprise's own answer per item; "yes" is a finding.
    # (Administrative penalties are the `penalised` answer above.) The city verifies each item (ComplianceCheck).
    on_abnormal_list = models.BooleanField(_("on the list of abnormal operations (经营异常名录)"), default=False)
    seriously_dishonest = models.BooleanField(_("on the list of seriously dishonest entities (严重失信)"), default=False)
    judgment_defaulter = models.BooleanField(_("listed as a judgment defaulter (失信被执行人)"), default=False)
    no_discharge_permit = models.BooleanField(
        _("no valid pollutant discharge permit or registration (排污许可证)"), default=False)
    rectification_open = models.BooleanField(_("energy-inspection rectification not finished (节能监察整改)"),
                                             default=False)

    # The city's disposition of a declared accident, penalty or compliance finding (needed before acceptance).
    disposition = models.CharField(_("disposition"), max_length=20, choices=Disposition.choices, blank=True)
    disposition_note = models.TextField(_("disposition note"), blank=True)
    disposition_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    disposition_at = models.DateTimeField(_("disposition recorded"), null=True, blank=True)

    # A return that can be answered: the enterprise's answer, and what the filing held when it was returned.
    return_answer = models.TextField(_("answer to the city's return"), blank=True)
    returned_fingerprint = models.CharField(max_length=64, blank=True, editable=False)

    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True, db_index=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(User, verbose_name=_("updated by"), on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")

    FACTORY_TOTALS = (
        "output_value", "product_output", "energy_tce", "renewable_energy_tce", "co2_t", "water_withdrawn_m3",
        "water_reused_m3", "raw_material_t", "green_material_t", "solid_waste_generated_t", "solid_waste_utilised_t",
        "pollutant_kg", "wastewater_m3", "waste_gas_10k_m3", "product_models", "products_with_footprint",
        "land_area_m2", "floor_area_m2", "building_footprint_m2",
    )
    PARK_TOTALS = (
        "value_added", "energy_tce", "renewable_energy_tce", "co2_t", "water_withdrawn_m3",
        "solid_waste_generated_t", "solid_waste_utilised_t", "park_enterprises", "park_green_factories",
    )
    CHAIN_TOTALS = (
        "purchase_total", "green_purchase", "suppliers_total", "suppliers_audited", "products_sold_t",
        "products_recovered_t", "packaging_used_t", "packaging_recovered_t",
    )
    TOTALS_BY_KIND = {UnitKind.FACTORY: FACTORY_TOTALS, UnitKind.PARK: PARK_TOTALS, UnitKind.SUPPLY_CHAIN: CHAIN_TOTALS}
    # Totals a submission cannot leave blank, per kind.
    REQUIRED_BY_KIND = {
        UnitKind.FACTORY: ("output_value", "energy_tce", "co2_t", "water_withdrawn_m3", "land_area_m2"),
        UnitKind.PARK: ("value_added", "energy_tce", "co2_t", "water_withdrawn_m3", "park_enterprises",
                        "park_green_factories"),
        UnitKind.SUPPLY_CHAIN: ("purchase_total", "green_purchase", "suppliers_total", "suppliers_audited"),
    }

    # The compliance block: the enterprise's answer to each item ("yes" is a finding).
    COMPLIANCE_ANSWERS = {
        ComplianceItem.ABNORMAL_LIST: "on_abnormal_list",
        ComplianceItem.SERIOUS_DISHONESTY: "seriously_dishonest",
        ComplianceItem.JUDGMENT_DEFAULTER: "judgment_defaulter",
        ComplianceItem.PENALTIES: "penalised",
        ComplianceItem.DISCHARGE_PERMIT: "no_discharge_permit",
        ComplianceItem.RECTIFICATION: "rectification_open",
    }
    # Declared changes that need the city's explicit disposition before the filing can be accepted.
    SERIOUS_CHANGES = ("had_accident", "penalised")
    # Bookkeeping, not what the enterprise declared: left out when telling whether a resubmission changed anything.
    NOT_DECLARED = frozenset({
        "id", "campaign", "unit", "state", "version", "submitted_at", "accepted_at", "return_reason", "return_answer",
        "returned_fingerprint", "created_at", "updated_at", "updated_by", "disposition", "disposition_note",
        "disposition_by", "disposition_at",
    })

    class Meta:
        ordering = ["unit__city__seed_order", "unit__name"]
        verbose_name = _("dynamic-management filing")
        verbose_name_plural = _("dynamic-management filings")
        constraints = [models.UniqueConstraint(fields=["campaign", "unit"], name="filing_one_per_unit_per_campaign")]
        indexes = [models.Index(fields=["campaign", "state"], name="filing_campaign_state")]

    def __str__(self):
        return f"{self.unit} · {self.campaign.year}"

    def totals(self) -> dict[str, Decimal | None]:
        values = {}
        for name in self.TOTALS_BY_KIND[self.unit.kind]:
            value = getattr(self, name)
            values[name] = None if value is None else Decimal(value)
        return values

    @property
    def is_editable(self) -> bool:
        return self.state in (FilingState.DRAFT, FilingState.RETURNED)

    def fingerprint(self) -> str:
        """A digest of everything the enterprise declared (totals, texts, changes, compliance answers)."""
        parts = [f"{f.name}={getattr(self, f.attname)!r}" for f in self._meta.concrete_fields
                 if f.name not in self.NOT_DECLARED]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class FilingIndicator(models.Model):
    """An indicator value derived from a filing's totals; rewritten whenever the filing is saved."""

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("indicator"), max_length=40)
    value = models.DecimalField(_("value"), max_digits=24, decimal_places=6)

    class Meta:
        verbose_name = _("filing indicator")
        verbose_name_plural = _("filing indicators")
        constraints = [models.UniqueConstraint(fields=["filing", "code"], name="filing_indicator_unique")]
        indexes = [models.Index(fields=["code", "filing"], name="filing_indicator_code")]

    def __str__(self):
        return f"{self.code}={self.value}"


class DataFlag(models.Model):
    """A statistical flag on an indicator: the enterprise explains it, the city confirms or rejects it."""

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="flags")
    code = models.CharField(_("indicator"), max_length=40)
    kind = models.CharField(_("kind"), max_length=20, choices=FlagKind.choices)
    value = models.DecimalField(_("value"), max_digits=24, decimal_places=6)
    reference = models.DecimalField(_("reference"), max_digits=24, decimal_places=6, null=True, blank=True,
                                    help_text=_("Last year's value, or the industry median."))
    score = models.DecimalField(_("change or z-score"), max_digits=12, decimal_places=3, null=True, blank=True)
    explanation = models.TextField(_("enterprise's explanation"), blank=True)
    verdict = models.CharField(_("city's verdict"), max_length=20, choices=FlagVerdict.choices,
                               default=FlagVerdict.PENDING)
    verdict_note = models.TextField(_("city's note"), blank=True)
    verdict_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    verdict_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("data flag")
        verbose_name_plural = _("data flags")
        constraints = [models.UniqueConstraint(fields=["filing", "code", "kind"], name="data_flag_unique")]

    def __str__(self):
        return f"{self.filing_id} {self.code} {self.kind}"


class IndicatorCheck(models.Model):
    """The city's verdict on one key indicator of a submitted filing."""

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="checks")
    code = models.CharField(_("indicator"), max_length=40)
    verdict = models.CharField(_("verdict"), max_length=20, choices=CheckVerdict.choices)
    note = models.TextField(_("note"), blank=True)
    checked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(_("checked"), auto_now=True)

    class Meta:
        verbose_name = _("indicator check")
        verbose_name_plural = _("indicator checks")
        constraints = [models.UniqueConstraint(fields=["filing", "code"], name="indicator_check_unique")]

    def __str__(self):
        return f"{self.filing_id} {self.code} {self.verdict}"


class ComplianceCheck(models.Model):
    """The city's verification of one compliance item of a filing: where it looked, when, and what it found."""

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="compliance_checks")
    item = models.CharField(_("item"), max_length=30, choices=ComplianceItem.choices)
    source = models.CharField(_("source checked"), max_length=30, choices=ComplianceSource.choices)
    checked_on = models.DateField(_("date checked"))
    result = models.CharField(_("result"), max_length=20, choices=ComplianceResult.choices)
    note = models.TextField(_("note"), blank=True)
    checked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(_("recorded"), auto_now=True)

    class Meta:
        verbose_name = _("compliance verification")
        verbose_name_plural = _("compliance verifications")
        constraints = [models.UniqueConstraint(fields=["filing", "item"], name="compliance_check_unique")]

    def __str__(self):
        return f"{self.filing_id} {self.item} {self.result}"


class PriorYearValue(models.Model):
    """A key indicator of a year before the unit joined the portal, entered once by the enterprise."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="prior_values")
    year = models.PositiveSmallIntegerField(_("data year"))
    code = models.CharField(_("indicator"), max_length=40)
    value = models.DecimalField(_("value"), max_digits=24, decimal_places=6,
                                validators=[MinValueValidator(Decimal(0))])
    entered_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    entered_at = models.DateTimeField(_("entered"), auto_now=True)

    class Meta:
        verbose_name = _("earlier year's value")
        verbose_name_plural = _("earlier years' values")
        constraints = [models.UniqueConstraint(fields=["unit", "year", "code"], name="prior_value_unique")]

    def __str__(self):
        return f"{self.unit_id} {self.year} {self.code}={self.value}"


class OnSiteAssessment(models.Model):
    """现场评估: required before a proposal when any key indicator is non-compliant."""

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="assessments")
    planned_date = models.DateField(_("planned date"))
    team = models.CharField(_("assessment team"), max_length=300)
    findings = models.TextField(_("findings"), blank=True)
    conclusion = models.CharField(_("conclusion"), max_length=20, choices=AssessmentConclusion.choices, blank=True,
                                  default=AssessmentConclusion.PENDING)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-planned_date", "-id"]
        verbose_name = _("on-site assessment")
        verbose_name_plural = _("on-site assessments")

    def __str__(self):
        return f"{self.filing} · {self.planned_date}"

    @property
    def is_complete(self) -> bool:
        return bool(self.conclusion) and self.completed_on is not None


class CityPackage(models.Model):
    """A city's submission of its whole set of proposals for a campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="packages")
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="packages")
    submitted_at = models.DateTimeField(_("submitted"))
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    is_late = models.BooleanField(_("late"), default=False)
    note = models.TextField(_("note"), blank=True)
    # The package check at the last submission: what was still open, and the city's reason to submit anyway.
    open_items = models.TextField(_("still open at submission"), blank=True)
    open_items_reason = models.TextField(_("reason to submit anyway"), blank=True)

    class Meta:
        verbose_name = _("city package")
        verbose_name_plural = _("city packages")
        constraints = [models.UniqueConstraint(fields=["campaign", "city"], name="city_package_unique")]

    def __str__(self):
        return f"{self.city} · {self.campaign.year}"


class AdjustmentProposal(models.Model):
    """动态调整意见: the city's proposed outcome for one unit in one campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="proposals")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="proposals")
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    remove_reason = models.CharField(_("reason for removal"), max_length=30, choices=RemoveReason.choices, blank=True)
    rectify_due = models.DateField(_("rectify by"), null=True, blank=True)
    new_name = models.CharField(_("new name"), max_length=200, blank=True)
    reason = models.TextField(_("explanation"), blank=True)
    state = models.CharField(_("state"), max_length=20, choices=ProposalState.choices, default=ProposalState.DRAFT,
                             db_index=True)
    is_default = models.BooleanField(_("opened by the portal"), default=False,
                                     help_text=_("Opened automatically: no filing at the city deadline, or an incident."))
    package = models.ForeignKey(CityPackage, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposals")
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    is_late = models.BooleanField(_("late"), default=False)
    district_submitted_at = models.DateTimeField(_("sent to the city by the district"), null=True, blank=True)
    district_late = models.BooleanField(_("sent after the district deadline"), default=False)
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_comment = models.TextField(_("province's comment"), blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["unit__city__seed_order", "unit__name"]
        verbose_name = _("adjustment proposal")
        verbose_name_plural = _("adjustment proposals")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit"], name="proposal_one_per_unit_per_campaign"),
            models.CheckConstraint(
                condition=~Q(outcome=Outcome.REMOVE) | ~Q(remove_reason=""),
                name="proposal_remove_has_reason",
                violation_error_message=_("A removal needs a reason."),
            ),
            models.CheckConstraint(
                condition=~Q(outcome=Outcome.RENAME) | ~Q(new_name=""),
                name="proposal_rename_has_name",
                violation_error_message=_("A rename needs the new name."),
            ),
            models.CheckConstraint(
                condition=~Q(outcome=Outcome.RECTIFY) | Q(rectify_due__isnull=False),
                name="proposal_rectify_has_due_date",
                violation_error_message=_("Rectification needs a due date."),
            ),
        ]

    def __str__(self):
        return f"{self.unit} · {self.get_outcome_display()}"


class MiitDocument(models.Model):
    """One MIIT decision document (文件): recorded once, against every proposal it decides."""

    number = models.CharField(_("document number"), max_length=100, help_text=_("e.g. 工信厅节函〔2024〕xxx号"))
    decided_on = models.DateField(_("date of MIIT's decision"))
    title = models.CharField(_("document title"), max_length=300)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["-decided_on", "-id"]
        verbose_name = _("MIIT decision document")
        verbose_name_plural = _("MIIT decision documents")

    def __str__(self):
        return f"{self.number} {self.title}"


class MiitDecision(models.Model):
    """MIIT's final word on an approved proposal. Only this changes the registry (removal, rename)."""

    proposal = models.OneToOneField(AdjustmentProposal, on_delete=models.PROTECT, related_name="miit_decision")
    outcome = models.CharField(_("MIIT outcome"), max_length=20, choices=MiitOutcome.choices)
    decided_on = models.DateField(_("date of MIIT's decision"))
    document = models.CharField(_("document number"), max_length=100, blank=True, help_text=_("e.g. 工信厅节函〔2024〕xxx号"))
    source = models.ForeignKey(MiitDocument, verbose_name=_("decision document"), on_delete=models.PROTECT,
                               null=True, blank=True, related_name="decisions")
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("MIIT decision")
        verbose_name_plural = _("MIIT decisions")

    def __str__(self):
        return f"{self.proposal} · {self.get_outcome_display()}"


class IncidentReport(models.Model):
    """A major safety, quality or environmental accident at a listed unit; blocks its green code."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="incidents")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="incidents")
    kind = models.CharField(_("kind"), max_length=20, choices=IncidentKind.choices)
    occurred_on = models.DateField(_("date of the accident"))
    description = models.TextField(_("what happened"))
    reported_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(_("reported"), auto_now_add=True)

    class Meta:
        ordering = ["-reported_at"]
        verbose_name = _("incident report")
        verbose_name_plural = _("incident reports")

    def __str__(self):
        return f"{self.unit} · {self.get_kind_display()} · {self.occurred_on}"


class Transition(models.Model):
    """The audit trail: every state change of a filing, proposal, package or decision. Never edited."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    action = models.CharField(_("action"), max_length=40)
    from_state = models.CharField(_("from"), max_length=30, blank=True)
    to_state = models.CharField(_("to"), max_length=30, blank=True)
    actor = models.ForeignKey(User, verbose_name=_("by"), on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("transition")
        verbose_name_plural = _("transitions")
        indexes = [models.Index(fields=["content_type", "object_id"], name="transition_subject")]

    def __str__(self):
        return f"{self.action}: {self.from_state} → {self.to_state}"

    @property
    def action_display(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))

    @property
    def from_display(self) -> str:
        return str(ALL_STATE_LABELS.get(self.from_state, self.from_state))

    @property
    def to_display(self) -> str:
        return str(ALL_STATE_LABELS.get(self.to_state, self.to_state))


class ReminderLog(models.Model):
    """One reminder sent once: (campaign, key, user) is unique, so re-running the job sends nothing twice."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="reminders")
    key = models.CharField(max_length=60)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "key", "user"], name="reminder_once")]

    def __str__(self):
        return f"{self.key} → {self.user_id}"


class OutgoingMail(models.Model):
    """A notification written in the same transaction as the business it reports, sent after commit.

    A failing mail server never undoes the business and never loses the message: the row stays unsent,
    the error is kept, and the sender task (and its periodic sweep) tries again.
    """

    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    recipients = models.JSONField(_("recipients"), default=list)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outgoing mail")
        verbose_name_plural = _("outgoing mail")

    def __str__(self):
        return self.subject


from .models_evidence import EvidenceFile  # noqa: E402, F401  (its own module: the evidence files)
