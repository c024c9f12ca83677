"""Plays: coordinated programs for a segment, with entry and exit criteria,
cadence steps, an SLA and shared KPIs.

Entry criteria combine with AND, and a criterion left empty does not apply.
An account enters when it is a current member of any of the entry segments,
sits in one of the eligible tiers, is at one of the entry lifecycle stages
and matches the entry rule.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from accounts.models import Motion
from accounts.models.choices import choice_check

from .choices import Channel, Coverage, Kpi, OverflowPolicy, OwnerTeam, PlayStatus, StepOwnerRole

# Upper limits of a play's durations: a year for the SLA, ten years for the
# time limit and the re-entry wait, a year for a cadence step. Without them a
# large value makes the due times and cutoffs that the enrollment step
# computes overflow Python's datetime, which stops at the year 9999.
MAX_SLA_HOURS = 8760
MAX_PLAY_DAYS = 3650
MAX_STEP_DAY = 365


# The settings a play's editor and the plays API both read and write, in the editor's order.
PLAY_SETTINGS_FIELDS = (
    "description",
    "motion",
    "owner_team",
    "coverage",
    "offer",
    "entry_segments",
    "eligible_tiers",
    "entry_lifecycle_stages",
    "entry_rule",
    "exit_on_leaving_entry",
    "exit_lifecycle_stages",
    "exit_journey_stages",
    "exit_after_days",
    "exit_on_won_deal",
    "reentry_after_days",
    "sla_hours",
    "sla_at_risk_hours",
    "kpis",
    "enrollment_cap",
    "overflow_policy",
)


class Play(models.Model):
    """A coordinated program that accounts enter and leave by its criteria."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=64, unique=True)
    description = models.TextField(blank=True)
    motion = models.CharField(max_length=16, choices=Motion.choices)
    owner_team = models.CharField(max_length=16, choices=OwnerTeam.choices)
    coverage = models.CharField(
        max_length=16,
        choices=Coverage.choices,
        default=Coverage.PROGRAMMATIC,
        help_text="How much human effort each account gets: 1:1 plays usually take Tier 1, programmatic ones Tier 3.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_plays"
    )
    status = models.CharField(max_length=8, choices=PlayStatus.choices, default=PlayStatus.DRAFT)

    # Entry criteria.
    entry_segments = models.ManyToManyField(
        "segmentation.Segment",
        blank=True,
        related_name="plays",
        help_text="Accounts that are current members of any of these segments can enter.",
    )
    eligible_tiers = models.JSONField(
        default=list, blank=True, help_text="ICP tiers that can enter, such as [1]. Empty: every tier and not ICP."
    )
    entry_lifecycle_stages = models.JSONField(
        default=list, blank=True, help_text="Lifecycle stages that can enter. Empty: every stage."
    )
    entry_rule = models.JSONField(
        null=True, blank=True, help_text="A rule in the public rule format that entering accounts must match."
    )

    # Exit criteria.
    exit_on_leaving_entry = models.BooleanField(
        default=True, help_text="An account exits when it no longer meets the entry criteria."
    )
    exit_lifecycle_stages = models.JSONField(
        default=list, blank=True, help_text="An account exits on reaching one of these lifecycle stages."
    )
    exit_journey_stages = models.JSONField(
        default=list, blank=True, help_text="An account exits on reaching one of these journey stages (their keys)."
    )
    exit_after_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PLAY_DAYS)],
        help_text="An account exits this many days after entry. Empty: no time limit.",
    )
    exit_on_won_deal = models.BooleanField(
        default=False, help_text="An account exits when a deal closes as won on or after its entry date."
    )
    reentry_after_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_PLAY_DAYS)],
        help_text="Days after an exit before the account can enter again; 0 allows it at the next run. "
        "Empty: an account enters a play once only.",
    )

    offer = models.TextField(blank=True, help_text="What the play offers the account, such as a workshop or a trial.")

    # SLA: first touch within sla_hours of entry.
    sla_hours = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_SLA_HOURS)],
        help_text="Hours after entry by which the first touch is due. The first touch is the first meeting, "
        "email reply or call recorded on the account at or after entry; events do not record which rep acted, "
        "so any such event counts. Empty: no SLA.",
    )
    sla_at_risk_hours = models.PositiveIntegerField(
        default=4,
        validators=[MaxValueValidator(MAX_SLA_HOURS)],
        help_text="An untouched enrollment is at risk this many hours before its first touch is due.",
    )
    kpis = models.JSONField(default=list, blank=True, help_text="Keys of the shared KPIs the play page reports.")

    enrollment_cap = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="The most accounts enrolled at once. Empty: no cap.",
    )
    overflow_policy = models.CharField(
        max_length=16,
        choices=OverflowPolicy.choices,
        default=OverflowPolicy.WAITLIST,
        help_text="What happens to accounts that meet entry while the play is full. Waitlisted accounts take "
        "free places in the order they started waiting. Skipped accounts are left out, and each run admits "
        "the highest ICP scores.",
    )
    overflow_count = models.PositiveIntegerField(
        default=0, help_text="Accounts that met entry but found the play full at the last recompute."
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["status"], name="play_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(name=""), name="play_name_not_blank", violation_error_message="Play name is required."
            ),
            models.CheckConstraint(
                condition=choice_check("status", PlayStatus, allow_blank=False),
                name="play_status_valid",
                violation_error_message="Status must be draft, active, paused or retired.",
            ),
            models.CheckConstraint(
                condition=choice_check("motion", Motion, allow_blank=False),
                name="play_motion_valid",
                violation_error_message="Motion must be acquire, grow or defend.",
            ),
            models.CheckConstraint(
                condition=choice_check("owner_team", OwnerTeam, allow_blank=False),
                name="play_owner_team_valid",
                violation_error_message="Owner team must be marketing, sales or customer_success.",
            ),
            models.CheckConstraint(
                condition=choice_check("coverage", Coverage, allow_blank=False),
                name="play_coverage_valid",
                violation_error_message="Coverage must be one_to_one, one_to_few or programmatic.",
            ),
            models.CheckConstraint(
                condition=choice_check("overflow_policy", OverflowPolicy, allow_blank=False),
                name="play_overflow_policy_valid",
                violation_error_message="Overflow policy must be waitlist or skip.",
            ),
            models.CheckConstraint(
                condition=Q(enrollment_cap__isnull=True) | Q(enrollment_cap__gte=1),
                name="play_enrollment_cap_positive",
                violation_error_message="The enrollment cap must be at least 1, or empty for no cap.",
            ),
            models.CheckConstraint(
                condition=Q(sla_hours__isnull=True) | Q(sla_hours__gte=1),
                name="play_sla_hours_positive",
                violation_error_message="SLA hours must be at least 1, or empty for no SLA.",
            ),
            models.CheckConstraint(
                condition=Q(exit_after_days__isnull=True) | Q(exit_after_days__gte=1),
                name="play_exit_after_days_positive",
                violation_error_message="The time limit must be at least 1 day, or empty for none.",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def kpi_labels(self):
        return [(key, Kpi(key).label) for key in self.kpis if key in Kpi.values]


class CadenceStep(models.Model):
    """One touch of a play's cadence, due a number of days after entry."""

    play = models.ForeignKey(Play, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(help_text="Order among steps due on the same day.")
    day_offset = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(MAX_STEP_DAY)],
        help_text="Calendar days after the entry date, in the configured time zone; 0 is the entry date.",
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    action = models.CharField(max_length=255, help_text="What to do, such as 'Send the benchmark report'.")
    owner_role = models.CharField(max_length=16, choices=StepOwnerRole.choices, default=StepOwnerRole.ACCOUNT_OWNER)

    class Meta:
        ordering = ["play", "day_offset", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["play", "position"], name="cadence_step_position_unique"),
            models.CheckConstraint(
                condition=choice_check("channel", Channel, allow_blank=False),
                name="cadence_step_channel_valid",
                violation_error_message="Unknown channel.",
            ),
            models.CheckConstraint(
                condition=choice_check("owner_role", StepOwnerRole, allow_blank=False),
                name="cadence_step_owner_role_valid",
                violation_error_message="Unknown owner role.",
            ),
            models.CheckConstraint(
                condition=Q(day_offset__lte=MAX_STEP_DAY),
                name="cadence_step_day_offset_max",
                violation_error_message="A step is due at most 365 days after entry.",
            ),
            models.CheckConstraint(
                condition=~Q(action=""),
                name="cadence_step_action_not_blank",
                violation_error_message="Each step needs an action.",
            ),
        ]

    def __str__(self):
        return f"Day {self.day_offset}: {self.get_channel_display()} - {self.action}"
