"""Accounts and the records attached to them: contacts, opportunities,
engagement events and intent signals.

Field names follow the public contract shared by rules, the API, exports
and webhooks. Every invariant a user could break through an import or the
API is also a named database constraint, so bulk writes cannot bypass it.
"""

import operator
from functools import reduce

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from .choices import (
    BuyingRole,
    Department,
    EmployeeBand,
    EventType,
    TWO_WAY_TOUCH_TYPES,
    IcpTier,
    LifecycleStage,
    Motion,
    OpportunityStatus,
    OpportunityType,
    OwnershipType,
    Seniority,
    choice_check,
)

DEFAULT_SOURCE = "crm"
MONEY = {"max_digits": 18, "decimal_places": 2}


def currency_check(field):
    """Keep a currency an ISO 4217 code: three upper-case letters."""
    return Q(**{f"{field}__regex": r"^[A-Z]{3}$"})


def external_id_unique(model_name):
    """External ids are unique per source, compared case-insensitively."""
    return models.UniqueConstraint(
        "source",
        Lower("external_id"),
        condition=Q(external_id__isnull=False),
        name=f"{model_name}_external_id_unique_per_source",
        violation_error_message="Another record from this source already has this external id.",
    )


class SourcedRecord(models.Model):
    """A record that may be synced from another system under its own id."""

    external_id = models.CharField(
        max_length=255, null=True, blank=True, help_text="The id in the system this record came from."
    )
    source = models.CharField(
        max_length=64,
        default=DEFAULT_SOURCE,
        help_text="The system the record came from, such as crm, csv or demo.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


class Account(SourcedRecord):
    """A company."""

    name = models.CharField(max_length=255)
    domain = models.CharField(
        max_length=255,
        blank=True,
        db_index=True,
        help_text="Normalized web domain: lower case, no scheme, no www., no path. Not unique.",
    )
    industry = models.CharField(max_length=128, blank=True)
    employee_count = models.PositiveIntegerField(null=True, blank=True)
    employee_band = models.CharField(max_length=16, blank=True, choices=EmployeeBand.choices)
    annual_revenue = models.DecimalField(**MONEY, null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD", help_text="ISO 4217 code of annual_revenue and arr.")
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code.")
    region = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=64, blank=True)
    city = models.CharField(max_length=128, blank=True)
    ownership_type = models.CharField(max_length=16, blank=True, choices=OwnershipType.choices)
    technologies = models.JSONField(default=list, blank=True, help_text="Tech stack, as a list of names.")
    strategic_value = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Sales input from 1 (low) to 5 (high)."
    )
    needs = models.JSONField(default=list, blank=True, help_text="Sales input: needs and use cases, as a list.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_accounts",
    )
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    arr = models.DecimalField(**MONEY, null=True, blank=True, help_text="Annual recurring revenue.")
    health_score = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Customer health, 0-100.")
    extra = models.JSONField(default=dict, blank=True, help_text="Custom attributes kept from imports.")

    # Written by the recompute pipeline.
    lifecycle_stage = models.CharField(max_length=32, blank=True, choices=LifecycleStage.choices)
    motion = models.CharField(max_length=16, blank=True, choices=Motion.choices)
    journey_stage = models.CharField(max_length=32, blank=True)
    icp_score = models.PositiveSmallIntegerField(null=True, blank=True)
    icp_tier = models.PositiveSmallIntegerField(
        null=True, blank=True, choices=IcpTier.choices, help_text="Empty when the account is not ICP."
    )
    engagement_score = models.FloatField(default=0)
    in_market = models.BooleanField(default=False)
    open_pipeline = models.DecimalField(**MONEY, default=0)
    won_revenue = models.DecimalField(**MONEY, default=0)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    buying_roles_covered = models.JSONField(
        default=list, blank=True, help_text="Buying roles with a known contact at the account."
    )
    buying_roles_engaged = models.JSONField(
        default=list, blank=True, help_text="Buying roles whose contact had an engagement event recently."
    )

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            # The id lets KPIs by tier read every account's tier from this index alone.
            models.Index(fields=["icp_tier", "icp_score"], include=["id"], name="account_tier_score_idx"),
            models.Index(fields=["owner", "icp_tier", "icp_score"], name="account_owner_tier_idx"),
            models.Index(fields=["lifecycle_stage"], name="account_stage_idx"),
            models.Index(fields=["industry"], name="account_industry_idx"),
            models.Index(fields=["country"], name="account_country_idx"),
        ]
        constraints = [
            external_id_unique("account"),
            models.CheckConstraint(
                condition=Q(annual_revenue__isnull=True) | Q(annual_revenue__gte=0),
                name="account_annual_revenue_not_negative",
                violation_error_message="Annual revenue cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(arr__isnull=True) | Q(arr__gte=0),
                name="account_arr_not_negative",
                violation_error_message="ARR cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(open_pipeline__gte=0) & Q(won_revenue__gte=0) & Q(engagement_score__gte=0),
                name="account_derived_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(health_score__isnull=True) | Q(health_score__lte=100),
                name="account_health_score_0_100",
                violation_error_message="Health score must be from 0 to 100.",
            ),
            models.CheckConstraint(
                condition=Q(icp_score__isnull=True) | Q(icp_score__lte=100),
                name="account_icp_score_0_100",
                violation_error_message="ICP score must be from 0 to 100.",
            ),
            models.CheckConstraint(
                condition=Q(icp_tier__isnull=True) | Q(icp_tier__in=IcpTier.values),
                name="account_icp_tier_valid",
                violation_error_message="ICP tier must be 1, 2, 3 or empty for not ICP.",
            ),
            models.CheckConstraint(
                condition=Q(strategic_value__isnull=True) | Q(strategic_value__gte=1, strategic_value__lte=5),
                name="account_strategic_value_1_5",
                violation_error_message="Strategic value must be from 1 to 5.",
            ),
            models.CheckConstraint(
                condition=choice_check("ownership_type", OwnershipType),
                name="account_ownership_type_valid",
                violation_error_message="Unknown ownership type.",
            ),
            models.CheckConstraint(
                condition=choice_check("lifecycle_stage", LifecycleStage),
                name="account_lifecycle_stage_valid",
                violation_error_message="Unknown lifecycle stage.",
            ),
            models.CheckConstraint(
                condition=choice_check("motion", Motion),
                name="account_motion_valid",
                violation_error_message="Unknown motion.",
            ),
            models.CheckConstraint(
                condition=choice_check("employee_band", EmployeeBand),
                name="account_employee_band_valid",
                violation_error_message="Unknown employee band.",
            ),
            models.CheckConstraint(
                condition=Q(country="") | Q(country__regex=r"^[A-Z]{2}$"),
                name="account_country_iso_alpha2",
                violation_error_message="Country must be an ISO 3166-1 alpha-2 code such as US or DE.",
            ),
            models.CheckConstraint(
                condition=currency_check("currency"),
                name="account_currency_iso",
                violation_error_message="Currency must be an ISO 4217 code such as USD or EUR.",
            ),
            models.CheckConstraint(
                condition=Q(domain=Lower("domain"))
                & ~Q(domain__contains="/")
                & ~Q(domain__contains=" ")
                & ~Q(domain__startswith="www."),
                name="account_domain_normalized",
                violation_error_message="Domain must be normalized: lower case, no scheme, no www., no path.",
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")),
                name="account_not_own_parent",
                violation_error_message="An account cannot be its own parent.",
            ),
            models.CheckConstraint(
                condition=~Q(name=""),
                name="account_name_not_blank",
                violation_error_message="Account name is required.",
            ),
        ]

    def __str__(self):
        return self.name


