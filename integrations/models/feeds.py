"""The change feeds' event log, filled by database triggers on the history tables."""

from django.db import models


class Feed(models.TextChoices):
    TIERS = "tiers", "Tier changes"
    STAGES = "stages", "Lifecycle stage changes"
    MEMBERSHIPS = "memberships", "Segment entries and exits"
    PLAYS = "plays", "Play entries, exits and SLA breaches"


class FeedEventKind(models.TextChoices):
    CHANGED = "changed", "Changed"
    ENTERED = "entered", "Entered"
    EXITED = "exited", "Exited"
    BREACHED = "breached", "SLA breached"


class FeedEvent(models.Model):
    """One change in commit order: a tier or stage change, a segment or play entry or exit, or an SLA breach.

    Triggers on the history tables of the segmentation app and on the
    enrollment change log of the plays app insert these rows in the same
    transaction as the change, so an event exists exactly when its change
    committed. `transaction_id` is the PostgreSQL transaction
    that wrote the change, and is empty on SQLite, which commits one writer
    at a time. The feeds order events by it and hide the events of a
    transaction while an older one may still commit.
    """

    feed = models.CharField(max_length=16, choices=Feed.choices)
    kind = models.CharField(max_length=8, choices=FeedEventKind.choices)
    source_id = models.BigIntegerField(
        help_text="Id of the history row: a tier change, stage change, membership or enrollment change."
    )
    transaction_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["feed", "transaction_id", "id"], name="feed_event_order_idx"),
            models.Index(fields=["created_at"], name="feed_event_time_idx"),
        ]

    def __str__(self):
        return f"{self.feed} {self.kind} {self.source_id}"


class FeedCursor(models.Model):
    """How far webhook publishing has read one feed."""

    feed = models.CharField(max_length=16, choices=Feed.choices, primary_key=True)
    transaction_id = models.BigIntegerField(null=True, blank=True)
    event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.feed} at event {self.event_id}"
