"""Enrollments: one stay of one account in one play, with its SLA.

An enrollment opens as active (or waitlisted when the play is full) and
closes once, with an exit reason. A later re-entry opens a new row, so the
rows of an account and a play are its history. Every state change is also
appended to EnrollmentChange, whose ids are the cursor of the change feed.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from accounts.models.choices import choice_check

from .choices import OPEN_ENROLLMENT_STATUSES, ChangeKind, EnrollmentStatus, ExitReason, SlaStatus
from .plays import CadenceStep, Play


class Enrollment(models.Model):
    """One stay of an account in a play."""

    play = models.ForeignKey(Play, on_delete=models.PROTECT, related_name="enrollments")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="enrollments")
    status = models.CharField(max_length=12, choices=EnrollmentStatus.choices)
    waitlisted_at = models.DateTimeField(
        null=True, blank=True, help_text="When the account met entry but the play was full."
    )
    entered_at = models.DateTimeField(null=True, blank=True, help_text="Empty while the account waits for a place.")
    entered_on = models.DateField(
        null=True, blank=True, help_text="The entry date in the configured time zone; cadence days count from it."
    )
    exited_at = models.DateTimeField(null=True, blank=True)
    exit_reason = models.CharField(max_length=24, blank=True, choices=ExitReason.choices)
    # Plain ids of the recompute runs, so enrollments do not depend on the run model.
    entered_run_id = models.PositiveBigIntegerField(null=True, blank=True)
    exited_run_id = models.PositiveBigIntegerField(null=True, blank=True)

    sla_due_at = models.DateTimeField(
        null=True, blank=True, help_text="When the first touch is due; empty without an SLA."
    )
    sla_at_risk_at = models.DateTimeField(
        null=True, blank=True, help_text="When an untouched enrollment turns at risk."
    )
    sla_status = models.CharField(max_length=12, blank=True, choices=SlaStatus.choices)
    sla_breached_at = models.DateTimeField(null=True, blank=True, help_text="The due time that passed without a touch.")
    first_touch_at = models.DateTimeField(null=True, blank=True)
    first_touch_event = models.ForeignKey(
        "accounts.EngagementEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["play", "-entered_at", "id"]
        indexes = [
            models.Index(fields=["play", "status"], name="enrollment_play_status_idx"),
            models.Index(fields=["account", "status"], name="enrollment_account_status_idx"),
            models.Index(fields=["status", "sla_status"], name="enrollment_sla_idx"),
            models.Index(fields=["play", "exited_at"], name="enrollment_play_exit_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["play", "account"],
                condition=Q(status__in=OPEN_ENROLLMENT_STATUSES),
                name="enrollment_open_unique",
                violation_error_message="The account already has an open enrollment in this play.",
            ),
            models.CheckConstraint(
                condition=choice_check("status", EnrollmentStatus, allow_blank=False),
                name="enrollment_status_valid",
                violation_error_message="Status must be waitlisted, active or exited.",
            ),
            models.CheckConstraint(
                condition=choice_check("exit_reason", ExitReason),
                name="enrollment_exit_reason_valid",
                violation_error_message="Unknown exit reason.",
            ),
            models.CheckConstraint(
                condition=choice_check("sla_status", SlaStatus),
                name="enrollment_sla_status_valid",
                violation_error_message="SLA status must be on_time, at_risk, breached, met or empty.",
            ),
            models.CheckConstraint(
                condition=Q(status=EnrollmentStatus.EXITED, exited_at__isnull=False) & ~Q(exit_reason="")
                | ~Q(status=EnrollmentStatus.EXITED) & Q(exited_at__isnull=True, exit_reason=""),
                name="enrollment_exit_recorded",
                violation_error_message="An exited enrollment has an exit time and a reason; an open one has neither.",
            ),
            models.CheckConstraint(
                condition=~Q(status=EnrollmentStatus.ACTIVE) | Q(entered_at__isnull=False, entered_on__isnull=False),
                name="enrollment_active_entered",
                violation_error_message="An active enrollment has an entry time and date.",
            ),
            models.CheckConstraint(
                condition=Q(exited_at__isnull=True) | Q(entered_at__isnull=True) | Q(exited_at__gte=F("entered_at")),
                name="enrollment_exit_after_entry",
                violation_error_message="An enrollment cannot end before it starts.",
            ),
        ]

    def __str__(self):
        return f"{self.account_id} in {self.play_id} ({self.status})"


class EnrollmentChange(models.Model):
    """One state change of an enrollment: the change feed and the webhook source.

    Each kind happens at most once per enrollment, so a breach is recorded
    once however often the pipeline runs.
    """

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="changes")
    # Copies of the enrollment's play and account for filtering the feed.
    # The enrollment's own keys guard them, so the database checks no second
    # foreign key for each of the many rows a recompute logs.
    play = models.ForeignKey(
        Play, on_delete=models.CASCADE, related_name="enrollment_changes", db_constraint=False
    )
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="enrollment_changes", db_constraint=False
    )
    kind = models.CharField(max_length=16, choices=ChangeKind.choices)
    exit_reason = models.CharField(max_length=24, blank=True, choices=ExitReason.choices)
    occurred_at = models.DateTimeField(help_text="When the change took effect, such as the due time of a breach.")
    recorded_at = models.DateTimeField(help_text="The time of the recompute that found the change.")
    run_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["kind", "id"], name="enrollment_change_kind_idx"),
            models.Index(fields=["play", "id"], name="enrollment_change_play_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "kind"], name="enrollment_change_once"),
            models.CheckConstraint(
                condition=choice_check("kind", ChangeKind, allow_blank=False),
                name="enrollment_change_kind_valid",
                violation_error_message="Unknown change kind.",
            ),
        ]

    def __str__(self):
        return f"{self.kind} of enrollment {self.enrollment_id}"


class StepCompletion(models.Model):
    """A cadence step marked done for one enrollment."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="completed_steps")
    step = models.ForeignKey(CadenceStep, on_delete=models.CASCADE, related_name="completions")
    completed_at = models.DateTimeField()
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrollment", "step"], name="step_completion_once")]

    def __str__(self):
        return f"Step {self.step_id} done for enrollment {self.enrollment_id}"