class Contact(SourcedRecord):
    """A person at an account."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    email = models.CharField(max_length=254, blank=True, db_index=True, help_text="Stored in lower case.")
    first_name = models.CharField(max_length=128, blank=True)
    last_name = models.CharField(max_length=128, blank=True)
    title = models.CharField(max_length=255, blank=True)
    department = models.CharField(max_length=32, blank=True, choices=Department.choices)
    seniority = models.CharField(max_length=32, blank=True, choices=Seniority.choices)
    buying_role = models.CharField(max_length=32, blank=True, choices=BuyingRole.choices)
    persona = models.CharField(max_length=128, blank=True)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(fields=["account", "buying_role"], name="contact_account_role_idx"),
        ]
        constraints = [
            external_id_unique("contact"),
            models.CheckConstraint(
                condition=choice_check("department", Department),
                name="contact_department_valid",
                violation_error_message="Unknown department.",
            ),
            models.CheckConstraint(
                condition=choice_check("seniority", Seniority),
                name="contact_seniority_valid",
                violation_error_message="Unknown seniority.",
            ),
            models.CheckConstraint(
                condition=choice_check("buying_role", BuyingRole),
                name="contact_buying_role_valid",
                violation_error_message="Unknown buying role.",
            ),
            models.CheckConstraint(
                condition=Q(email=Lower("email")),
                name="contact_email_lower_case",
                violation_error_message="Email must be stored in lower case.",
            ),
        ]

    def __str__(self):
        full_name = f"{self.first_name} {self.last_name}".strip()
        return full_name or self.email or f"Contact {self.pk}"


class Opportunity(SourcedRecord):
    """A deal with an account."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="opportunities")
    name = models.CharField(max_length=255, blank=True)
    amount = models.DecimalField(**MONEY, null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    stage = models.CharField(max_length=64, blank=True, help_text="The CRM's own stage name.")
    status = models.CharField(max_length=8, choices=OpportunityStatus.choices, default=OpportunityStatus.OPEN)
    type = models.CharField(max_length=16, choices=OpportunityType.choices, default=OpportunityType.NEW_BUSINESS)
    created_date = models.DateField(null=True, blank=True)
    closed_date = models.DateField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="opportunities"
    )
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "opportunities"
        ordering = ["-created_date", "id"]
        indexes = [
            models.Index(fields=["account", "status"], name="opportunity_account_status_idx"),
            models.Index(fields=["status", "closed_date"], name="opportunity_status_closed_idx"),
            models.Index(fields=["created_date"], name="opportunity_created_idx"),
        ]
        constraints = [
            external_id_unique("opportunity"),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="opportunity_amount_not_negative",
                violation_error_message="Opportunity amount cannot be negative.",
            ),
            models.CheckConstraint(
                condition=choice_check("status", OpportunityStatus, allow_blank=False),
                name="opportunity_status_valid",
                violation_error_message="Status must be open, won or lost.",
            ),
            models.CheckConstraint(
                condition=choice_check("type", OpportunityType, allow_blank=False),
                name="opportunity_type_valid",
                violation_error_message="Type must be new_business, expansion or renewal.",
            ),
            models.CheckConstraint(
                condition=Q(closed_date__isnull=True)
                | Q(created_date__isnull=True)
                | Q(closed_date__gte=models.F("created_date")),
                name="opportunity_closed_after_created",
                violation_error_message="An opportunity cannot close before it was created.",
            ),
            models.CheckConstraint(
                condition=currency_check("currency"),
                name="opportunity_currency_iso",
                violation_error_message="Currency must be an ISO 4217 code such as USD or EUR.",
            ),
        ]

    def __str__(self):
        return self.name or f"Opportunity {self.external_id or self.pk}"


