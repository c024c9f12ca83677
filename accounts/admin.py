from django import forms
from django.contrib import admin

from .importing.normalize import matching_form, validate_synonym_value
from .models import Account, Contact, EngagementEvent, ImportRun, IntentSignal, Opportunity, Synonym


class ContactInline(admin.TabularInline):
    model = Contact
    fields = ["first_name", "last_name", "email", "title", "seniority", "buying_role"]
    extra = 0
    show_change_link = True


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "domain",
        "industry",
        "employee_band",
        "country",
        "icp_tier",
        "icp_score",
        "lifecycle_stage",
        "owner",
        "updated_at",
    ]
    list_filter = ["icp_tier", "lifecycle_stage", "motion", "ownership_type", "employee_band", "in_market", "country"]
    search_fields = ["name", "domain", "external_id", "industry"]
    list_select_related = ["owner"]
    raw_id_fields = ["parent", "owner"]
    readonly_fields = [
        "lifecycle_stage",
        "motion",
        "journey_stage",
        "icp_score",
        "icp_tier",
        "engagement_score",
        "in_market",
        "open_pipeline",
        "won_revenue",
        "last_activity_at",
        "buying_roles_covered",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["name", "domain", "external_id", "source", "owner", "parent"]}),
        (
            "Firmographics",
            {
                "fields": [
                    "industry",
                    "employee_count",
                    "employee_band",
                    "annual_revenue",
                    "currency",
                    "country",
                    "region",
                    "state",
                    "city",
                    "ownership_type",
                    "technologies",
                ]
            },
        ),
        ("Sales input and value", {"fields": ["strategic_value", "needs", "arr", "health_score", "extra"]}),
        ("Computed by the pipeline", {"fields": readonly_fields}),
    ]
    inlines = [ContactInline]
    show_full_result_count = False


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["__str__", "email", "account", "title", "seniority", "buying_role", "department"]
    list_filter = ["seniority", "buying_role", "department"]
    search_fields = ["email", "first_name", "last_name", "title", "external_id", "account__name"]
    list_select_related = ["account"]
    raw_id_fields = ["account"]
    show_full_result_count = False


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = ["__str__", "account", "amount", "currency", "status", "type", "stage", "created_date", "closed_date"]
    list_filter = ["status", "type", "currency"]
    search_fields = ["name", "external_id", "account__name"]
    list_select_related = ["account"]
    raw_id_fields = ["account", "owner"]
    date_hierarchy = "created_date"
    show_full_result_count = False


@admin.register(EngagementEvent)
class EngagementEventAdmin(admin.ModelAdmin):
    list_display = ["type", "theme", "account", "contact", "occurred_at"]
    list_filter = ["type"]
    search_fields = ["account__name", "theme", "external_id"]
    list_select_related = ["account", "contact"]
    raw_id_fields = ["account", "contact"]
    show_full_result_count = False


@admin.register(IntentSignal)
class IntentSignalAdmin(admin.ModelAdmin):
    list_display = ["topic", "score", "provider", "account", "observed_at"]
    list_filter = ["provider"]
    search_fields = ["topic", "account__name", "external_id"]
    list_select_related = ["account"]
    raw_id_fields = ["account"]
    show_full_result_count = False


class SynonymAdminForm(forms.ModelForm):
    """Store synonyms in matching form and values in the form the field holds, as the synonym page does."""

    class Meta:
        model = Synonym
        fields = ["kind", "synonym", "value"]

    def clean_synonym(self):
        return matching_form(self.cleaned_data["synonym"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") and cleaned.get("value"):
            try:
                cleaned["value"] = validate_synonym_value(cleaned["kind"], cleaned["value"])
            except ValueError as error:
                self.add_error("value", str(error))
        return cleaned


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["created_at", "file_name", "kind", "source", "status", "created_by", "rows_read", "created",
                    "updated", "unchanged", "rejected", "dry_run"]
    list_filter = ["kind", "status", "dry_run", "source"]
    search_fields = ["file_name", "created_by__username"]
    list_select_related = ["created_by"]
    exclude = ["content"]
    readonly_fields = [field.name for field in ImportRun._meta.fields if field.name != "content"]

    def has_add_permission(self, request):
        # Imports start from the upload page or the import_csv command, which run them.
        return False


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    list_display = ["kind", "synonym", "value", "updated_by", "updated_at"]
    list_filter = ["kind"]
    search_fields = ["synonym", "value"]
    readonly_fields = ["updated_by", "updated_at"]
    form = SynonymAdminForm

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
