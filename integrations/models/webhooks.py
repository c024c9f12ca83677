"""Webhook subscriptions, the deliveries sent to them, and each attempt."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class WebhookEvent(models.TextChoices):
    TIER_CHANGED = "tier.changed", "Tier changed"
    SEGMENT_ENTERED = "segment.entered", "Segment entered"
    SEGMENT_EXITED = "segment.exited", "Segment exited"
    STAGE_CHANGED = "stage.changed", "Lifecycle stage changed"
    PLAY_ENTERED = "play.entered", "Play entered"
    PLAY_EXITED = "play.exited", "Play exited"
    PLAY_SLA_BREACHED = "play.sla_breached", "Play SLA breached"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    RETRYING = "retrying", "Waiting to retry"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class WebhookSubscription(models.Model):
    """A URL that receives signed POSTs for the events it subscribes to."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    events = models.JSONField(help_text="Event types to send, such as tier.changed.")
    secret = models.CharField(max_length=64, help_text="Key of the HMAC-SHA256 signature of each delivery.")
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="webhooks"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(name=""), name="webhook_name_not_blank", violation_error_message="Webhook name is required."
            ),
        ]

    def __str__(self):
        return self.name


class WebhookDelivery(models.Model):
    """One event sent, or to be sent, to one subscription.

    `event_id` is the same for every delivery of one event, so a receiver can
    drop a delivery it has already processed (a replay keeps the id).
    """

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(max_length=32, choices=WebhookEvent.choices)
    event_id = models.CharField(max_length=64)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When the next attempt is due; while sending, when the attempt expires."
    )
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_response_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    replay_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replays")
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx"),
            models.Index(fields=["subscription", "-created_at"], name="webhook_delivery_sub_idx"),
        ]

    def __str__(self):
        return f"{self.event_type} {self.event_id} to {self.subscription_id}"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery: the response status and how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self):
        return f"attempt {self.number} of delivery {self.delivery_id}"
