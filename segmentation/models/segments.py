"""Segments: named, owned, versioned rules with a materialized membership.

A membership row is one stay of one record in one segment: it opens at
entered_at and closes at exited_at, so the members on any date are the rows
with entered_at <= date < exited_at (or exited_at empty).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class Lens(models.TextChoices):
    FIRMOGRAPHIC = "firmographic", "Firmographic"
    ICP = "icp", "ICP and tiering"
    PERSONA = "persona", "Persona and buying center"
    NEEDS = "needs", "Needs and use case"
    BEHAVIORAL = "behavioral", "Behavioral and intent"
    LIFECYCLE = "lifecycle", "Lifecycle and value"


class ObjectType(models.TextChoices):
    ACCOUNTS = "accounts", "Accounts"
    CONTACTS = "contacts", "Contacts"


class SegmentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    RETIRED = "retired", "Retired"


class Segment(models.Model):
    """A named rule over accounts or contacts, recomputed into a membership."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=64, unique=True, help_text="Used by other rules as {\"segment\": slug}.")
    lens = models.CharField(max_length=16, choices=Lens.choices)
    object_type = models.CharField(max_length=16, choices=ObjectType.choices, default=ObjectType.ACCOUNTS)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="segments"
    )
    status = models.CharField(max_length=8, choices=SegmentStatus.choices, default=SegmentStatus.DRAFT)
    rule = models.JSONField(help_text="The rule tree, in the public rule format.")
    version = models.PositiveIntegerField(default=1, help_text="Number of the latest entry in the version history.")
    member_count = models.PositiveIntegerField(default=0, help_text="Current members after the last recompute.")
    last_recomputed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["status", "object_type"], name="segment_status_object_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(lens__in=Lens.values), name="segment_lens_valid", violation_error_message="Unknown lens."
            ),
            models.CheckConstraint(
                condition=Q(object_type__in=ObjectType.values),
                name="segment_object_type_valid",
                violation_error_message="Object type must be accounts or contacts.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=SegmentStatus.values),
                name="segment_status_valid",
                violation_error_message="Status must be draft, active or retired.",
            ),
            models.CheckConstraint(
                condition=~Q(name=""), name="segment_name_not_blank", violation_error_message="Segment name is required."
            ),
        ]

    def __str__(self):
        return self.name


class SegmentVersion(models.Model):
    """One edit of a segment: who made it, when, and what changed."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=8, choices=SegmentStatus.choices)
    rule = models.JSONField()
    changes = models.JSONField(
        default=dict, blank=True, help_text="Each changed attribute with its value before and after the edit."
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="segment_edits"
    )
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["segment", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["segment", "version"], name="segment_version_unique"),
        ]

    def __str__(self):
        return f"{self.segment} v{self.version}"


class SegmentMembership(models.Model):
    """One stay of an account or a contact in a segment."""

    # The composite indexes below start with each of these columns, so the
    # foreign keys need no index of their own. Fewer indexes keep the bulk
    # INSERT of a recompute fast.
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="memberships", db_index=False)
    account = models.ForeignKey(
        "accounts.Account",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="segment_memberships",
        db_index=False,
    )
    contact = models.ForeignKey(
        "accounts.Contact",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="segment_memberships",
        db_index=False,
    )
    entered_at = models.DateTimeField()
    exited_at = models.DateTimeField(null=True, blank=True, help_text="Empty while the record is a member.")
    # Plain ids of the recompute runs, so memberships do not depend on the run model.
    entered_run_id = models.PositiveBigIntegerField(null=True, blank=True)
    exited_run_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["segment", "-entered_at", "id"]
        indexes = [
            models.Index(fields=["segment", "entered_at"], name="membership_segment_entry_idx"),
            models.Index(fields=["segment", "exited_at"], name="membership_segment_exit_idx"),
            models.Index(
                fields=["account", "entered_at"],
                name="membership_account_entry_idx",
                condition=Q(account__isnull=False),
            ),
            models.Index(
                fields=["contact", "entered_at"],
                name="membership_contact_entry_idx",
                condition=Q(contact__isnull=False),
            ),
            # Each account's current segments in order, read from the index alone by the segment
            # combination build.
            models.Index(
                fields=["account", "segment"],
                name="membership_account_current_idx",
                condition=Q(account__isnull=False, exited_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(account__isnull=False, contact__isnull=True)
                | Q(account__isnull=True, contact__isnull=False),
                name="membership_one_record",
                violation_error_message="A membership belongs to exactly one account or one contact.",
            ),
            models.CheckConstraint(
                condition=Q(exited_at__isnull=True) | Q(exited_at__gte=F("entered_at")),
                name="membership_exit_after_entry",
                violation_error_message="A membership cannot end before it starts.",
            ),
            models.UniqueConstraint(
                fields=["segment", "account"],
                condition=Q(exited_at__isnull=True, account__isnull=False),
                name="membership_current_account_unique",
            ),
            models.UniqueConstraint(
                fields=["segment", "contact"],
                condition=Q(exited_at__isnull=True, contact__isnull=False),
                name="membership_current_contact_unique",
            ),
        ]

    def __str__(self):
        record = self.account_id or self.contact_id
        return f"{self.segment_id}:{record} from {self.entered_at:%Y-%m-%d}"
