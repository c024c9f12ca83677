"""API tokens: one per integration, stored as a SHA-256 digest."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class TokenScope(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Write"


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A secret that an integration sends as `Authorization: Bearer <token>`.

    Only the SHA-256 digest of the token is stored. The token is random
    (256 bits), so a fast digest is enough: there is no password to guess.
    """

    name = models.CharField(max_length=100, help_text="What the token is for, such as the CRM it syncs.")
    prefix = models.CharField(max_length=16, help_text="The first characters of the token, to recognize it.")
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token, in hex.")
    scopes = models.JSONField(default=list, help_text="Granted scopes: read, write or both.")
    rate_limit_per_minute = models.PositiveIntegerField(
        null=True, blank=True, help_text="Requests a minute for this token; empty uses API_THROTTLE_RATE."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="api_tokens"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(name=""), name="apitoken_name_not_blank", violation_error_message="Token name is required."
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self):
        return self.revoked_at is None

    def has_scope(self, scope):
        return scope in self.scopes
