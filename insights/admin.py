from django.contrib import admin

from accounts.models import ArrSnapshot

from .models import ExchangeRate, KpiSnapshot, Spend


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


@admin.register(KpiSnapshot)
class KpiSnapshotAdmin(admin.ModelAdmin):
    list_display = ["snapshot_date", "grouping", "group_label", "kpi", "value", "sample_size", "run_id"]
    list_filter = ["grouping", "kpi"]
    date_hierarchy = "snapshot_date"

    def has_add_permission(self, request):
        # Snapshots are written by the recompute pipeline only.
        return False

    def has_change_permission(self, request, obj=None):
        return False
