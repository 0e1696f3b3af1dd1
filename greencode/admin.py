"""The admin is for operations, not for bypassing rules: runs, scores, codes and their history, cohort state,
benchmarks and published methods are read-only here and cannot be deleted. They change through the audited
services (the province's pages, the commands and the tasks)."""

from django.contrib import admin

from registry.admin import ReadOnlyAdmin

from .models import Benchmark, CohortState, GreenCode, GreenCodeEvent, MethodPage, Score, ScoreRun


@admin.register(ScoreRun)
class ScoreRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "year", "level", "status", "graded", "inputs", "started_at", "finished_at")
    list_filter = ("level", "status", "year")


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    list_display = ("run", "unit", "composite", "rank", "grade", "reason")
    list_filter = ("grade", "reason")
    raw_id_fields = ("run", "unit")
    list_select_related = ("run", "unit")


class GreenCodeEventInline(admin.TabularInline):
    model = GreenCodeEvent
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "action", "from_state", "to_state", "from_grade", "to_grade", "reason", "actor")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(GreenCode)
class GreenCodeAdmin(ReadOnlyAdmin):
    list_display = ("number", "unit", "year", "state", "grade", "valid_until", "revoked_at", "withdrawn_at")
    list_filter = ("year", "grade", "state")
    search_fields = ("number", "unit__name", "unit__credit_code")
    inlines = [GreenCodeEventInline]


@admin.register(GreenCodeEvent)
class GreenCodeEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "code", "action", "from_state", "to_state", "from_grade", "to_grade", "actor")
    list_filter = ("action",)
    list_select_related = ("code", "actor")


@admin.register(Benchmark)
class BenchmarkAdmin(ReadOnlyAdmin):
    list_display = ("industry", "code", "baseline", "leading", "set_by", "set_at")


@admin.register(MethodPage)
class MethodPageAdmin(ReadOnlyAdmin):
    list_display = ("version", "published_at", "published_by")


@admin.register(CohortState)
class CohortStateAdmin(ReadOnlyAdmin):
    list_display = ("year", "level", "pending", "running", "requested_at", "run_started_at", "last_run")

from . import admin_institutions  # noqa: E402, F401  (registers the institutions' read-only admin)
