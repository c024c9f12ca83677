"""Stored responses of write requests sent with an Idempotency-Key header."""

from django.db import models


class IdempotencyState(models.TextChoices):
    IN_FLIGHT = "in_flight", "In flight"
    COMPLETED = "completed", "Completed"


class IdempotencyKey(models.Model):
    """One Idempotency-Key of one caller and the response its first request got.

    `scope` is the caller: `token:<id>` for an API token or `user:<id>` for a
    browser session, so two integrations can use the same key safely.
    """

    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the method, path, query and body.")
    state = models.CharField(max_length=16, choices=IdempotencyState.choices, default=IdempotencyState.IN_FLIGHT)
    locked_at = models.DateTimeField(help_text="When the request that holds the key started.")
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_headers = models.JSONField(default=dict, blank=True)
    response_body = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_unique_per_scope"),
        ]

    def __str__(self):
        return f"{self.scope} {self.key}"
