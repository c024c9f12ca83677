"""Records of CSV imports and the synonym tables that normalize imported values."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .records import DEFAULT_SOURCE


class ImportKind(models.TextChoices):
    """The record type a file holds; the value is the import_csv command's first argument."""

    ACCOUNTS = "accounts", "Accounts"
    CONTACTS = "contacts", "Contacts"
    OPPORTUNITIES = "opportunities", "Opportunities"
    EVENTS = "events", "Engagement events"
    INTENT = "intent", "Intent signals"
    ARR = "arr", "ARR by month"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class ImportRun(models.Model):
    """One import of one file: who started it, the options, the counts and the report."""

    kind = models.CharField(max_length=16, choices=ImportKind.choices)
    file_name = models.CharField(max_length=255)
    content = models.BinaryField(
        null=True, blank=True, editable=False, help_text="The uploaded file, kept until the import has run."
    )
    options = models.JSONField(
        default=dict, blank=True, help_text="Mapping, units, currency, date format and the other import options."
    )
    source = models.CharField(max_length=64, default=DEFAULT_SOURCE)
    dry_run = models.BooleanField(default=False, help_text="Checked and counted, then rolled back.")
    status = models.CharField(max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="import_runs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_total = models.PositiveIntegerField(null=True, blank=True, help_text="Data rows in the file, once read.")
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done, 0-100.")
    progress_step = models.CharField(max_length=64, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    elapsed_seconds = models.FloatField(null=True, blank=True)
    summary = models.JSONField(
        default=dict, blank=True, help_text="Column mapping, unknown columns and values, and notes on the file."
    )
    report = models.TextField(
        blank=True, help_text="The reject report as CSV: line, column, value, outcome and reason."
    )
    error = models.TextField(blank=True, help_text="Why the import failed as a whole, when it did.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["-created_at"], name="importrun_created_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ImportKind.values),
                name="importrun_kind_valid",
                violation_error_message="Unknown import kind.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ImportStatus.values),
                name="importrun_status_valid",
                violation_error_message="Unknown import status.",
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100),
                name="importrun_progress_0_100",
                violation_error_message="Progress must be from 0 to 100.",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} from {self.file_name}"

    @property
    def is_finished(self):
        return self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED)


class SynonymKind(models.TextChoices):
    """A synonym table: which field its canonical values belong to."""

    INDUSTRY = "industry", "Industries"
    COUNTRY = "country", "Countries"
    OWNERSHIP_TYPE = "ownership_type", "Ownership types"
    SENIORITY = "seniority", "Seniority (also matched inside titles)"
    DEPARTMENT = "department", "Departments (also matched inside titles)"
    BUYING_ROLE = "buying_role", "Buying roles"
    OPPORTUNITY_STAGE = "opportunity_stage", "Opportunity stages (to open, won or lost)"
    OPPORTUNITY_TYPE = "opportunity_type", "Opportunity types"
    EVENT_TYPE = "event_type", "Engagement event types"


class Synonym(models.Model):
    """One entry of a synonym table: a value as files spell it, and the value Tierline stores.

    The synonym is kept in its matching form (lower case, single spaces), so
    "U.S.", "u.s." and " U.S. " are one entry.
    """

    kind = models.CharField(max_length=32, choices=SynonymKind.choices)
    synonym = models.CharField(max_length=255, help_text="The value as it appears in files; matched ignoring case.")
    value = models.CharField(max_length=128, help_text="The value stored in Tierline.")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "synonym"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "synonym"],
                name="synonym_unique_per_kind",
                violation_error_message="This table already has this synonym.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=SynonymKind.values),
                name="synonym_kind_valid",
                violation_error_message="Unknown synonym table.",
            ),
            models.CheckConstraint(
                condition=~Q(synonym="") & ~Q(value=""),
                name="synonym_not_blank",
                violation_error_message="Both the synonym and the value are required.",
            ),
        ]

    def __str__(self):
        return f"{self.synonym} → {self.value}"
