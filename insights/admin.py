from django.contrib import admin

from accounts.models import ArrSnapshot

from .models import CombinationBuild, ExchangeRate, KpiSnapshot, SegmentCombination, Spend


@admin.register(ArrSnapshot)
class ArrSnapshotAdmin(admin.ModelAdmin):
    list_display = ["account", "month", "arr", "currency", "source", "updated_at"]
    list_filter = ["currency", "source"]
    search_fields = ["account__name", "account__external_id"]
    date_hierarchy = "month"
    raw_id_fields = ["account"]
    list_select_related = ["account"]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ["currency", "valid_from", "rate"]
    list_filter = ["currency"]


@admin.register(Spend)
class SpendAdmin(admin.ModelAdmin):
    list_display = ["month", "segment", "program", "amount", "currency", "description", "source"]
    list_filter = ["currency", "source"]
    search_fields = ["program", "segment__name", "description"]
    date_hierarchy = "month"
    raw_id_fields = ["segment"]


class ComputedAdmin(admin.ModelAdmin):
    """Rows the app computes (KPI snapshots, segment combinations): shown, never added or edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(KpiSnapshot)
class KpiSnapshotAdmin(ComputedAdmin):
    list_display = ["snapshot_date", "grouping", "group_label", "kpi", "value", "sample_size", "run_id"]
    list_filter = ["grouping", "kpi"]
    date_hierarchy = "snapshot_date"


class BuildAdmin(ComputedAdmin):
    """Tables a build replaces as a whole: deleting one row would leave the rest claiming to be current."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SegmentCombination)
class SegmentCombinationAdmin(BuildAdmin):
    list_display = ["key", "account_count"]
    search_fields = ["key"]
    ordering = ["-account_count"]


@admin.register(CombinationBuild)
class CombinationBuildAdmin(BuildAdmin):
    list_display = ["built_at", "accounts", "combinations", "seconds"]