class EngagementEvent(SourcedRecord):
    """Something an account or one of its contacts did."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="events")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    type = models.CharField(max_length=32, choices=EventType.choices)
    theme = models.CharField(max_length=128, blank=True, help_text="Content theme, such as security or pricing.")
    occurred_at = models.DateTimeField()

    class Meta:
        ordering = ["-occurred_at", "id"]
        indexes = [
            models.Index(fields=["account", "occurred_at"], name="event_account_time_idx"),
            models.Index(fields=["occurred_at"], name="event_time_idx"),
            # Segment rules count an account's events of one type in a time
            # window. This index finds just those events, where the account and
            # time index also reads the account's events of every other type.
            models.Index(fields=["account", "type", "occurred_at"], name="event_account_type_time_idx"),
            # KPIs find the accounts touched in a period, and whether they met, from this index alone: the
            # two-way touches are a sixth of all events. The condition is a chain of ORs, which PostgreSQL
            # prints back in the form it reads, so a bulk load can drop and recreate the index unchanged.
            models.Index(
                fields=["occurred_at", "account", "type"],
                condition=reduce(operator.or_, (Q(type=value) for value in TWO_WAY_TOUCH_TYPES)),
                name="event_touch_time_idx",
            ),
        ]
        constraints = [
            external_id_unique("engagementevent"),
            models.CheckConstraint(
                condition=choice_check("type", EventType, allow_blank=False),
                name="event_type_valid",
                violation_error_message="Unknown engagement event type.",
            ),
        ]

    def __str__(self):
        return f"{self.get_type_display()} at {self.occurred_at:%Y-%m-%d %H:%M}"


class IntentSignal(SourcedRecord):
    """Research interest in a topic, scored by a provider or first-party data."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="intent_signals")
    topic = models.CharField(max_length=128)
    score = models.PositiveSmallIntegerField(help_text="Strength of the signal, 0-100.")
    provider = models.CharField(max_length=64, blank=True, help_text="Who observed it, such as bombora or website.")
    observed_at = models.DateTimeField()

    class Meta:
        ordering = ["-observed_at", "id"]
        indexes = [
            models.Index(fields=["account", "observed_at"], name="intent_account_time_idx"),
            models.Index(fields=["topic", "observed_at"], name="intent_topic_time_idx"),
        ]
        constraints = [
            external_id_unique("intentsignal"),
            models.CheckConstraint(
                condition=Q(score__lte=100),
                name="intent_score_0_100",
                violation_error_message="Intent score must be from 0 to 100.",
            ),
            models.CheckConstraint(
                condition=~Q(topic=""),
                name="intent_topic_not_blank",
                violation_error_message="Intent topic is required.",
            ),
        ]

    def __str__(self):
        return f"{self.topic} ({self.score})"
