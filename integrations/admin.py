from django.contrib import admin

from .models import ApiToken, WebhookAttempt, WebhookDelivery, WebhookSubscription


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "digest", "created_at", "last_used_at", "revoked_at", "revoked_by", "created_by"]
    search_fields = ["name", "prefix"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "events", "is_active", "created_at"]
    readonly_fields = ["secret", "created_at", "updated_at"]


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    readonly_fields = ["number", "sent_at", "status_code", "response_ms", "error"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event_type", "event_id", "subscription", "status", "attempts", "last_status_code", "created_at"]
    list_filter = ["status", "event_type"]
    inlines = [WebhookAttemptInline]
