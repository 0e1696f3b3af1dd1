from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from . import services
from .enums import HistorySource
from .models import (
    City,
    District,
    Enterprise,
    EnterpriseHistory,
    Industry,
    ListImport,
    Membership,
    PublishedList,
    Unit,
    UnitHistory,
    User,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["unit", "enterprise", "district"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + ((_("Portal"), {"fields": ("full_name", "phone")}),)
    list_display = ("username", "full_name", "email", "is_active", "is_staff", "last_login")
    search_fields = ("username", "full_name", "email")
    inlines = [MembershipInline]


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    list_display = ("seed_order", "name", "code", "name_en")
    ordering = ("seed_order",)


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "group")
    list_filter = ("group",)
    search_fields = ("code", "name")


class HistoryInline(admin.TabularInline):
    """A history (registry.models.HistoryEntry) shown read-only under its subject."""

    extra = 0
    can_delete = False
    readonly_fields = ("field", "old_value", "new_value", "reason", "source", "actor", "at")

    def has_add_permission(self, request, obj=None):
        return False


class UnitHistoryInline(HistoryInline):
    model = UnitHistory


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ("name", "city", "kind", "code", "division_type")
    list_filter = ("kind", "city")
    search_fields = ("name", "code")
    list_select_related = ("city",)


@admin.register(PublishedList)
class PublishedListAdmin(admin.ModelAdmin):
    list_display = ("name", "purpose", "batch", "year", "notice", "published_on")
    list_filter = ("purpose",)


class EnterpriseHistoryInline(HistoryInline):
    model = EnterpriseHistory


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    """Read here; the code and the name change through registry.services (with history), on the portal."""

    list_display = ("name", "credit_code", "code_check_waiver")
    search_fields = ("name", "credit_code")
    readonly_fields = ("name", "credit_code", "code_check_waiver", "created_at", "updated_at")
    inlines = [EnterpriseHistoryInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "credit_code", "kind", "level", "listed_in", "city", "district", "status")
    list_filter = ("kind", "level", "status", "city", "listed_in", "batch")
    search_fields = ("name", "credit_code", "enterprise__name")
    list_select_related = ("city", "district", "listed_in")
    autocomplete_fields = ["industry", "enterprise"]
    # Name and status change through the review workflow (a MIIT decision) or the province's import, which
    # write the history and revoke codes; not here. The code follows the enterprise (registry.services). Every
    # other change goes through the registry service too.
    readonly_fields = ("name", "status", "status_date", "status_reason", "enterprise", "credit_code", "branch_code",
                       "removed_in", "created_at", "updated_at")
    inlines = [UnitHistoryInline]

    def get_readonly_fields(self, request, obj=None):
        return ("created_at", "updated_at") if obj is None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            services.create_units([obj], actor=request.user, reason=str(_("Created in the administration")),
                                  source=HistorySource.MANUAL)
            return
        stored = Unit.objects.get(pk=obj.pk)
        values = {n: form.cleaned_data[n] for n in form.changed_data if n in services.TRACKED_FIELDS}
        services.update_unit(stored, actor=request.user, reason=str(_("Changed in the administration")),
                             source=HistorySource.MANUAL, **values)

    def has_delete_permission(self, request, obj=None):
        return False  # a unit leaves the list by removal (with history), never by deletion


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that change only through the services (which write the history or audit trail)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(UnitHistory)
class UnitHistoryAdmin(ReadOnlyAdmin):
    list_display = ("unit", "field", "old_value", "new_value", "source", "actor", "at")
    list_filter = ("field", "source")
    search_fields = ("unit__name", "unit__credit_code")
    list_select_related = ("unit", "actor")


@admin.register(EnterpriseHistory)
class EnterpriseHistoryAdmin(ReadOnlyAdmin):
    list_display = ("enterprise", "field", "old_value", "new_value", "source", "actor", "at")
    list_filter = ("field", "source")
    search_fields = ("enterprise__name", "enterprise__credit_code")
    list_select_related = ("enterprise", "actor")


@admin.register(ListImport)
class ListImportAdmin(ReadOnlyAdmin):
    list_display = ("list_name", "purpose", "kind", "filename", "created_by", "created_at", "applied_at")
    list_filter = ("purpose", "kind")
    list_select_related = ("created_by",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "scope", "city", "district", "enterprise", "unit", "created_at")
    list_filter = ("scope", "city")
    search_fields = ("user__username", "user__full_name", "unit__name", "enterprise__name")
    autocomplete_fields = ["user", "unit", "enterprise", "district"]
    list_select_related = ("user", "city", "district", "enterprise", "unit")
