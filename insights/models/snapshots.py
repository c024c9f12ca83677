"""Daily KPI snapshots, written by the recompute pipeline, so every KPI has a trend."""

from django.db import models
from django.db.models import Q


class Grouping(models.TextChoices):
    SEGMENT = "segment", "Segment"
    TIER = "tier", "Tier"
    PLAY = "play", "Play"


class KpiSnapshot(models.Model):
    """The value of one KPI for one group on one day.

    A second snapshot on the same day replaces the first, so re-running the
    pipeline leaves one row per day, group and KPI. When no input changed
    since the first, the second writes nothing.
    """

    snapshot_date = models.DateField(help_text="The calendar day, in the configured time zone, the value is for.")
    grouping = models.CharField(max_length=16, choices=Grouping.choices)
    group_key = models.CharField(
        max_length=64, help_text="Segment id, tier number (0 for not ICP), play id, or 'unassigned' and 'total'."
    )
    group_label = models.CharField(max_length=200)
    kpi = models.CharField(max_length=32)
    value = models.FloatField(null=True, blank=True, help_text="Empty when the KPI is undefined, such as no closed deals.")
    sample_size = models.PositiveIntegerField(default=0, help_text="How many records the value is computed from.")
    run_id = models.PositiveBigIntegerField(null=True, blank=True, help_text="The recompute run that wrote it.")
    inputs_version = models.CharField(
        max_length=64,
        blank=True,
        help_text="SHA-256 of the KPI inputs' fingerprint when the row was written; a later run that day with "
        "the same fingerprint writes nothing.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-snapshot_date", "grouping", "group_key", "kpi"]
        indexes = [models.Index(fields=["grouping", "kpi", "snapshot_date"], name="kpisnapshot_trend_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot_date", "grouping", "group_key", "kpi"], name="kpisnapshot_day_group_kpi_unique"
            ),
            models.CheckConstraint(
                condition=Q(grouping__in=Grouping.values),
                name="kpisnapshot_grouping_valid",
                violation_error_message="Grouping must be segment, tier or play.",
            ),
        ]
        permissions = [("view_insights", "Can see KPIs, backtests, overlap and segment verdicts")]

    def __str__(self):
        return f"{self.snapshot_date} {self.grouping}:{self.group_key} {self.kpi}={self.value}"
