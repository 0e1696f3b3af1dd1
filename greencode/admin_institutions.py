"""Institutions, API keys, their use, consents and looks: read-only in the admin (they change through the
province's and the enterprise's audited pages; a key's hash is never shown)."""

from django.contrib import admin

from registry.admin import ReadOnlyAdmin

from .models import ApiKey, ApiKeyUse, Consent, ConsentAccess, Institution


@admin.register(Institution)
class InstitutionAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "registered_at", "registered_by")
    list_filter = ("kind",)
    search_fields = ("name", "credit_code")


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyAdmin):
    list_display = ("prefix", "institution", "label", "issued_at", "last_used_at", "revoked_at")
    exclude = ("hashed",)
    list_select_related = ("institution",)


@admin.register(ApiKeyUse)
class ApiKeyUseAdmin(ReadOnlyAdmin):
    list_display = ("at", "key", "method", "path", "items", "outcome", "address")
    list_filter = ("outcome",)
    list_select_related = ("key",)


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ("unit", "institution", "granted_at", "expires_at", "withdrawn_at", "used_at")
    exclude = ("link_hashed", "link_prefix")
    list_select_related = ("unit", "institution")


@admin.register(ConsentAccess)
class ConsentAccessAdmin(ReadOnlyAdmin):
    list_display = ("at", "consent", "via", "key", "address")
