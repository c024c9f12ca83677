"""Query-string filters of the plays API."""

import django_filters
from django.db.models import Exists, OuterRef

from accounts.models import Account, Motion
from segmentation.models import SegmentMembership

from ..models import Enrollment, EnrollmentStatus, OwnerTeam, Play, PlayStatus, SlaStatus


class PlayFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=PlayStatus.choices, help_text="Repeat for several.")
    motion = django_filters.ChoiceFilter(choices=Motion.choices)
    owner_team = django_filters.ChoiceFilter(choices=OwnerTeam.choices)

    class Meta:
        model = Play
        fields = []


class EnrollmentFilter(django_filters.FilterSet):
    play = django_filters.CharFilter(field_name="play__slug", help_text="Slug of the play.")
    account = django_filters.NumberFilter(field_name="account_id")
    account_external_id = django_filters.CharFilter(field_name="account__external_id", lookup_expr="iexact")
    status = django_filters.MultipleChoiceFilter(choices=EnrollmentStatus.choices, help_text="Repeat for several.")
    sla_status = django_filters.MultipleChoiceFilter(
        choices=SlaStatus.choices, help_text="SLA state at the last recompute; repeat for several."
    )
    entered_since = django_filters.IsoDateTimeFilter(field_name="entered_at", lookup_expr="gte")
    exited_since = django_filters.IsoDateTimeFilter(field_name="exited_at", lookup_expr="gte")
    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="Only enrollments changed at or after this ISO 8601 time."
    )

    class Meta:
        model = Enrollment
        fields = []


class AccountJourneyFilter(django_filters.FilterSet):
    stage = django_filters.CharFilter(field_name="journey_stage", help_text="Key of a journey stage.")
    external_id = django_filters.CharFilter(field_name="external_id", lookup_expr="iexact")
    segment = django_filters.CharFilter(method="filter_segment", help_text="Slug of a segment: its current members.")
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Account
        fields = []

    def filter_segment(self, queryset, name, value):
        members = SegmentMembership.objects.filter(
            segment__slug=value, account_id=OuterRef("pk"), exited_at__isnull=True
        )
        return queryset.filter(Exists(members))
