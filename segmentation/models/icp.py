"""ICP models: weighted criteria that score accounts 0-100 and place them in tiers.

A model is edited as a draft, previewed against current data and then
published. A published model is never edited again: a change starts a new
draft version, so every explanation names the exact criteria it used.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from accounts.models import IcpTier


class IcpModelStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class IcpModel(models.Model):
    """One version of the ICP model: criteria and tier thresholds."""

    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField(unique=True)
    status = models.CharField(max_length=12, choices=IcpModelStatus.choices, default=IcpModelStatus.DRAFT)
    description = models.TextField(blank=True)
    tier_1_min_score = models.PositiveSmallIntegerField(help_text="Lowest score that makes an account Tier 1.")
    tier_2_min_score = models.PositiveSmallIntegerField(help_text="Lowest score that makes an account Tier 2.")
    tier_3_min_score = models.PositiveSmallIntegerField(
        help_text="Lowest score that makes an account Tier 3; below it the account is not ICP."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = "ICP model"
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status=IcpModelStatus.PUBLISHED),
                name="icp_model_one_published",
                violation_error_message="Only one ICP model version can be published at a time.",
            ),
            models.CheckConstraint(condition=Q(status__in=IcpModelStatus.values), name="icp_model_status_valid"),
            models.CheckConstraint(
                condition=Q(tier_1_min_score__lte=100)
                & Q(tier_1_min_score__gt=F("tier_2_min_score"))
                & Q(tier_2_min_score__gt=F("tier_3_min_score")),
                name="icp_model_thresholds_ordered",
                violation_error_message=(
                    "Tier thresholds must be at most 100 and strictly decreasing from Tier 1 to Tier 3."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.name} v{self.version} ({self.get_status_display().lower()})"


class CriterionKind(models.TextChoices):
    RULE = "rule", "Rule condition"
    RANGE = "range", "Numeric range"


class IcpCriterion(models.Model):
    """One criterion: a rule condition, or a numeric range on a field, worth some points."""

    model = models.ForeignKey(IcpModel, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(default=0)
    label = models.CharField(max_length=200)
    kind = models.CharField(max_length=8, choices=CriterionKind.choices)
    rule = models.JSONField(null=True, blank=True, help_text="For a rule condition: a rule in the public rule format.")
    field = models.CharField(max_length=64, blank=True, help_text="For a numeric range: the account field.")
    minimum = models.DecimalField(
        max_digits=20, decimal_places=4, null=True, blank=True, help_text="Inclusive; empty for no lower bound."
    )
    maximum = models.DecimalField(
        max_digits=20, decimal_places=4, null=True, blank=True, help_text="Inclusive; empty for no upper bound."
    )
    points = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["model", "position", "id"]
        verbose_name = "ICP criterion"
        verbose_name_plural = "ICP criteria"
        constraints = [
            models.CheckConstraint(
                condition=Q(points__gte=1) & Q(points__lte=1000),
                name="icp_criterion_points_1_1000",
                violation_error_message="Points must be from 1 to 1000.",
            ),
            models.CheckConstraint(
                condition=Q(kind=CriterionKind.RULE, rule__isnull=False)
                | (
                    Q(kind=CriterionKind.RANGE)
                    & ~Q(field="")
                    & (Q(minimum__isnull=False) | Q(maximum__isnull=False))
                ),
                name="icp_criterion_kind_complete",
                violation_error_message="A rule criterion needs a rule; a range criterion needs a field and a bound.",
            ),
            models.CheckConstraint(
                condition=Q(minimum__isnull=True) | Q(maximum__isnull=True) | Q(minimum__lte=F("maximum")),
                name="icp_criterion_range_ordered",
                violation_error_message="The minimum of a range cannot be above its maximum.",
            ),
        ]

    def __str__(self):
        return f"{self.label} ({self.points} points)"

    @property
    def key(self):
        """The name of this criterion in explanations."""
        return f"c{self.pk}"


class OverrideEnd(models.TextChoices):
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"
    REPLACED = "replaced", "Replaced"


class TierOverride(models.Model):
    """A manual tier for one account, with a reason, an author and an expiry date.

    The override applies until the run on or after expires_on ends it.
    """

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="tier_overrides")
    tier = models.PositiveSmallIntegerField(
        null=True, blank=True, choices=IcpTier.choices, help_text="Empty to mark the account not ICP."
    )
    reason = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tier_overrides")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    expires_on = models.DateField(help_text="The first date, in the configured time zone, it no longer applies.")
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=8, blank=True, choices=OverrideEnd.choices)
    ended_run_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(ended_at__isnull=True),
                name="tier_override_one_open_per_account",
                violation_error_message="This account already has an override in force.",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="tier_override_reason_required",
                violation_error_message="An override needs a reason.",
            ),
            models.CheckConstraint(
                condition=Q(tier__isnull=True) | Q(tier__in=IcpTier.values), name="tier_override_tier_valid"
            ),
        ]

    def __str__(self):
        tier = f"Tier {self.tier}" if self.tier else "not ICP"
        return f"{self.account} set to {tier} until {self.expires_on}"


class IcpExplanation(models.Model):
    """Why an account has its score and tier, from the run that last changed them.

    A row is written only when something in it changed, so the explanation
    for any run is the account's latest row with run_id at or below it.
    """

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="icp_explanations")
    run = models.ForeignKey("segmentation.RecomputeRun", on_delete=models.CASCADE, related_name="+")
    model = models.ForeignKey(IcpModel, null=True, on_delete=models.SET_NULL, related_name="+")
    score = models.PositiveSmallIntegerField(null=True)
    computed_tier = models.PositiveSmallIntegerField(null=True, help_text="The tier the score gives.")
    tier = models.PositiveSmallIntegerField(null=True, help_text="The tier in force, after any override.")
    override = models.ForeignKey(TierOverride, null=True, on_delete=models.SET_NULL, related_name="+")
    points = models.JSONField(default=dict, help_text="Points each criterion gave, keyed c<criterion id>.")
    inputs = models.JSONField(default=dict, help_text="The account values the criteria read.")
    is_current = models.BooleanField(null=True, default=True)

    class Meta:
        ordering = ["account", "-run_id"]
        indexes = [models.Index(fields=["account", "run"], name="icp_expl_account_run_idx")]
        constraints = [
            models.UniqueConstraint(fields=["account", "run"], name="icp_explanation_account_run_unique"),
            models.UniqueConstraint(
                fields=["account"], condition=Q(is_current=True), name="icp_explanation_one_current"
            ),
        ]


class TierChangeReason(models.TextChoices):
    SCORE = "score", "Score"
    OVERRIDE = "override", "Manual override"
    OVERRIDE_ENDED = "override_ended", "Override ended"


class TierChange(models.Model):
    """One change of an account's tier: from, to, when, in which run and why."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="tier_changes")
    run = models.ForeignKey("segmentation.RecomputeRun", on_delete=models.CASCADE, related_name="tier_changes")
    from_tier = models.PositiveSmallIntegerField(null=True)
    to_tier = models.PositiveSmallIntegerField(null=True)
    from_score = models.PositiveSmallIntegerField(null=True)
    to_score = models.PositiveSmallIntegerField(null=True)
    reason = models.CharField(max_length=16, choices=TierChangeReason.choices)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["account", "changed_at"], name="tier_change_account_idx"),
            models.Index(fields=["changed_at"], name="tier_change_time_idx"),
        ]

    def __str__(self):
        return f"{self.account_id}: {self.from_tier or 'not ICP'} -> {self.to_tier or 'not ICP'}"


class IcpScoreStaging(models.Model):
    """The score and tier one run computed for one account, waiting to be published."""

    run_id = models.BigIntegerField()
    account_id = models.BigIntegerField()
    model_id = models.BigIntegerField(null=True)
    score = models.PositiveSmallIntegerField(null=True)
    computed_tier = models.PositiveSmallIntegerField(null=True)
    tier = models.PositiveSmallIntegerField(null=True)
    override_id = models.BigIntegerField(null=True)
    points = models.JSONField(default=dict)
    inputs = models.JSONField(default=dict)
    explanation_changed = models.BooleanField(
        default=True, help_text="True when the account's current explanation differs from this one."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run_id", "account_id"], name="icp_staging_run_account_unique"),
        ]
