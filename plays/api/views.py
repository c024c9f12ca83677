"""Plays API: plays, enrollments with their change feed, and journey stages per account.

Authentication, permissions, paging and the error shape are the API's
defaults, as for every other endpoint.
"""

from django.db.models import Count, Q
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from accounts.models import Account

from ..models import ChangeKind, Enrollment, EnrollmentStatus, Play
from ..selectors import enrollment_changes, journey_ladder
from ..selectors.changes import MAX_CHANGES
from . import filters, serializers

DEFAULT_CHANGES = 100
CHANGE_PARAMETERS = [
    OpenApiParameter("after", int, description="Return changes with a larger id; 0 or left out reads from the start."),
    OpenApiParameter("kind", str, description=f"Kinds of change, comma-separated: {', '.join(ChangeKind.values)}."),
    OpenApiParameter("play", str, description="Slug of a play."),
    OpenApiParameter(
        "page_size", int, description=f"Changes per page, from 1 to {MAX_CHANGES}; default {DEFAULT_CHANGES}."
    ),
]


def _whole_number(request, name, default, *, minimum, maximum=None):
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        number = int(raw)
    except ValueError:
        number = None
    if number is None or number < minimum or (maximum is not None and number > maximum):
        limits = f"from {minimum} to {maximum}" if maximum is not None else f"of at least {minimum}"
        raise ValidationError({name: [f"Invalid value {raw!r}: use a whole number {limits}."]})
    return number


class PlayViewSet(viewsets.ReadOnlyModelViewSet):
    """Plays with their criteria, cadence, SLA and current enrollment counts."""

    serializer_class = serializers.PlaySerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = filters.PlayFilter
    ordering = ["id"]
    ordering_fields = ["id", "name", "updated_at"]
    lookup_field = "slug"

    def get_queryset(self):
        return Play.objects.prefetch_related("entry_segments", "steps").annotate(
            enrolled=Count("enrollments", filter=Q(enrollments__status=EnrollmentStatus.ACTIVE), distinct=True),
            waitlisted=Count("enrollments", filter=Q(enrollments__status=EnrollmentStatus.WAITLISTED), distinct=True),
        )


class EnrollmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Enrollments of accounts in plays, open and past, with SLA states as of the last recompute."""

    serializer_class = serializers.EnrollmentSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = filters.EnrollmentFilter
    ordering = ["id"]
    ordering_fields = ["id", "updated_at"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return Enrollment.objects.select_related("play", "account")

    @extend_schema(parameters=CHANGE_PARAMETERS, responses={200: serializers.EnrollmentChangePageSerializer})
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def changes(self, request):
        """List the change feed: entries, exits, waitlisting and SLA changes, oldest first.

        Store next_after and send it as ?after= on the next call to read each
        change once. An SLA breach appears once per enrollment.
        """
        after = _whole_number(request, "after", 0, minimum=0)
        size = _whole_number(request, "page_size", DEFAULT_CHANGES, minimum=1, maximum=MAX_CHANGES)
        kinds = [kind.strip() for kind in request.query_params.get("kind", "").split(",") if kind.strip()]
        unknown = [kind for kind in kinds if kind not in ChangeKind.values]
        if unknown:
            raise ValidationError(
                {"kind": [f"Unknown kind {unknown[0]!r}: use one or more of {', '.join(ChangeKind.values)}."]}
            )
        play = None
        if request.query_params.get("play"):
            play = Play.objects.filter(slug=request.query_params["play"]).first()
            if play is None:
                raise ValidationError({"play": [f"No play has the slug {request.query_params['play']!r}."]})

        rows = list(enrollment_changes(after_id=after, kinds=kinds, play=play, limit=size + 1))
        page = rows[:size]
        body = {
            "results": serializers.EnrollmentChangeSerializer(page, many=True).data,
            "next_after": page[-1].pk if page else after,
            "has_more": len(rows) > size,
        }
        return Response(body)


class JourneyStageViewSet(viewsets.ReadOnlyModelViewSet):
    """The journey ladder, most advanced stage first, with the accounts on each."""

    serializer_class = serializers.JourneyStageSerializer
    pagination_class = None
    filter_backends = []
    lookup_field = "key"

    def get_queryset(self):
        return journey_ladder()

    def get_object(self):
        for stage in self.get_queryset():
            if stage.key == self.kwargs["key"]:
                return stage
        raise NotFound(f"No journey stage has the key {self.kwargs['key']!r}.")


class AccountJourneyViewSet(viewsets.ReadOnlyModelViewSet):
    """The journey stage of each account, as placed by the last recompute."""

    serializer_class = serializers.AccountJourneySerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = filters.AccountJourneyFilter
    ordering = ["id"]
    ordering_fields = ["id", "updated_at"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return Account.objects.order_by()
