"""Lifecycle rules and the history of lifecycle stage changes."""

from django.db import models
from django.db.models import Q

from accounts.models import LifecycleStage, Motion

# The motion that follows from each lifecycle stage.
STAGE_MOTIONS = {
    LifecycleStage.PROSPECT: Motion.ACQUIRE,
    LifecycleStage.ACTIVE_OPPORTUNITY: Motion.ACQUIRE,
    LifecycleStage.CHURNED: Motion.ACQUIRE,
    LifecycleStage.CUSTOMER: Motion.GROW,
    LifecycleStage.EXPANSION: Motion.GROW,
    LifecycleStage.RENEWAL: Motion.DEFEND,
    LifecycleStage.AT_RISK: Motion.DEFEND,
}

# The stage of an account that matches no rule.
DEFAULT_STAGE = LifecycleStage.PROSPECT


class LifecycleRule(models.Model):
    """A rule that puts matching accounts in a stage; the lowest priority number that matches wins."""

    stage = models.CharField(max_length=32, choices=LifecycleStage.choices)
    priority = models.PositiveSmallIntegerField(unique=True, help_text="Rules are tried from the lowest number up.")
    rule = models.JSONField(help_text="A rule over accounts in the public rule format.")
    description = models.CharField(max_length=255, blank=True)
    enabled = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["priority"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stage__in=LifecycleStage.values),
                name="lifecycle_rule_stage_valid",
                violation_error_message="Unknown lifecycle stage.",
            ),
        ]

    def __str__(self):
        return f"{self.priority}: {self.get_stage_display()}"


class StageChange(models.Model):
    """One change of an account's lifecycle stage: from, to, when, in which run and which rule."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="stage_changes")
    run = models.ForeignKey("segmentation.RecomputeRun", on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=32, blank=True)
    to_stage = models.CharField(max_length=32)
    from_motion = models.CharField(max_length=16, blank=True)
    to_motion = models.CharField(max_length=16)
    rule = models.ForeignKey(LifecycleRule, null=True, on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["account", "changed_at"], name="stage_change_account_idx"),
            models.Index(fields=["changed_at"], name="stage_change_time_idx"),
        ]

    def __str__(self):
        return f"{self.account_id}: {self.from_stage or 'none'} -> {self.to_stage}"


class LifecycleStaging(models.Model):
    """The stage one run computed for one account, waiting to be published."""

    run_id = models.BigIntegerField()
    account_id = models.BigIntegerField()
    rule_id = models.BigIntegerField(null=True)
    lifecycle_stage = models.CharField(max_length=32)
    motion = models.CharField(max_length=16)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run_id", "account_id"], name="lifecycle_staging_run_account_unique"),
        ]
