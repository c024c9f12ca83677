"""Query-string filters of the records API."""

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q
from rest_framework.exceptions import ValidationError

from accounts.models import (
    Account,
    ArrSnapshot,
    Contact,
    EngagementEvent,
    EventType,
    IntentSignal,
    LifecycleStage,
    Opportunity,
    OpportunityStatus,
)

NONE = "none"
MAX_ID = 2**63 - 1


class CommaListFilter(django_filters.BaseInFilter, django_filters.CharFilter):
    """A filter that takes one value or several separated by commas: `?stage=customer,renewal`."""


class RecordFilter(django_filters.FilterSet):
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="Only records changed at or after this ISO 8601 time."
    )
    external_id = django_filters.CharFilter(field_name="external_id", lookup_expr="iexact")
    source = django_filters.CharFilter(field_name="source")


class AccountFilter(RecordFilter):
    tier = CommaListFilter(
        method="filter_tier", help_text="ICP tiers 1, 2, 3, or none for accounts that are not ICP; comma-separated."
    )
    stage = django_filters.MultipleChoiceFilter(
        field_name="lifecycle_stage", choices=LifecycleStage.choices, help_text="Lifecycle stage; repeat for several."
    )
    owner = django_filters.CharFilter(method="filter_owner", help_text="Owner's user name, or none for no owner.")
    industry = CommaListFilter(method="filter_industry", help_text="Industries, compared ignoring case; comma-separated.")
    country = CommaListFilter(method="filter_country", help_text="ISO 3166-1 alpha-2 codes; comma-separated.")
    segment = django_filters.CharFilter(method="filter_segment", help_text="Slug of a segment: its current members.")
    domain = django_filters.CharFilter(field_name="domain", lookup_expr="iexact")

    class Meta:
        model = Account
        fields = []

    def filter_tier(self, queryset, name, values):
        condition = Q()
        for value in values:
            if value.strip().lower() == NONE:
                condition |= Q(icp_tier__isnull=True)
            elif value.strip() in {"1", "2", "3"}:
                condition |= Q(icp_tier=int(value))
            else:
                raise ValidationError({"tier": [f"Invalid tier {value!r}: use 1, 2, 3 or none."]})
        return queryset.filter(condition)

    def filter_owner(self, queryset, name, value):
        if value.strip().lower() == NONE:
            return queryset.filter(owner__isnull=True)
        owner_ids = get_user_model().objects.filter(username=value.strip()).values("pk")
        return queryset.filter(owner_id__in=owner_ids)

    def filter_industry(self, queryset, name, values):
        condition = Q()
        for value in values:
            condition |= Q(industry__iexact=value.strip())
        return queryset.filter(condition)

    def filter_country(self, queryset, name, values):
        return queryset.filter(country__in=[value.strip().upper() for value in values])

    def filter_segment(self, queryset, name, value):
        # The reverse relation of the segment membership model, named so that
        # this app needs no import of the segmentation app.
        return queryset.filter(
            segment_memberships__segment__slug=value, segment_memberships__exited_at__isnull=True
        )


class AccountChildFilter(RecordFilter):
    account = django_filters.NumberFilter(field_name="account_id", min_value=1, max_value=MAX_ID, help_text="Account id.")
    account_external_id = django_filters.CharFilter(field_name="account__external_id", lookup_expr="iexact")


class ContactFilter(AccountChildFilter):
    email = django_filters.CharFilter(field_name="email", lookup_expr="iexact")

    class Meta:
        model = Contact
        fields = ["seniority", "buying_role", "department"]


class OpportunityFilter(AccountChildFilter):
    status = django_filters.ChoiceFilter(choices=OpportunityStatus.choices)

    class Meta:
        model = Opportunity
        fields = ["type"]


class EngagementEventFilter(AccountChildFilter):
    type = django_filters.ChoiceFilter(choices=EventType.choices)
    occurred_since = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")

    class Meta:
        model = EngagementEvent
        fields = []


class ArrSnapshotFilter(AccountChildFilter):
    month_since = django_filters.DateFilter(field_name="month", lookup_expr="gte", help_text="First month, as YYYY-MM-01.")
    month_until = django_filters.DateFilter(field_name="month", lookup_expr="lte", help_text="Last month, as YYYY-MM-01.")

    class Meta:
        model = ArrSnapshot
        fields = ["currency"]


class IntentSignalFilter(AccountChildFilter):
    topic = django_filters.CharFilter(field_name="topic", lookup_expr="iexact")
    observed_since = django_filters.IsoDateTimeFilter(field_name="observed_at", lookup_expr="gte")

    class Meta:
        model = IntentSignal
        fields = []
