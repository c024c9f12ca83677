import logging

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from .models import Segment, SegmentMembership, SegmentVersion
from .rules import RuleValidationError, validate_rule
from .services import segment_create, segment_dependents, segment_update

logger = logging.getLogger(__name__)


class SegmentAdminForm(forms.ModelForm):
    class Meta:
        model = Segment
        fields = ["name", "slug", "lens", "object_type", "status", "owner", "description", "rule"]

    def clean(self):
        cleaned = super().clean()
        rule = cleaned.get("rule")
        object_type = cleaned.get("object_type") or self.instance.object_type
        if rule is not None:
            errors = validate_rule(rule, object_type=object_type, slug=cleaned.get("slug") or self.instance.slug)
            if errors:
                self.add_error("rule", [f"{error.path}: {error.message}" for error in errors])
        if self.instance.pk and cleaned.get("status") == "retired":
            dependents = segment_dependents(slug=self.instance.slug)
            if dependents:
                self.add_error("status", f"These segments reference this one: {', '.join(dependents)}. "
                                         "Remove the references before retiring it.")
        if self.instance.pk and object_type != self.instance.object_type:
            self.add_error("object_type", "The object type of a saved segment cannot change; create a new segment.")
        return cleaned


class SegmentVersionInline(admin.TabularInline):
    model = SegmentVersion
    fields = ["version", "changed_at", "changed_by", "status", "changes"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-version"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    form = SegmentAdminForm
    list_display = ["name", "slug", "lens", "object_type", "status", "member_count", "last_recomputed_at", "owner"]
    list_filter = ["status", "lens", "object_type"]
    search_fields = ["name", "slug", "description"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["version", "member_count", "last_recomputed_at", "created_at", "updated_at"]
    inlines = [SegmentVersionInline]

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj is not None else self.prepopulated_fields

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*self.readonly_fields, "slug"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        """Save through the services, so every edit gets a version with its author."""
        data = form.cleaned_data
        try:
            if not change:
                created = segment_create(
                    name=data["name"],
                    slug=data["slug"],
                    lens=data["lens"],
                    object_type=data["object_type"],
                    rule=data["rule"],
                    description=data.get("description", ""),
                    owner=data.get("owner"),
                    status=data["status"],
                    created_by=request.user,
                )
                obj.pk = created.pk
                return
            original = Segment.objects.get(pk=obj.pk)
            segment_update(
                segment=original,
                changed_by=request.user,
                name=data["name"],
                description=data.get("description", ""),
                lens=data["lens"],
                status=data["status"],
                rule=data["rule"],
                owner=data.get("owner"),
            )
        except (RuleValidationError, ValidationError) as error:
            # The form checked the same conditions; this only happens when
            # another segment changed in between.
            logger.warning("admin save of segment %s failed: %s", data.get("slug") or obj.pk, error)
            self.message_user(request, f"The segment was not saved: {error}", level="error")


@admin.register(SegmentMembership)
class SegmentMembershipAdmin(admin.ModelAdmin):
    list_display = ["segment", "account", "contact", "entered_at", "exited_at", "entered_run_id", "exited_run_id"]
    list_filter = ["segment"]
    search_fields = ["account__name", "contact__email", "segment__slug"]
    list_select_related = ["segment", "account", "contact"]
    raw_id_fields = ["account", "contact", "segment"]
    date_hierarchy = "entered_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Stays are the history recomputes write; the change feeds and the KPIs derived from them assume
        # a stay leaves only with its segment or account.
        return False
