from django.contrib import admin

from .models import Benchmark, CohortState, GreenCode, MethodPage, ScoreRun


@admin.register(ScoreRun)
class ScoreRunAdmin(admin.ModelAdmin):
    list_display = ("id", "year", "level", "status", "graded", "inputs", "started_at", "finished_at")
    list_filter = ("level", "status", "year")
    readonly_fields = [f.name for f in ScoreRun._meta.fields]


@admin.register(GreenCode)
class GreenCodeAdmin(admin.ModelAdmin):
    list_display = ("number", "unit", "year", "grade", "valid_until", "revoked_at", "withdrawn_at")
    list_filter = ("year", "grade")
    search_fields = ("number", "unit__name", "unit__credit_code")
    raw_id_fields = ("unit", "score", "applied_by")


@admin.register(Benchmark)
class BenchmarkAdmin(admin.ModelAdmin):
    list_display = ("industry", "code", "baseline", "leading", "set_at")
    raw_id_fields = ("set_by",)


admin.site.register(MethodPage)
admin.site.register(CohortState)
