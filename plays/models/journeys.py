"""The buyer-journey ladder: ordered stages, each with a rule.

Placement checks the stages from the highest position down and puts each
account on the first stage whose rule it matches, so an account that meets
several stages sits on the most advanced one. A stage without a rule
matches every account, which makes the lowest stage a catch-all.
"""

from django.db import models
from django.db.models import Q


class JourneyStage(models.Model):
    """One rung of the journey ladder."""

    key = models.SlugField(
        max_length=32, unique=True, help_text="Stored in each account's journey_stage; cannot change once created."
    )
    name = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField(unique=True, help_text="Higher is more advanced.")
    rule = models.JSONField(
        null=True, blank=True, help_text="A rule in the public rule format. Empty: every account not placed higher."
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(name=""), name="journey_stage_name_not_blank", violation_error_message="Name is required."
            ),
        ]

    def __str__(self):
        return self.name
