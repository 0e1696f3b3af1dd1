from django.contrib import admin

from registry.admin import ReadOnlyAdmin  # workflow records change only through the review services

from .models import (
    AdjustmentProposal,
    Campaign,
    CityPackage,
    DataFlag,
    EvidenceFile,
    Filing,
    IncidentReport,
    IndicatorCheck,
    MiitDecision,
    MiitDocument,
    OnSiteAssessment,
    OutgoingMail,
    ReminderLog,
    Transition,
)


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    """Deadlines change on the province's campaign page, which writes the audit record."""

    list_display = ("year", "title", "filing_opens", "filing_due", "district_review_due", "city_review_due",
                    "province_report_due")


@admin.register(Filing)
class FilingAdmin(ReadOnlyAdmin):
    list_display = ("unit", "campaign", "state", "submitted_at", "accepted_at")
    list_filter = ("campaign", "state", "unit__city")
    search_fields = ("unit__name", "unit__credit_code")
    list_select_related = ("unit", "campaign")


@admin.register(AdjustmentProposal)
class AdjustmentProposalAdmin(ReadOnlyAdmin):
    list_display = ("unit", "campaign", "outcome", "state", "is_late", "is_default", "submitted_at")
    list_filter = ("campaign", "state", "outcome", "is_late", "unit__city")
    search_fields = ("unit__name", "unit__credit_code")
    list_select_related = ("unit", "campaign")


@admin.register(Transition)
class TransitionAdmin(ReadOnlyAdmin):
    list_display = ("at", "content_type", "object_id", "action", "from_state", "to_state", "actor")
    list_filter = ("content_type", "action")
    list_select_related = ("content_type", "actor")


@admin.register(EvidenceFile)
class EvidenceFileAdmin(ReadOnlyAdmin):
    """Who attached what to which filing. The stored file itself is reached only through the portal's download (the
    access rule), never from here: no storage link (a bucket's link would bypass the rule)."""

    list_display = ("name", "kind", "target", "unit", "campaign", "size", "content_type", "uploaded_by", "uploaded_at")
    list_filter = ("campaign", "kind", "content_type")
    search_fields = ("name", "sha256", "unit__name", "unit__credit_code")
    list_select_related = ("unit", "campaign", "uploaded_by")
    exclude = ("file",)


for model in (DataFlag, IndicatorCheck, OnSiteAssessment, CityPackage, MiitDecision, MiitDocument, IncidentReport,
              ReminderLog, OutgoingMail):
    admin.site.register(model, ReadOnlyAdmin)
