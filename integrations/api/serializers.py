"""Serializers of the webhook endpoints."""

from rest_framework import serializers

from integrations.models import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSubscription


EVENTS_HELP = (
    "Event types to send. Each delivery is a JSON object with id, type, occurred_at, recorded_at and data. "
    "The data of play.entered, play.exited and play.sla_breached holds play (its slug), enrollment, account, "
    "external_id, sla_due_at and run, and exit_reason on play.exited; occurred_at of a breach is the SLA due time."
)


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices), min_length=1, help_text=EVENTS_HELP
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


MAX_FEED_LIMIT = 1000


class ChangeFeedQuerySerializer(serializers.Serializer):
    cursor = serializers.CharField(required=False)
    since = serializers.DateTimeField(required=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_FEED_LIMIT, default=100)


class ChangeEventSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="Stable id of the event; webhook deliveries of the event carry the same id.")
    type = serializers.ChoiceField(choices=WebhookEvent.choices)
    occurred_at = serializers.DateTimeField(help_text="When the change took effect: the time its recompute ran.")
    recorded_at = serializers.DateTimeField(help_text="When the change was committed.")
    data = serializers.DictField(help_text="The account, its external_id, and the values before and after.")


class ChangeFeedPageSerializer(serializers.Serializer):
    results = ChangeEventSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True, help_text="Pass as ?cursor= to read on; store it to resume later.")
    has_more = serializers.BooleanField(help_text="True when more events are ready now.")
