"""Plays API: plays (read, create and update with ETags), enrollments with their change feed, and journey stages.

Authentication, permissions, paging and the error shape are the API's
defaults, as for every other endpoint: writes need a token with the write
scope or a RevOps session.
"""


from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Count, Q
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.response import Response

from accounts.models import Account
from segmentation.api.concurrency import IF_MATCH_HELP, check_if_match, etag

from ..models import ChangeKind, Enrollment, EnrollmentStatus, Play, PlayStatus
from ..selectors import enrollment_changes, journey_ladder
from ..selectors.changes import MAX_CHANGES
from ..services import PlayValidationError, play_save, play_status_set, play_version
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


IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True, description=IF_MATCH_HELP)
ETAG_HELP = "The play's version; send it in If-Match to change the play. Every change gives a new one."
# Field names of the errors of a whole play or a whole step, as DRF names them.
NON_FIELD_KEY = "non_field_errors"
SLUG_FIXED_MESSAGE = (
    "A play's slug cannot change, because it is the play's address in the API and the browser: "
    "leave slug out, or create a new play."
)


def play_etag(play) -> str:
    """Return the ETag of a play: its version."""
    return etag(play_version(play))


def etag_header(status_code):
    return OpenApiParameter("ETag", str, OpenApiParameter.HEADER, response=[status_code], description=ETAG_HELP)


def _by_field(messages: dict) -> dict:
    return {NON_FIELD_KEY if field == NON_FIELD_ERRORS else field: list(texts) for field, texts in messages.items()}


def invalid_play(error: DjangoValidationError) -> ValidationError:
    """Turn a play service's errors into the API's: messages by field, and step errors under steps by index."""
    if not isinstance(error, PlayValidationError):
        return ValidationError(_by_field(error.message_dict))
    fields = _by_field(error.field_errors)
    if error.step_errors:
        fields["steps"] = {str(index): _by_field(problems) for index, problems in sorted(error.step_errors.items())}
    return ValidationError(fields)


class PlayViewSet(viewsets.ReadOnlyModelViewSet):
    """Plays with their criteria, cadence, SLA and current enrollment counts.

    Create and update save a play through the same services as the play
    editor in the browser, so both apply the same rules.
    """

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

    def respond(self, play, status_code=status.HTTP_200_OK):
        """Return the play as stored, with its counts and its ETag."""
        play = self.get_queryset().get(pk=play.pk)
        response = Response(self.get_serializer(play).data, status=status_code)
        response["ETag"] = play_etag(play)
        return response

    @extend_schema(parameters=[etag_header(200)])
    def retrieve(self, request, slug=None):
        """Read a play. The ETag header is its version, to send as If-Match on an update."""
        return self.respond(self.get_object())

    @extend_schema(
        request=serializers.PlayWriteSerializer,
        responses={201: serializers.PlaySerializer},
        parameters=[etag_header(201)],
    )
    def create(self, request):
        """Create a play, as draft unless the request sets another status; the response carries its ETag."""
        payload = serializers.PlayWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        target = data.pop("status", PlayStatus.DRAFT)
        play = Play(owner=request.user if getattr(request.user, "pk", None) else None)
        with transaction.atomic():
            play = self._save(play, data)
            if target != play.status:
                self._set_status(play, target)
        return self.respond(play, status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.PlayWriteSerializer,
        parameters=[IF_MATCH, etag_header(200)],
        responses={200: serializers.PlaySerializer},
    )
    def partial_update(self, request, slug=None):
        """Change a play's settings, cadence or status. Needs If-Match with the play's ETag.

        Fields left out keep their values. Steps, when sent, are the whole
        cadence: stored steps matched by id or index are updated in place with
        their completions, and the others are deleted. Enrollments follow the
        new settings at the next recompute.
        """
        play = self.get_object()
        payload = serializers.PlayWriteSerializer(data=request.data, partial=True)
        with transaction.atomic():
            # The row lock makes a second update with the same ETag wait,
            # and then fail the check below, instead of overwriting this one.
            play = Play.objects.select_for_update().get(pk=play.pk)
            check_if_match(request, play_etag(play))
            payload.is_valid(raise_exception=True)
            data = dict(payload.validated_data)
            target = data.pop("status", play.status)
            if data.get("slug", play.slug) != play.slug:
                raise ValidationError({"slug": [SLUG_FIXED_MESSAGE]})
            data.pop("slug", None)
            if data:
                play = self._save(play, data)
            if target != play.status:
                self._set_status(play, target)
        return self.respond(play)

    def _save(self, play, data):
        """Apply the sent fields to play and save it with play_save; fields left out keep their values."""
        segments = data.pop("entry_segments", None)
        if segments is not None:
            segment_ids = [segment.pk for segment in segments]
        elif play.pk:
            segment_ids = list(play.entry_segments.values_list("pk", flat=True))
        else:
            segment_ids = []
        steps = data.pop("steps", None)
        for field, value in data.items():
            setattr(play, field, value)
        try:
            return play_save(play=play, segment_ids=segment_ids, steps=steps)
        except DjangoValidationError as error:
            raise invalid_play(error) from None

    def _set_status(self, play, target):
        try:
            play_status_set(play=play, status=target)
        except DjangoValidationError as error:
            raise invalid_play(error) from None


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
