"""Recompute runs: one pass of the pipeline, with its chunks, timings, counts and changes."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class RunTrigger(models.TextChoices):
    NIGHTLY = "nightly", "Nightly schedule"
    UI = "ui", "Web page"
    API = "api", "API"
    CLI = "cli", "Command line"
    MODEL_PUBLISHED = "model_published", "ICP model published"


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    PUBLISHING = "publishing", "Publishing"
    PUBLISHED = "published", "Published"
    FAILED = "failed", "Failed"


ACTIVE_STATUSES = [RunStatus.RUNNING, RunStatus.PUBLISHING]


class RecomputeRun(models.Model):
    """One run of the recompute pipeline.

    `active` is True while the run is running or publishing and empty
    afterwards. A unique constraint on it lets only one run be active at a
    time: a second request fails to insert and is refused.
    """

    trigger = models.CharField(max_length=16, choices=RunTrigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="recompute_runs"
    )
    status = models.CharField(max_length=12, choices=RunStatus.choices, default=RunStatus.RUNNING)
    active = models.BooleanField(null=True, default=True, unique=True, editable=False)
    full = models.BooleanField(help_text="True when the run covers every account, False when only changed ones.")
    since = models.DateTimeField(
        null=True, blank=True, help_text="Incremental runs cover accounts whose data changed after this time."
    )
    as_of = models.DateTimeField(help_text="The time the run computes for: windows and decay end here.")
    config_fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="When a chunk last finished.")
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    steps = models.JSONField(
        default=list, blank=True, help_text="Each step and phase with its seconds and row counts, in order."
    )
    counts = models.JSONField(default=dict, blank=True)
    changes = models.JSONField(
        default=dict, blank=True, help_text="Tier moves, stage moves, segment entries and exits, by kind."
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "as_of"], name="recompute_run_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(trigger__in=RunTrigger.values), name="recompute_run_trigger_valid"
            ),
            models.CheckConstraint(condition=Q(status__in=RunStatus.values), name="recompute_run_status_valid"),
            models.CheckConstraint(
                condition=Q(active=True, status__in=ACTIVE_STATUSES)
                | (Q(active__isnull=True) & ~Q(status__in=ACTIVE_STATUSES)),
                name="recompute_run_active_matches_status",
            ),
        ]

    def __str__(self):
        return f"Recompute run #{self.pk} ({self.get_status_display().lower()})"

    @property
    def duration(self):
        if self.finished_at is None:
            return None
        return self.finished_at - self.created_at


class ChunkStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"


class RecomputeChunk(models.Model):
    """One account-id range of a run's staging phase, done by one task."""

    run = models.ForeignKey(RecomputeRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    low_id = models.BigIntegerField()
    high_id = models.BigIntegerField()
    status = models.CharField(max_length=8, choices=ChunkStatus.choices, default=ChunkStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows = models.JSONField(default=dict, blank=True, help_text="Rows staged by each step.")

    class Meta:
        ordering = ["run", "index"]
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="recompute_chunk_run_index_unique"),
            models.CheckConstraint(condition=Q(low_id__lte=models.F("high_id")), name="recompute_chunk_range_valid"),
            models.CheckConstraint(condition=Q(status__in=ChunkStatus.values), name="recompute_chunk_status_valid"),
        ]

    def __str__(self):
        return f"Run #{self.run_id} chunk {self.index} ({self.low_id}-{self.high_id})"
