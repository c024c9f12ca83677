"""Settings and staging for the derived attributes the pipeline computes each run."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from .choices import EventType

DEFAULT_EVENT_WEIGHTS = {
    EventType.WEB_VISIT: 1.0,
    EventType.EMAIL_OPEN: 0.5,
    EventType.EMAIL_CLICK: 2.0,
    EventType.EMAIL_REPLY: 4.0,
    EventType.CONTENT_DOWNLOAD: 5.0,
    EventType.EVENT_ATTENDANCE: 8.0,
    EventType.CALL: 6.0,
    EventType.MEETING: 10.0,
}


def default_event_weights():
    return {str(event_type): weight for event_type, weight in DEFAULT_EVENT_WEIGHTS.items()}


class EngagementSettings(models.Model):
    """Settings for engagement scores and the in-market flag: one row, edited in the admin."""

    event_weights = models.JSONField(
        default=default_event_weights,
        help_text="Points per event type before decay, such as {\"meeting\": 10}. Missing types count 0.",
    )
    half_life_days = models.PositiveSmallIntegerField(
        default=30, help_text="Days after which an event counts half as much."
    )
    intent_score_threshold = models.PositiveSmallIntegerField(
        default=70, help_text="An intent signal scored at least this much marks the account in market."
    )
    intent_window_days = models.PositiveSmallIntegerField(
        default=30, help_text="Days back in which an intent signal counts for the in-market flag."
    )
    surge_window_days = models.PositiveSmallIntegerField(
        default=14, help_text="Days back in which recent engagement is counted for a surge."
    )
    surge_min_events = models.PositiveSmallIntegerField(
        default=5, help_text="Fewest events in the surge window that can make a surge."
    )
    surge_ratio = models.FloatField(
        default=2.0,
        help_text="A surge is a daily event rate in the surge window at least this many times the baseline rate.",
    )
    baseline_days = models.PositiveSmallIntegerField(
        default=90, help_text="Days before the surge window that give the baseline event rate."
    )
    engaged_window_days = models.PositiveSmallIntegerField(
        default=90, help_text="Days back in which a contact's event makes its buying role engaged."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "engagement settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(half_life_days__gte=1)
                & Q(intent_window_days__gte=1)
                & Q(surge_window_days__gte=1)
                & Q(baseline_days__gte=1)
                & Q(engaged_window_days__gte=1),
                name="engagement_settings_windows_positive",
                violation_error_message="Half-life and every window must be at least 1 day.",
            ),
            models.CheckConstraint(
                condition=Q(intent_score_threshold__lte=100),
                name="engagement_settings_intent_threshold_0_100",
                violation_error_message="The intent score threshold must be from 0 to 100.",
            ),
            models.CheckConstraint(
                condition=Q(surge_ratio__gt=0),
                name="engagement_settings_surge_ratio_positive",
                violation_error_message="The surge ratio must be above 0.",
            ),
        ]

    def __str__(self):
        return "Engagement settings"

    def clean(self):
        if not isinstance(self.event_weights, dict):
            raise ValidationError({"event_weights": "Event weights must be an object of event type to points."})
        errors = []
        for event_type, weight in self.event_weights.items():
            if event_type not in EventType.values:
                errors.append(
                    f"Unknown event type {event_type!r}: use one of {', '.join(EventType.values)}."
                )
            elif isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
                errors.append(f"The weight of {event_type} is {weight!r}: use a number of 0 or more.")
        if errors:
            raise ValidationError({"event_weights": errors})

    @classmethod
    def load(cls):
        """Return the saved settings, or unsaved defaults when none were saved."""
        return cls.objects.order_by("pk").first() or cls()

    def weight_for(self, event_type):
        return float(self.event_weights.get(event_type, 0) or 0)


class DerivedAttributesStaging(models.Model):
    """Derived attributes of one account computed by one run, waiting to be published.

    run_id is a plain id because the run model belongs to a higher app.
    Buying roles are bit masks here (see accounts.derived.COVERED_ROLES) and
    become lists when published.
    """

    run_id = models.BigIntegerField()
    account_id = models.BigIntegerField()
    engagement_score = models.FloatField()
    in_market = models.BooleanField()
    open_pipeline = models.DecimalField(max_digits=18, decimal_places=2)
    won_revenue = models.DecimalField(max_digits=18, decimal_places=2)
    last_activity_at = models.DateTimeField(null=True)
    roles_known = models.PositiveSmallIntegerField()
    roles_engaged = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run_id", "account_id"], name="derived_staging_run_account_unique"),
        ]
