from django.contrib import admin

from .models import CadenceStep, Enrollment, EnrollmentChange, JourneyStage, Play


class CadenceStepInline(admin.TabularInline):
    model = CadenceStep
    extra = 0


@admin.register(Play)
class PlayAdmin(admin.ModelAdmin):
    list_display = ["name", "status", "motion", "owner_team", "coverage", "enrollment_cap", "sla_hours", "updated_at"]
    list_filter = ["status", "motion", "owner_team", "coverage"]
    search_fields = ["name", "slug"]
    filter_horizontal = ["entry_segments"]
    readonly_fields = ["overflow_count"]
    inlines = [CadenceStepInline]


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    """Read-only: the recompute writes enrollments."""

    list_display = ["account", "play", "status", "entered_at", "exited_at", "exit_reason", "sla_status"]
    list_filter = ["status", "sla_status", "exit_reason", "play"]
    raw_id_fields = ["account", "first_touch_event"]
    search_fields = ["account__name", "account__external_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EnrollmentChange)
class EnrollmentChangeAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "play", "account", "occurred_at", "recorded_at"]
    list_filter = ["kind", "play"]
    raw_id_fields = ["enrollment", "account"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(JourneyStage)
class JourneyStageAdmin(admin.ModelAdmin):
    list_display = ["position", "key", "name"]
    ordering = ["-position"]
