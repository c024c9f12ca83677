"""Serializers of the webhook endpoints."""

from rest_framework import serializers

from integrations.models import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscription


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices), min_length=1, help_text="Event types to send."
    )

    class Meta:
        model = WebhookSubscription
        fields = ["id", "name", "url", "events", "is_active", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="Key of the HMAC-SHA256 signatures. It is shown only in this response."
    )

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "sent_at", "status_code", "response_ms", "error"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    attempt_log = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "subscription",
            "event_type",
            "event_id",
            "payload",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_response_ms",
            "last_error",
            "replay_of",
            "created_at",
            "delivered_at",
            "attempt_log",
        ]
        read_only_fields = fields
